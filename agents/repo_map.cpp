#include "agents/repo_map.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/token_estimator.hpp"
#include "filestore/text_query.hpp"

namespace l2mac::agents {
namespace {

constexpr size_t kShortestName = 3;

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The distinct identifiers of `text` (a word character run not starting with a digit).
std::set<std::string_view> Words(std::string_view text) {
  std::set<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    if (!IsWordChar(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && IsWordChar(text[i])) ++i;
    if (text[start] >= '0' && text[start] <= '9') continue;
    if (i - start >= kShortestName) words.insert(text.substr(start, i - start));
  }
  return words;
}

bool IsIdentifier(std::string_view name) {
  if (name.size() < kShortestName || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), IsWordChar);
}

struct MappedFile {
  filestore::FileInfo info;
  enum class Kind { kText, kBinary, kTooLarge, kNotRead } kind = Kind::kNotRead;
  std::vector<filestore::OutlineItem> outline;
  std::set<std::string> names;  // what other files may use
  int score = 0;                // (other file, name) uses
  std::set<size_t> used_by;     // indexes of the files using it
};

std::string ModuleName(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  return name.substr(0, name.find('.'));
}

std::string FileBlock(const MappedFile& file, size_t max_items) {
  std::string header = file.info.path;
  switch (file.kind) {
    case MappedFile::Kind::kBinary:
      return header + fmt::format(" (binary, {} bytes; not shown)\n", file.info.size);
    case MappedFile::Kind::kTooLarge:
      return header + fmt::format(" ({} bytes; too large to outline)\n", file.info.size);
    case MappedFile::Kind::kNotRead:
      return header + fmt::format(" ({} lines)\n", file.info.lines);
    case MappedFile::Kind::kText:
      break;
  }
  header += fmt::format(" ({} lines", file.info.lines);
  if (!file.used_by.empty()) {
    header += fmt::format(", used by {} other file{}", file.used_by.size(),
                          file.used_by.size() == 1 ? "" : "s");
  }
  header += ")\n";
  std::string block = header;
  for (size_t i = 0; i < file.outline.size() && i < max_items; ++i) {
    const filestore::OutlineItem& item = file.outline[i];
    block += std::string(2 + 2 * static_cast<size_t>(std::max(0, item.depth)), ' ') +
             fmt::format("{}: {} {}\n", item.line, item.kind, item.name);
  }
  if (file.outline.size() > max_items) {
    block +=
        fmt::format("  ... {} more (outline_file shows them)\n", file.outline.size() - max_items);
  }
  return block;
}

}  // namespace

Result<std::string> BuildRepoMap(const filestore::StoreTransaction& view,
                                 const RepoMapLimits& limits) {
  L2MAC_ASSIGN_OR_RETURN(std::vector<filestore::FileInfo> infos, view.List(""));
  if (infos.empty()) return std::string("(no files yet)");
  std::vector<MappedFile> files;
  files.reserve(infos.size());
  for (auto& info : infos) {
    MappedFile file;
    file.info = std::move(info);
    files.push_back(std::move(file));
  }

  // Outlines and names.
  std::unordered_map<std::string, std::vector<size_t>> defined_in;  // name -> files
  size_t read = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    MappedFile& file = files[i];
    if (static_cast<size_t>(file.info.size) > limits.largest_outlined_file) {
      file.kind = MappedFile::Kind::kTooLarge;
      continue;
    }
    if (read == limits.max_files_read) continue;  // kNotRead: listed with its size
    ++read;
    L2MAC_ASSIGN_OR_RETURN(auto content, view.Read(file.info.path));
    if (!content) continue;
    if (filestore::LooksBinary(*content)) {
      file.kind = MappedFile::Kind::kBinary;
      continue;
    }
    file.kind = MappedFile::Kind::kText;
    file.outline = filestore::Outline(file.info.path, *content);
    for (const auto& item : file.outline) {
      if (item.kind != "heading" && IsIdentifier(item.name)) file.names.insert(item.name);
    }
    std::string module = ModuleName(file.info.path);
    if (IsIdentifier(module)) file.names.insert(module);
    for (const std::string& name : file.names) defined_in[name].push_back(i);
  }

  // Uses: each text file's words against the names of the others.
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].kind != MappedFile::Kind::kText) continue;
    L2MAC_ASSIGN_OR_RETURN(auto content, view.Read(files[i].info.path));
    if (!content) continue;
    for (std::string_view word : Words(*content)) {
      auto found = defined_in.find(std::string(word));
      if (found == defined_in.end()) continue;
      for (size_t definer : found->second) {
        if (definer == i) continue;
        ++files[definer].score;
        files[definer].used_by.insert(i);
      }
    }
  }

  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return files[a].score > files[b].score; });

  std::string map = fmt::format(
      "Repository map: the {} file{} of the existing codebase, those the other files use most "
      "first, each with its outline (line: kind name), cut to about {} tokens. Read what you "
      "need with outline_file, search_files and read_file. Plan changes to this code: extend "
      "and edit its files rather than rewrite them, and keep its tests passing.\n\n",
      files.size(), files.size() == 1 ? "" : "s", limits.max_tokens);
  int64_t used = EstimateTokens(limits.counter.get(), map);
  size_t shown = 0;
  for (size_t index : order) {
    std::string block = FileBlock(files[index], limits.max_items_per_file);
    int64_t cost = EstimateTokens(limits.counter.get(), block);
    if (used + cost > limits.max_tokens) {
      // The outline does not fit: the path alone may.
      block = files[index].info.path + "\n";
      cost = EstimateTokens(limits.counter.get(), block);
      if (used + cost > limits.max_tokens) break;
    }
    map += block;
    used += cost;
    ++shown;
  }
  if (shown < files.size()) {
    map += fmt::format("\n... and {} more file{} (list_files shows every file)\n",
                       files.size() - shown, files.size() - shown == 1 ? "" : "s");
  }
  return map;
}

}  // namespace l2mac::agents
