// Store paths: the only form of path the store and the agent's tools accept.
//
// A store path is relative to the store root, uses '/' separators, and has no empty,
// "." or ".." segments, no NUL or backslash, and does not start with ".l2mac" (reserved
// for l2mac's own state) or ".git".
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace l2mac::filestore {

// Returns the normalized form ("./a//b" is refused, "./a/b" becomes "a/b") or an
// kInvalidArgument/kPermissionDenied Status whose message names the problem and says
// what a valid path looks like.
Result<std::string> NormalizePath(std::string_view raw);

// Checks that writing `store_path` under `root` on disk would not pass through a symlink
// (any existing component that is a symlink is refused with kPermissionDenied, naming it).
// Missing components are fine.
Status CheckNoSymlinkOnDisk(const std::filesystem::path& root, std::string_view store_path);

}  // namespace l2mac::filestore
