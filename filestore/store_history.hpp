// History views over a FileStore: the log of one path, diffs between commits and blame.
// Built on FileStore's public reads only. Results name commits by id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::filestore {

// Commits in the first-parent history of `commit` that changed `path`, newest first.
Result<std::vector<CommitInfo>> PathLog(FileStore& store, int64_t commit, const std::string& path,
                                        size_t limit = 100);

// A unified diff of every file that differs between `from` and `to` (0 = empty tree),
// in path order, optionally only paths under `prefix`. Binary files show one line
// "Binary files a/x and b/x differ".
Result<std::string> DiffCommits(FileStore& store, int64_t from, int64_t to,
                                const std::string& prefix = "");

struct BlameLine {
  int64_t commit = 0;
  std::string author;  // the commit's author, e.g. "instruction 3 attempt 1"
  std::string text;    // the line, without '\n'
};

// Which commit (and so which instruction) last wrote each line of `path` at `commit`,
// following the path's first-parent history. kNotFound when the file is absent there.
Result<std::vector<BlameLine>> Blame(FileStore& store, int64_t commit, const std::string& path);

}  // namespace l2mac::filestore
