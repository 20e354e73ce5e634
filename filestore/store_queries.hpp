// Precise reads of a FileStore at any commit: numbered line ranges, searches across files
// and outlines (text_query.hpp applied to stored content). Binary or invalid UTF-8 files
// are reported as such instead of shown.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "filestore/file_store.hpp"
#include "filestore/text_query.hpp"

namespace l2mac::filestore {

// Lines [first, last] of `path` at `commit`, each "<n>: <text>". kNotFound for a missing
// file; a binary file gives "(binary file, N bytes)".
Result<std::string> ReadLines(FileStore& store, int64_t commit, const std::string& path,
                              int64_t first, int64_t last);

// Lines matching `pattern` (a literal, or RE2 syntax with options.regex) in the files at
// `commit` whose paths match one of the globs (core/glob.hpp), in path order, at most
// options.max_results, each line cut to options.max_line_bytes. Binary files are skipped.
// kInvalidArgument for a bad pattern or glob; time linear in the text searched.
Result<std::vector<SearchHit>> SearchStore(FileStore& store, int64_t commit,
                                           const std::string& pattern,
                                           const SearchOptions& options);

Result<std::vector<OutlineItem>> OutlineFile(FileStore& store, int64_t commit,
                                             const std::string& path);

// The manifest shown before model calls: "path (N lines, B bytes)" per file, one a line.
std::string FormatManifest(const std::vector<FileInfo>& files);

}  // namespace l2mac::filestore
