#include "control_unit/report_format.hpp"

#include <fmt/format.h>

#include <ctime>

#include "core/text.hpp"

namespace l2mac::control_unit {

std::string FormatCount(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string FormatCost(int64_t microusd) {
  return fmt::format("${:.4f}", static_cast<double>(microusd) / 1e6);
}

std::string FormatDuration(int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 1000) return fmt::format("{} ms", ms);
  if (ms < 60'000) return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
  const int64_t seconds = ms / 1000;
  if (seconds < 3600) return fmt::format("{} min {:02} s", seconds / 60, seconds % 60);
  return fmt::format("{} h {:02} min", seconds / 3600, (seconds % 3600) / 60);
}

std::string FormatUtc(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return "-";
  char text[32];
  if (std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc) == 0) return "-";
  return text;
}

std::string FormatNumber(double value, int decimals) {
  return fmt::format("{:.{}f}", value, decimals);
}

const char* StatusColor(std::string_view status) {
  if (status == "committed") return "#34a853";
  if (status == "failed") return "#e5484d";
  if (status == "skipped") return "#b0b4ba";
  if (status == "running") return "#3b82f6";
  if (status == "interrupted") return "#f0a020";
  return "#ffffff";  // pending
}

std::string FirstLineOf(std::string_view text, size_t max_bytes) {
  return TruncateUtf8(text.substr(0, text.find('\n')), max_bytes);
}

}  // namespace l2mac::control_unit
