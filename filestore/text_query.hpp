// Precise reads of file text: numbered line ranges, searches and outlines. Pure functions
// over content (the store feeds them; see store_queries.hpp); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace l2mac::filestore {

// True when `text` is not valid UTF-8 or holds a NUL byte: shown to the model as binary.
bool LooksBinary(std::string_view text);

// Lines [first, last] (1-based, inclusive; clamped to the file) as "<n>: <line>\n" each.
// Finds the start by scanning for '\n' with memchr, so it costs O(bytes before `last`).
std::string NumberedLines(std::string_view text, int64_t first, int64_t last);

// Every line of `text` as "<n>: <line>\n", numbering from `first_number`.
std::string NumberLines(std::string_view text, int64_t first_number);

// Shell-style glob over store paths: '*' matches within one segment, '**' across
// segments ("src/**/*.py", "**/test_*.py"), '?' one character, "[abc]" a class.
bool GlobMatch(std::string_view pattern, std::string_view path);

struct SearchOptions {
  bool regex = false;  // ECMAScript regex instead of a literal
  bool ignore_case = false;
  std::vector<std::string> globs;  // paths must match one (empty: all files)
  size_t max_results = 100;        // stop after this many matching lines
  bool skip_binary = true;
};

struct SearchHit {
  std::string path;
  int64_t line = 0;  // 1-based
  std::string text;  // the whole line, without '\n'
};

// Compiled once, applied to many files.
class TextMatcher {
 public:
  static Result<TextMatcher> Create(const std::string& pattern, const SearchOptions& options);
  // Appends the matching lines of `content` to `hits`, up to `limit` hits in total.
  void Search(std::string_view path, std::string_view content, size_t limit,
              std::vector<SearchHit>& hits) const;

 private:
  std::string literal_;
  std::optional<std::regex> regex_;
  bool ignore_case_ = false;
};

struct OutlineItem {
  int64_t line = 0;  // 1-based
  int depth = 0;     // nesting (indentation level, heading level - 1)
  std::string kind;  // "function", "class", "method", "heading", "struct", "namespace", ...
  std::string name;
};

// Functions, classes and headings of Python (.py), C/C++ (.c .cc .cpp .h .hpp),
// JavaScript/TypeScript (.js .jsx .mjs .ts .tsx) and Markdown (.md) by the path's
// extension; empty for other files. Line-based heuristics, not a parser: cheap and
// robust to syntax errors.
std::vector<OutlineItem> Outline(std::string_view path, std::string_view content);

}  // namespace l2mac::filestore
