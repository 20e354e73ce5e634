#include "filestore/search_replace.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/text.hpp"

namespace l2mac::filestore {
namespace {

int CountLines(std::string_view text) {
  if (text.empty()) return 0;
  int n = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  return text.back() == '\n' ? n : n + 1;
}

// A model writes both texts, so every search here is linear in their sizes whatever they
// hold: memmem (glibc's two-way algorithm) rather than std::string::find, whose worst case
// ("aaa...ab" in "aaa...a") is the product of the sizes.
constexpr size_t kMaxCountedMatches = 100;

size_t Find(std::string_view haystack, std::string_view needle, size_t from) {
  if (from > haystack.size()) return std::string_view::npos;
  const void* found =
      memmem(haystack.data() + from, haystack.size() - from, needle.data(), needle.size());
  return found == nullptr ? std::string_view::npos
                          : static_cast<size_t>(static_cast<const char*>(found) - haystack.data());
}

// Occurrences (overlapping ones too), counted up to kMaxCountedMatches.
size_t CountOccurrences(std::string_view haystack, std::string_view needle) {
  size_t count = 0;
  for (size_t pos = Find(haystack, needle, 0);
       pos != std::string_view::npos && count < kMaxCountedMatches;
       pos = Find(haystack, needle, pos + 1)) {
    ++count;
  }
  return count;
}

std::string CountText(size_t count) {
  return count >= kMaxCountedMatches ? std::to_string(count) + " or more" : std::to_string(count);
}

// Where `search` occurs in `file` as a run of whole lines, comparing lines without their
// leading and trailing whitespace: at most two starting indexes (enough to tell one from
// several). Lines become numbers first, then Knuth-Morris-Pratt finds the runs, so the
// time is linear in both texts.
std::vector<size_t> FindLineRuns(const std::vector<std::string_view>& file,
                                 const std::vector<std::string_view>& search) {
  std::unordered_map<std::string_view, size_t> ids;
  auto id_of = [&](std::string_view line) {
    return ids.emplace(TrimWhitespace(line), ids.size()).first->second;
  };
  std::vector<size_t> pattern;
  pattern.reserve(search.size());
  for (std::string_view line : search) pattern.push_back(id_of(line));
  // failure[k]: the length of the longest proper border of pattern[0..k].
  std::vector<size_t> failure(pattern.size(), 0);
  for (size_t k = 1, border = 0; k < pattern.size(); ++k) {
    while (border > 0 && pattern[k] != pattern[border]) border = failure[border - 1];
    if (pattern[k] == pattern[border]) ++border;
    failure[k] = border;
  }
  std::vector<size_t> starts;
  size_t matched = 0;
  for (size_t i = 0; i < file.size() && starts.size() < 2; ++i) {
    auto it = ids.find(TrimWhitespace(file[i]));
    const size_t id = it == ids.end() ? SIZE_MAX : it->second;
    while (matched > 0 && id != pattern[matched]) matched = failure[matched - 1];
    if (id == pattern[matched]) ++matched;
    if (matched == pattern.size()) {
      starts.push_back(i + 1 - pattern.size());
      matched = failure[matched - 1];
    }
  }
  return starts;
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

// The byte counts of one search line, to score file lines against.
struct LineHistogram {
  int counts[256] = {0};
};

// Bytes shared with `line`, position-independent; a cheap similarity for hints. Costs
// O(line): the counts it takes are given back before it returns.
size_t Similarity(LineHistogram& histogram, std::string_view line,
                  std::vector<unsigned char>& taken) {
  taken.clear();
  for (unsigned char c : line) {
    if (histogram.counts[c] > 0) {
      --histogram.counts[c];
      taken.push_back(c);
    }
  }
  for (unsigned char c : taken) ++histogram.counts[c];
  return taken.size();
}

// Lines of the search text scored against each place in the file, and lines of the
// closest region shown: bounded, so the hint costs O(file) whatever the search's length.
constexpr size_t kHintScoredLines = 8;
constexpr size_t kHintShownLines = 30;

std::string ClosestRegionHint(const std::vector<std::string_view>& file_lines,
                              const std::vector<std::string_view>& search_lines) {
  if (file_lines.empty()) return "The file is empty.";
  const size_t window = std::max<size_t>(1, search_lines.size());
  std::vector<LineHistogram> histograms(std::min(search_lines.size(), kHintScoredLines));
  for (size_t k = 0; k < histograms.size(); ++k) {
    for (unsigned char c : TrimWhitespace(search_lines[k])) ++histograms[k].counts[c];
  }
  std::vector<unsigned char> taken;
  size_t best_start = 0;
  size_t best_score = 0;
  for (size_t start = 0; start + 1 <= file_lines.size(); ++start) {
    size_t score = 0;
    for (size_t k = 0; k < histograms.size() && start + k < file_lines.size(); ++k) {
      score += Similarity(histograms[k], TrimWhitespace(file_lines[start + k]), taken);
    }
    if (score > best_score) {
      best_score = score;
      best_start = start;
    }
  }
  size_t end = std::min({file_lines.size(), best_start + window + 2, best_start + kHintShownLines});
  size_t begin = best_start >= 2 ? best_start - 2 : 0;
  std::string hint = "The closest region of the file is lines " + std::to_string(begin + 1) + "-" +
                     std::to_string(end) + ":\n";
  for (size_t i = begin; i < end; ++i) {
    hint += std::to_string(i + 1) + ": " + TruncateUtf8(file_lines[i], 500) + "\n";
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
    size_t pos = Find(content, search, 0);
    result.content = content.substr(0, pos) + replace + content.substr(pos + search.size());
    result.lines_removed = CountLines(search);
    result.lines_added = CountLines(replace);
    return result;
  }
  if (exact > 1) {
    return Status::InvalidArgument("`search` matches " + CountText(exact) +
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
  if (!search_lines.empty()) matches = FindLineRuns(file_lines, search_lines);
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
        "`search` matches several places (ignoring whitespace): include more surrounding lines so "
        "it matches exactly one");
  }
  return Status::NotFound("`search` does not match the file, even ignoring indentation. " +
                          ClosestRegionHint(file_lines, search_lines) +
                          "Read the file with read_file and copy the text exactly.");
}

}  // namespace l2mac::filestore
