// One limiter of requests and tokens per minute, shared by every agent of a run (and any
// thread): Acquire() blocks until a call fits in both budgets. Budgets refill continuously
// (a token bucket holding at most one minute's worth), so a configured rate is held over
// any window of a few seconds or more, not just on average.
//
// It adapts to the server: Observe() reads the rate-limit headers of each response
// (x-ratelimit-limit-*/remaining-*/reset-* from OpenAI-compatible servers,
// anthropic-ratelimit-* from Anthropic). A server limit below the configured one replaces
// it, and when the server says nothing remains, callers wait until its reset time.
//
// Thread-safe. Zero for a rate means unlimited.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "core/cancel_token.hpp"

namespace l2mac::llm {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(double requests_per_minute, double tokens_per_minute);

  // Called once, before the first sleep of a call that must wait, with the wait expected
  // then (it may grow when the server's headers lower a limit meanwhile). Called on the
  // thread in Acquire(), without the limiter's lock held.
  using WaitCallback = std::function<void(std::chrono::milliseconds expected)>;

  // Waits until one request of about `tokens` tokens fits; returns how long it waited.
  // Returns early, taking nothing from the budgets, once `cancel` (may be null) is
  // cancelled: within a second.
  std::chrono::milliseconds Acquire(int64_t tokens, const CancelToken* cancel = nullptr,
                                    const WaitCallback& on_wait = nullptr);
  // Adapts to the limits the server reports (header names lower-cased).
  void Observe(const std::map<std::string, std::string>& headers);

  double requests_per_minute() const;
  double tokens_per_minute() const;

 private:
  // Refills both buckets up to `now`. Caller holds mutex_.
  void Refill(Clock::time_point now);

  mutable std::mutex mutex_;
  double requests_per_minute_;
  double tokens_per_minute_;
  double request_budget_;
  double token_budget_;
  Clock::time_point refilled_;
  Clock::time_point paused_until_{};
};

}  // namespace l2mac::llm
