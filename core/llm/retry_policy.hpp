// When and how long to wait before retrying a model call.
//
// Retried: HTTP 429, 500, 502, 503, 504, 529, and transport failures (refused or reset
// connections, timeouts, streams cut short or stalled). Never retried: every other status,
// notably 400, 401, 403, 404 and 422, which cannot succeed as sent.
//
// The delay is the server's word when it gives one (Retry-After in seconds or as an HTTP
// date, retry-after-ms, OpenAI's x-ratelimit-reset-requests/-tokens durations such as
// "6m0s", Anthropic's anthropic-ratelimit-*-reset RFC 3339 times), else exponential
// backoff with full jitter: uniform in [0, min(max_backoff, initial_backoff * 2^attempt)].
// A server delay is capped by max_backoff. The whole retry sequence is bounded by
// max_retries and by max_total_wait (the sum of the delays).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace l2mac::llm {

struct RetryPolicy {
  int max_retries = 6;  // retries after the first attempt
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{20000};
  std::chrono::milliseconds max_total_wait{300000};
};

bool IsRetryableHttpStatus(long status);

// Parses "1.5" (seconds) or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), relative to
// `now`; a date in the past gives zero. Nothing for junk.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);
// Parses a Go-style duration as OpenAI's reset headers send it: "20ms", "1s", "6m0s",
// "1h2m3.5s". Nothing for junk.
std::optional<std::chrono::milliseconds> ParseResetDuration(std::string_view value);

// The delay the server asks for, from response headers (names lower-cased); the longest
// of the reset headers when several are given.
std::optional<std::chrono::milliseconds> ServerRetryDelay(
    const std::map<std::string, std::string>& headers, std::chrono::system_clock::time_point now);

// Tracks one call's retries. Not thread-safe; one per call.
class RetryBudget {
 public:
  RetryBudget(const RetryPolicy& policy, std::mt19937_64& random)
      : policy_(policy), random_(random) {}

  // The delay before the next attempt, or nothing when the retries or the total wait are
  // used up. `server_delay` (from ServerRetryDelay) takes precedence over backoff.
  std::optional<std::chrono::milliseconds> Next(
      std::optional<std::chrono::milliseconds> server_delay = std::nullopt);

  int attempts_made() const { return retries_ + 1; }
  int max_attempts() const { return policy_.max_retries + 1; }

 private:
  const RetryPolicy& policy_;
  std::mt19937_64& random_;
  int retries_ = 0;
  std::chrono::milliseconds waited_{0};
};

}  // namespace l2mac::llm
