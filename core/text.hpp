// Small text helpers shared by the modules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace l2mac {

// At most `max_bytes` bytes of `text`, ending in "..." when cut, never splitting a UTF-8
// sequence.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

// `text` without leading and trailing whitespace (std::isspace).
std::string_view TrimWhitespace(std::string_view text);

// The lines of `text` without their '\n' (a '\r' before it is kept); a final line
// without '\n' counts, and "" has no lines. Views into `text`.
std::vector<std::string_view> SplitLines(std::string_view text);

// A count and its noun, for messages: "1 file", "0 files", "2 model calls". The plural is
// `singular` + "s" unless given: Plural(n, "entry", "entries").
std::string Plural(int64_t count, std::string_view singular);
std::string Plural(int64_t count, std::string_view singular, std::string_view plural);

}  // namespace l2mac
