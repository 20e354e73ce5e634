// Small text helpers shared by the modules.
#pragma once

#include <string>
#include <string_view>

namespace l2mac {

// At most `max_bytes` bytes of `text`, ending in "..." when cut, never splitting a UTF-8
// sequence.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

}  // namespace l2mac
