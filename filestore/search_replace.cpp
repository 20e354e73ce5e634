#include "filestore/search_replace.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "core/text.hpp"

namespace l2mac::filestore {
namespace {

int CountLines(std::string_view text) {
  if (text.empty()) return 0;
  int n = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  return text.back() == '\n' ? n : n + 1;
}

size_t CountOccurrences(const std::string& haystack, const std::string& needle) {
  size_t count = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++count;
  }
  return count;
}

// Byte offset where line `index` (0-based) starts.
size_t LineOffset(const std::string& content, size_t index) {
  size_t offset = 0;
  for (size_t i = 0; i < index; ++i) {
    size_t nl = content.find('\n', offset);
    if (nl == std::string::npos) return content.size();
    offset = nl + 1;
  }
  return offset;
}

// Characters shared by two lines, position-independent; a cheap similarity for hints.
size_t Similarity(std::string_view a, std::string_view b) {
  int counts[256] = {0};
  for (unsigned char c : a) ++counts[c];
  size_t shared = 0;
  for (unsigned char c : b) {
    if (counts[c] > 0) {
      --counts[c];
      ++shared;
    }
  }
  return shared;
}

std::string ClosestRegionHint(const std::vector<std::string_view>& file_lines,
                              const std::vector<std::string_view>& search_lines) {
  if (file_lines.empty()) return "The file is empty.";
  size_t window = std::max<size_t>(1, search_lines.size());
  size_t best_start = 0;
  size_t best_score = 0;
  for (size_t start = 0; start + 1 <= file_lines.size(); ++start) {
    size_t score = 0;
    for (size_t k = 0; k < window && start + k < file_lines.size(); ++k) {
      score += Similarity(
          TrimWhitespace(file_lines[start + k]),
          k < search_lines.size() ? TrimWhitespace(search_lines[k]) : std::string_view());
    }
    if (score > best_score) {
      best_score = score;
      best_start = start;
    }
  }
  size_t end = std::min(file_lines.size(), best_start + window + 2);
  size_t begin = best_start >= 2 ? best_start - 2 : 0;
  std::string hint = "The closest region of the file is lines " + std::to_string(begin + 1) + "-" +
                     std::to_string(end) + ":\n";
  for (size_t i = begin; i < end; ++i) {
    hint += std::to_string(i + 1) + ": " + std::string(file_lines[i]) + "\n";
  }
  return hint;
}

}  // namespace

Result<EditResult> ApplySearchReplace(const std::string& content, const std::string& search,
                                      const std::string& replace) {
  if (search.empty()) {
    return Status::InvalidArgument(
        "`search` is empty: give the exact text to replace (use write_file to replace a whole "
        "file)");
  }
  size_t exact = CountOccurrences(content, search);
  if (exact == 1) {
    EditResult result;
    size_t pos = content.find(search);
    result.content = content.substr(0, pos) + replace + content.substr(pos + search.size());
    result.lines_removed = CountLines(search);
    result.lines_added = CountLines(replace);
    return result;
  }
  if (exact > 1) {
    return Status::InvalidArgument("`search` matches " + std::to_string(exact) +
                                   " places in the file: include more surrounding lines so it "
                                   "matches exactly one");
  }

  // Whitespace-tolerant match over whole lines.
  auto file_lines = SplitLines(content);
  auto search_lines = SplitLines(search);
  while (!search_lines.empty() && TrimWhitespace(search_lines.back()).empty())
    search_lines.pop_back();
  while (!search_lines.empty() && TrimWhitespace(search_lines.front()).empty()) {
    search_lines.erase(search_lines.begin());
  }
  std::vector<size_t> matches;
  if (!search_lines.empty()) {
    for (size_t start = 0; start + search_lines.size() <= file_lines.size(); ++start) {
      bool all = true;
      for (size_t k = 0; k < search_lines.size() && all; ++k) {
        all = TrimWhitespace(file_lines[start + k]) == TrimWhitespace(search_lines[k]);
      }
      if (all) matches.push_back(start);
    }
  }
  if (matches.size() == 1) {
    size_t begin = LineOffset(content, matches[0]);
    size_t end = LineOffset(content, matches[0] + search_lines.size());
    bool ended_with_newline = end > begin && content[end - 1] == '\n';
    std::string replacement = replace;
    if (ended_with_newline && (replacement.empty() || replacement.back() != '\n')) {
      replacement += '\n';
    }
    EditResult result;
    result.content = content.substr(0, begin) + replacement + content.substr(end);
    result.lines_removed = static_cast<int>(search_lines.size());
    result.lines_added = CountLines(replace);
    result.whitespace_tolerant = true;
    return result;
  }
  if (matches.size() > 1) {
    return Status::InvalidArgument(
        "`search` matches " + std::to_string(matches.size()) +
        " places (ignoring whitespace): include more surrounding lines so it matches exactly one");
  }
  return Status::NotFound("`search` does not match the file, even ignoring indentation. " +
                          ClosestRegionHint(file_lines, search_lines) +
                          "Read the file with read_file and copy the text exactly.");
}

}  // namespace l2mac::filestore
