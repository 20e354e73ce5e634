// libFuzzer target: filestore's TextMatcher (the search behind search_files and `l2mac
// files search`) on arbitrary patterns and text. Input: one flags byte (bit 0: regex,
// bit 1: ignore case), the pattern up to the first NUL, then the content. Checks that
// compiling and searching never crash, that a refused pattern says why, and that the
// hits stay within their bounds: the limit, the line length, and lines of the content in
// increasing order.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filestore/text_query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  l2mac::filestore::SearchOptions options;
  options.regex = (data[0] & 1) != 0;
  options.ignore_case = (data[0] & 2) != 0;
  options.max_line_bytes = 64;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t split = rest.find('\0');
  const std::string pattern(rest.substr(0, split));
  const std::string_view content =
      split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);
  auto matcher = l2mac::filestore::TextMatcher::Create(pattern, options);
  if (!matcher.ok()) {
    if (matcher.status().message().empty()) __builtin_trap();
    return 0;
  }
  constexpr size_t kLimit = 20;
  std::vector<l2mac::filestore::SearchHit> hits;
  matcher->Search("f.txt", content, kLimit, hits);
  const auto lines = static_cast<int64_t>(std::count(content.begin(), content.end(), '\n')) + 1;
  int64_t previous = 0;
  for (const auto& hit : hits) {
    if (hit.path != "f.txt" || hit.text.size() > options.max_line_bytes) __builtin_trap();
    if (hit.line < 1 || hit.line > lines || hit.line < previous) __builtin_trap();
    if (hit.truncated && (hit.text.size() < 3 || hit.text.substr(hit.text.size() - 3) != "...")) {
      __builtin_trap();
    }
    previous = hit.line;
  }
  if (hits.size() > kLimit) __builtin_trap();
  return 0;
}
