// Reading the user's input files (specs, prompt programs) with clear errors.
#pragma once

#include <string>

#include "core/status.hpp"

namespace l2mac::cli {

// Reads a text file a user supplied as `what` ("spec", "prompt program"). Refuses a
// missing or unreadable file, a folder, a file over `max_bytes`, and binary content (NUL
// bytes or invalid UTF-8), each with kInvalidArgument naming the file and the fix.
Result<std::string> ReadUserTextFile(const std::string& path, const std::string& what,
                                     size_t max_bytes);

}  // namespace l2mac::cli
