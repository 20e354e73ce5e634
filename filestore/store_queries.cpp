#include "filestore/store_queries.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/glob.hpp"
#include "core/text.hpp"
#include "filestore/path.hpp"

namespace l2mac::filestore {
namespace {

Result<std::string> ReadExisting(FileStore& store, int64_t commit, const std::string& path) {
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> content, store.Read(commit, path));
  if (!content) {
    return Status::NotFound("file '" + path + "' does not exist at commit " +
                            std::to_string(commit) + "; check the path against the file list");
  }
  return std::move(*content);
}

}  // namespace

Result<std::string> ReadLines(FileStore& store, int64_t commit, const std::string& path,
                              int64_t first, int64_t last) {
  if (first < 1) first = 1;
  if (last < first) return std::string();
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> range,
                         store.ReadLineRange(commit, path, first, last));
  if (!range) {
    return Status::NotFound("file '" + path + "' does not exist at commit " +
                            std::to_string(commit) + "; check the path against the file list");
  }
  // Binary content is judged on the bytes shown (the range), not the whole file.
  if (LooksBinary(*range)) {
    L2MAC_ASSIGN_OR_RETURN(auto files, store.List(commit, path));
    int64_t size = 0;
    for (const FileInfo& info : files) {
      if (info.path == path) size = info.size;
    }
    return "(binary file, " + std::to_string(size) + " bytes)\n";
  }
  return NumberLines(*range, first);
}

Result<std::vector<SearchHit>> SearchStore(FileStore& store, int64_t commit,
                                           const std::string& pattern,
                                           const SearchOptions& options) {
  L2MAC_ASSIGN_OR_RETURN(TextMatcher matcher, TextMatcher::Create(pattern, options));
  std::vector<Glob> globs;
  for (const std::string& text : options.globs) {
    auto glob = Glob::Compile(text);
    if (!glob.ok()) return glob.status().WithContext("glob '" + TruncateUtf8(text, 100) + "'");
    globs.push_back(std::move(glob).value());
  }
  std::vector<SearchHit> hits;
  Status status = store.ForEachFile(commit, "", [&](const FileInfo& info, std::string_view text) {
    if (hits.size() >= options.max_results) return Status::Cancelled("enough results");
    if (!globs.empty() && std::none_of(globs.begin(), globs.end(),
                                       [&](const Glob& glob) { return glob.Matches(info.path); })) {
      return Status::Ok();
    }
    if (options.skip_binary && std::memchr(text.data(), 0, text.size()) != nullptr) {
      return Status::Ok();
    }
    matcher.Search(info.path, text, options.max_results, hits);
    return Status::Ok();
  });
  if (!status.ok() && status.code() != StatusCode::kCancelled) return status;
  return hits;
}

Result<std::vector<OutlineItem>> OutlineFile(FileStore& store, int64_t commit,
                                             const std::string& path) {
  L2MAC_ASSIGN_OR_RETURN(std::string content, ReadExisting(store, commit, path));
  return Outline(path, content);
}

std::string FormatManifest(const std::vector<FileInfo>& files) {
  std::string out;
  for (const FileInfo& info : files) {
    out += info.path + " (" + std::to_string(info.lines) + " lines, " + std::to_string(info.size) +
           " bytes)\n";
  }
  return out;
}

}  // namespace l2mac::filestore
