// Search/replace edits of one file's text: the matching behind the edit_file tool.
#pragma once

#include <string>

#include "core/status.hpp"

namespace l2mac::filestore {

struct EditResult {
  std::string content;  // the file after the edit
  int lines_removed = 0;
  int lines_added = 0;
  bool whitespace_tolerant = false;  // matched only after ignoring indentation/trailing space
};

// Replaces the single occurrence of `search` in `content`. Tries an exact match first;
// if there is none, a match of whole lines that ignores leading and trailing whitespace
// on each line. Zero matches: kNotFound whose message shows the closest region of the
// file (with line numbers) so the model can correct its search text. Several matches:
// kInvalidArgument asking for more context. An empty `search` is kInvalidArgument.
// Time is linear in the sizes of `content` and `search`, whatever they hold (a model
// writes both).
Result<EditResult> ApplySearchReplace(const std::string& content, const std::string& search,
                                      const std::string& replace);

}  // namespace l2mac::filestore
