#include "filestore/store_history.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "filestore/path.hpp"
#include "filestore/text_diff.hpp"
#include "filestore/text_query.hpp"

namespace l2mac::filestore {

Result<std::vector<CommitInfo>> PathLog(FileStore& store, int64_t commit, const std::string& path,
                                        size_t limit) {
  L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
  L2MAC_ASSIGN_OR_RETURN(std::vector<CommitInfo> history, store.LogFrom(commit, SIZE_MAX));
  std::vector<CommitInfo> touching;
  for (CommitInfo& info : history) {
    if (touching.size() >= limit) break;
    if (std::binary_search(info.changed_paths.begin(), info.changed_paths.end(), normalized)) {
      touching.push_back(std::move(info));
    }
  }
  return touching;
}

Result<std::string> DiffCommits(FileStore& store, int64_t from, int64_t to,
                                const std::string& prefix) {
  L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> before, store.List(from, prefix));
  L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> after, store.List(to, prefix));
  std::map<std::string, std::pair<std::string, std::string>> hashes;  // path -> (old, new)
  for (const FileInfo& info : before) hashes[info.path].first = info.hash;
  for (const FileInfo& info : after) hashes[info.path].second = info.hash;
  std::string out;
  for (const auto& [path, pair] : hashes) {
    if (pair.first == pair.second) continue;
    std::string old_text;
    std::string new_text;
    if (!pair.first.empty()) {
      L2MAC_ASSIGN_OR_RETURN(old_text, store.ReadBlob(pair.first));
    }
    if (!pair.second.empty()) {
      L2MAC_ASSIGN_OR_RETURN(new_text, store.ReadBlob(pair.second));
    }
    std::string old_label = pair.first.empty() ? "" : "a/" + path;
    std::string new_label = pair.second.empty() ? "" : "b/" + path;
    if (LooksBinary(old_text) || LooksBinary(new_text)) {
      out += "Binary files " + (old_label.empty() ? "/dev/null" : old_label) + " and " +
             (new_label.empty() ? "/dev/null" : new_label) + " differ\n";
      continue;
    }
    out += UnifiedDiff(old_text, new_text, old_label, new_label);
  }
  return out;
}

Result<std::vector<BlameLine>> Blame(FileStore& store, int64_t commit, const std::string& path) {
  L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> current, store.Read(commit, normalized));
  if (!current) {
    return Status::NotFound("file '" + normalized + "' does not exist at commit " +
                            std::to_string(commit) + "; list the files with `l2mac files DIR ls`");
  }
  L2MAC_ASSIGN_OR_RETURN(std::vector<CommitInfo> versions,
                         PathLog(store, commit, normalized, SIZE_MAX));
  // Walk from the oldest version to the newest, carrying each line's origin through the
  // line matches of consecutive versions.
  std::string previous_text;
  std::vector<size_t> origin;  // per line of previous_text: index into `versions`
  for (size_t v = versions.size(); v-- > 0;) {
    L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> text, store.Read(versions[v].id, normalized));
    if (!text) {  // deleted in this commit: a later re-creation starts afresh
      previous_text.clear();
      origin.clear();
      continue;
    }
    auto old_lines = SplitLinesKeepEnds(previous_text);
    auto new_lines = SplitLinesKeepEnds(*text);
    std::vector<size_t> next(new_lines.size(), v);
    for (const auto& [a, b] : MatchLines(old_lines, new_lines)) next[b] = origin[a];
    origin = std::move(next);
    previous_text = std::move(*text);
  }
  std::vector<BlameLine> lines;
  auto text_lines = SplitLinesKeepEnds(previous_text);
  for (size_t n = 0; n < text_lines.size(); ++n) {
    std::string_view line = text_lines[n];
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    const CommitInfo& info = versions[origin[n]];
    lines.push_back({info.id, info.author, std::string(line)});
  }
  return lines;
}

}  // namespace l2mac::filestore
