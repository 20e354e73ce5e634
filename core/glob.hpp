// Glob patterns over relative paths ("src/app.py": '/' separators, no leading '/'). The one
// glob dialect of l2mac: search_files's "glob", `l2mac files DIR search --glob` and the
// toolchain profiles' "detect", "files", "requires_files" and "unless_files".
//
//   *      any run of characters other than '/' (stays within one path segment)
//   ?      one byte other than '/' (a non-ASCII letter is several bytes)
//   [...]  one byte other than '/' in the set: "[abc]", ranges "[a-z]", named classes
//          "[[:digit:]]" (alnum alpha blank cntrl digit graph lower print punct space upper
//          xdigit); "[!...]" or "[^...]" negates; a ']' first in the set is literal; an
//          unclosed '[' is a literal '['
//   **     as a whole segment: any number of whole segments, none included
//          ("**/test_*.py", "src/**/*.py", "build/**"); elsewhere ("a**b") the same as '*'
//   \c     the character c itself
//
// Which part of the path a pattern meets:
//   - a pattern without '/' meets the file's name, in any folder: "*.py" matches "app.py"
//     and "src/app.py";
//   - a pattern with a '/' meets the whole path from the root: "src/*.py" matches
//     "src/app.py" but neither "src/sub/app.py" nor "lib/src/app.py";
//   - a leading '/' (or "./") anchors a pattern at the root: "/CMakeLists.txt" matches only
//     the top one;
//   - a trailing '/' stands for everything under that folder: "docs/" is "docs/**".
//
// Matching runs the pattern as a state set over the path, one byte at a time:
// O(pattern bytes x path bytes) time and O(pattern bytes) memory, with no recursion or
// backtracking, whatever the pattern (a model writes some of them).
//
// Thread-safety: a Glob is immutable once compiled; Matches may run on many threads at once.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace l2mac {

class Glob {
 public:
  static constexpr size_t kMaxPatternBytes = 1024;

  // kInvalidArgument for an empty pattern (or "/") and one longer than kMaxPatternBytes;
  // every other text is a valid pattern.
  static Result<Glob> Compile(std::string_view pattern);

  bool Matches(std::string_view path) const;
  const std::string& pattern() const { return pattern_; }

 private:
  enum class Kind : uint8_t {
    kByte,            // one byte equal to `byte`
    kAnyByte,         // '?'
    kClass,           // one byte in classes_[index]
    kStar,            // '*': stays on bytes other than '/'; may be left at any point
    kAnySegments,     // "**/": entry state, left at once or after a '/'...
    kInsideSegments,  // ...the state inside those segments (always right after kAnySegments)
    kAnyRest,         // a final "**": everything that is left
  };
  struct Token {
    Kind kind = Kind::kByte;
    unsigned char byte = 0;
    uint32_t index = 0;
  };

  void Close(std::vector<uint8_t>& states) const;

  std::string pattern_;
  std::vector<Token> tokens_;
  std::vector<std::bitset<256>> classes_;
  bool name_only_ = false;  // no '/' in the pattern: match the path's last segment
};

// Compile(pattern) then Matches(path); false for a pattern that Compile refuses.
bool GlobMatch(std::string_view pattern, std::string_view path);

}  // namespace l2mac
