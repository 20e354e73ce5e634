#include "core/llm/retry_policy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <string>

#include "core/text.hpp"

namespace l2mac::llm {
namespace {

using std::chrono::milliseconds;

constexpr double kMaxSeconds = 86400.0;  // anything longer is capped by max_backoff anyway

milliseconds FromSeconds(double seconds) {
  seconds = std::clamp(seconds, 0.0, kMaxSeconds);
  return milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

std::optional<std::chrono::system_clock::time_point> ParseTime(const std::string& text,
                                                               const char* format) {
  std::tm parts{};
  const char* end = strptime(text.c_str(), format, &parts);
  if (end == nullptr) return std::nullopt;
  std::time_t seconds = timegm(&parts);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

milliseconds Until(std::chrono::system_clock::time_point when,
                   std::chrono::system_clock::time_point now) {
  if (when <= now) return milliseconds(0);
  return std::min(std::chrono::duration_cast<milliseconds>(when - now), FromSeconds(kMaxSeconds));
}

}  // namespace

bool IsRetryableHttpStatus(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504 ||
         status == 529;
}

std::optional<milliseconds> ParseRetryAfter(std::string_view value,
                                            std::chrono::system_clock::time_point now) {
  value = TrimWhitespace(value);
  if (value.empty()) return std::nullopt;
  if (std::optional<double> seconds = ParseNumber(value)) return FromSeconds(*seconds);
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
  if (auto when = ParseTime(std::string(value), "%a, %d %b %Y %H:%M:%S GMT")) {
    return Until(*when, now);
  }
  return std::nullopt;
}

std::optional<milliseconds> ParseResetDuration(std::string_view value) {
  value = TrimWhitespace(value);
  if (value.empty()) return std::nullopt;
  double total_ms = 0;
  while (!value.empty()) {
    size_t digits = 0;
    while (digits < value.size() &&
           (std::isdigit(static_cast<unsigned char>(value[digits])) || value[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    std::optional<double> number = ParseNumber(value.substr(0, digits));
    if (!number) return std::nullopt;
    value.remove_prefix(digits);
    double unit_ms = 0;
    if (value.starts_with("ms")) {
      unit_ms = 1;
      value.remove_prefix(2);
    } else if (value.starts_with("h")) {
      unit_ms = 3600000;
      value.remove_prefix(1);
    } else if (value.starts_with("m")) {
      unit_ms = 60000;
      value.remove_prefix(1);
    } else if (value.starts_with("s")) {
      unit_ms = 1000;
      value.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    total_ms += *number * unit_ms;
  }
  return FromSeconds(total_ms / 1000.0);
}

std::optional<milliseconds> ServerRetryDelay(const std::map<std::string, std::string>& headers,
                                             std::chrono::system_clock::time_point now) {
  if (auto it = headers.find("retry-after-ms"); it != headers.end()) {
    if (std::optional<double> ms = ParseNumber(TrimWhitespace(it->second)))
      return FromSeconds(*ms / 1000);
  }
  if (auto it = headers.find("retry-after"); it != headers.end()) {
    if (auto delay = ParseRetryAfter(it->second, now)) return delay;
  }
  std::optional<milliseconds> longest;
  auto consider = [&](std::optional<milliseconds> delay) {
    if (delay && (!longest || *delay > *longest)) longest = delay;
  };
  for (const char* name : {"x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"}) {
    if (auto it = headers.find(name); it != headers.end()) {
      consider(ParseResetDuration(it->second));
    }
  }
  for (const char* name :
       {"anthropic-ratelimit-requests-reset", "anthropic-ratelimit-tokens-reset",
        "anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-output-tokens-reset"}) {
    if (auto it = headers.find(name); it != headers.end()) {
      // RFC 3339, e.g. "2026-11-21T17:00:00Z" (fractional seconds are not needed here).
      if (auto when = ParseTime(it->second, "%Y-%m-%dT%H:%M:%S")) consider(Until(*when, now));
    }
  }
  return longest;
}

std::optional<milliseconds> RetryBudget::Next(std::optional<milliseconds> server_delay) {
  if (retries_ >= policy_.max_retries) return std::nullopt;
  milliseconds delay;
  if (server_delay) {
    delay = std::min(*server_delay, policy_.max_backoff);
  } else {
    const int64_t cap = std::max<int64_t>(0, policy_.max_backoff.count());
    int64_t ceiling = std::max<int64_t>(0, policy_.initial_backoff.count());
    for (int i = 0; i < retries_ && ceiling < cap; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, cap);
    std::uniform_int_distribution<int64_t> pick(0, ceiling);
    delay = milliseconds(pick(random_));
  }
  if (waited_ + delay > policy_.max_total_wait) return std::nullopt;
  waited_ += delay;
  ++retries_;
  return delay;
}

}  // namespace l2mac::llm
