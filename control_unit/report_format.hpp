// How the HTML report writes numbers, times and statuses; shared by the page and its
// charts so that both say the same thing the same way. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace l2mac::control_unit {

std::string FormatCount(int64_t value);                // 12,345
std::string FormatCost(int64_t microusd);              // $0.0123
std::string FormatDuration(int64_t ms);                // 420 ms, 8.2 s, 3 min 12 s, 1 h 02 min
std::string FormatUtc(int64_t unix_ms);                // 2026-12-02 13:48:40 UTC ("-" for 0)
std::string FormatNumber(double value, int decimals);  // fixed, for SVG coordinates

// An instruction status's fill colour (committed green, failed red, ...), as CSS.
const char* StatusColor(std::string_view status);

// The first line of `text`, cut to `max_bytes` (with "..." when cut).
std::string FirstLineOf(std::string_view text, size_t max_bytes);

}  // namespace l2mac::control_unit
