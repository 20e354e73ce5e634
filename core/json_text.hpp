// JSON text output that cannot throw: invalid UTF-8 in strings (model output, test logs,
// binary files) is replaced with U+FFFD instead of raising, so a stray byte never
// crashes a run.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace l2mac {

std::string DumpJson(const nlohmann::json& value);

// nlohmann::json parses any depth but serializes recursively: text nested a few hundred
// thousand levels deep parses, then overflows the stack when dumped. Text that a model or
// a server wrote is measured with JsonNestingDepth first, and kept as text (or refused)
// when deeper than kMaxJsonNesting.
inline constexpr size_t kMaxJsonNesting = 64;

// The deepest nesting of arrays and objects in JSON text (0 for a scalar), by one linear
// scan that skips strings and does not parse (nor need valid JSON).
size_t JsonNestingDepth(std::string_view text);

}  // namespace l2mac
