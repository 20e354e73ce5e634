// Precise reads of file text: numbered line ranges, searches and outlines. Pure functions
// over content (the store feeds them; see store_queries.hpp); thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace re2 {
class RE2;
}  // namespace re2

namespace l2mac::filestore {

// True when `text` is not valid UTF-8 or holds a NUL byte: shown to the model as binary.
bool LooksBinary(std::string_view text);

// Lines [first, last] (1-based, inclusive; clamped to the file) as "<n>: <line>\n" each.
// Finds the start by scanning for '\n' with memchr, so it costs O(bytes before `last`).
std::string NumberedLines(std::string_view text, int64_t first, int64_t last);

// Every line of `text` as "<n>: <line>\n", numbering from `first_number`.
std::string NumberLines(std::string_view text, int64_t first_number);

// A search pattern longer than this is refused: a literal that long is better found by a
// distinctive part of it, and a regular expression that long costs memory to compile.
inline constexpr size_t kMaxSearchPatternBytes = 1024;
// A compiled regular expression may use this much memory; a larger one is refused.
inline constexpr int64_t kMaxRegexMemoryBytes = int64_t{8} << 20;

struct SearchOptions {
  // The pattern is a regular expression in RE2 syntax (linear time in the text searched,
  // whatever the pattern: no backreferences, no lookaround) instead of a literal.
  bool regex = false;
  bool ignore_case = false;
  std::vector<std::string> globs;  // paths must match one (core/glob.hpp; empty: all files)
  size_t max_results = 100;        // stop after this many matching lines
  size_t max_line_bytes = 1000;    // a hit's text is cut to this (core TruncateUtf8)
  bool skip_binary = true;
};

struct SearchHit {
  std::string path;
  int64_t line = 0;        // 1-based
  std::string text;        // the line without '\n', at most SearchOptions::max_line_bytes
  bool truncated = false;  // the line was longer: `text` is its start and "..."
};

// A pattern compiled once and applied to many files: a literal (memmem) or an RE2 regular
// expression, matched line by line. Move-only; Search is const and safe from several threads.
class TextMatcher {
 public:
  // kInvalidArgument for an empty pattern, one above kMaxSearchPatternBytes, and an
  // invalid (or too large) regular expression, each saying what to do instead.
  static Result<TextMatcher> Create(const std::string& pattern, const SearchOptions& options);
  TextMatcher(TextMatcher&&) noexcept;
  TextMatcher& operator=(TextMatcher&&) noexcept;
  ~TextMatcher();

  // Appends the matching lines of `content` to `hits`, up to `limit` hits in total.
  // O(content) time for a literal; for a regex, linear in content too (RE2).
  void Search(std::string_view path, std::string_view content, size_t limit,
              std::vector<SearchHit>& hits) const;

 private:
  TextMatcher();

  std::string literal_;
  std::unique_ptr<re2::RE2> regex_;
  bool ignore_case_ = false;
  size_t max_line_bytes_ = 1000;
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
