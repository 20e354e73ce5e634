// Applying unified diffs ("--- a/x", "+++ b/x", "@@ -l,n +l,n @@" hunks) to the store's
// text: the model's second way to edit, after search/replace.
//
// A hunk is placed at its stated line when its old lines are there; otherwise at the
// nearest place where they match exactly, then ignoring leading and trailing whitespace.
// A hunk that fits nowhere fails the whole patch (kNotFound) with the closest region.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "filestore/search_replace.hpp"

namespace l2mac::filestore {

// The changes a patch makes to one file. `old_path`/`new_path` are empty for /dev/null
// (a created or deleted file); "a/" and "b/" prefixes are stripped.
struct FilePatch {
  std::string old_path;
  std::string new_path;
  std::string hunks;  // the "@@" hunks, verbatim
};

// Splits a (possibly multi-file) unified diff. kInvalidArgument when it holds no file
// header or a hunk outside one.
Result<std::vector<FilePatch>> ParseUnifiedDiff(const std::string& patch);

// Applies one file's hunks to `content` (empty for a new file).
Result<EditResult> ApplyHunks(const std::string& content, const std::string& hunks);

}  // namespace l2mac::filestore
