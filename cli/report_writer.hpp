// Writing a run's HTML report (control_unit/report_html.hpp) to a file: what `l2mac report`
// and the MCP server's write_report tool share. Reads the folder as a read-only view (no
// lock), so it works during a run; the file is replaced atomically, so a reader never
// sees half a page. Threads: any; one call writes one file.
#pragma once

#include <filesystem>
#include <string>

#include "core/status.hpp"

namespace l2mac::cli {

// Writes the report of the run in `dir` to `output` (empty: DIR/.l2mac/report.html) and
// returns the path written. Errors: kNotFound/kFailedPrecondition when DIR holds no run,
// kIoError (naming the file and suggesting another) when it cannot be written, kCorruption
// for a damaged state database.
Result<std::filesystem::path> WriteRunReport(const std::string& dir, const std::string& output);

}  // namespace l2mac::cli
