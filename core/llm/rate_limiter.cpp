#include "core/llm/rate_limiter.hpp"

#include <algorithm>
#include <charconv>
#include <thread>

#include "core/llm/retry_policy.hpp"

namespace l2mac::llm {
namespace {

using std::chrono::milliseconds;

std::optional<double> HeaderNumber(const std::map<std::string, std::string>& headers,
                                   const char* name) {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  double value = 0;
  const std::string& text = it->second;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

RateLimiter::RateLimiter(double requests_per_minute, double tokens_per_minute)
    : requests_per_minute_(std::max(0.0, requests_per_minute)),
      tokens_per_minute_(std::max(0.0, tokens_per_minute)),
      // Start with a small burst rather than a full minute's worth, so that a fresh run
      // cannot fire a whole minute of requests in its first second.
      request_budget_(std::min(1.0, requests_per_minute_)),
      token_budget_(tokens_per_minute_ / 60.0),
      refilled_(Clock::now()) {}

void RateLimiter::Refill(Clock::time_point now) {
  const double minutes = std::chrono::duration<double>(now - refilled_).count() / 60.0;
  refilled_ = now;
  if (requests_per_minute_ > 0) {
    request_budget_ =
        std::min(request_budget_ + minutes * requests_per_minute_, requests_per_minute_);
  }
  if (tokens_per_minute_ > 0) {
    token_budget_ = std::min(token_budget_ + minutes * tokens_per_minute_, tokens_per_minute_);
  }
}

milliseconds RateLimiter::Acquire(int64_t tokens, const CancelToken* cancel,
                                  const WaitCallback& on_wait) {
  const auto start = Clock::now();
  bool announced = false;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto now = Clock::now();
    if (IsCancelled(cancel)) return std::chrono::duration_cast<milliseconds>(now - start);
    Refill(now);
    double wait_seconds = 0;
    if (now < paused_until_) {
      wait_seconds = std::chrono::duration<double>(paused_until_ - now).count();
    } else {
      if (requests_per_minute_ > 0 && request_budget_ < 1.0) {
        wait_seconds =
            std::max(wait_seconds, (1.0 - request_budget_) * 60.0 / requests_per_minute_);
      }
      // A single call larger than a minute's tokens waits for a full bucket, not forever.
      const double need =
          std::min(static_cast<double>(std::max<int64_t>(tokens, 0)), tokens_per_minute_);
      if (tokens_per_minute_ > 0 && token_budget_ < need) {
        wait_seconds = std::max(wait_seconds, (need - token_budget_) * 60.0 / tokens_per_minute_);
      }
      if (wait_seconds <= 0) {
        if (requests_per_minute_ > 0) request_budget_ -= 1.0;
        if (tokens_per_minute_ > 0) token_budget_ -= need;
        return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
      }
    }
    // Sleep without the lock so other threads can observe headers meanwhile; a waiting
    // thread re-checks, so the order among waiters is not guaranteed (it need not be).
    lock.unlock();
    if (!announced && on_wait) {
      on_wait(
          std::chrono::duration_cast<milliseconds>(std::chrono::duration<double>(wait_seconds)));
    }
    announced = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(wait_seconds, 1.0)));
    lock.lock();
  }
}

void RateLimiter::Observe(const std::map<std::string, std::string>& headers) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto lower_to = [](double& configured, std::optional<double> server) {
    if (server && *server > 0 && (configured <= 0 || *server < configured)) configured = *server;
  };
  // OpenAI reports per-minute limits; Anthropic's are per minute too.
  lower_to(requests_per_minute_, HeaderNumber(headers, "x-ratelimit-limit-requests"));
  lower_to(tokens_per_minute_, HeaderNumber(headers, "x-ratelimit-limit-tokens"));
  lower_to(requests_per_minute_, HeaderNumber(headers, "anthropic-ratelimit-requests-limit"));
  lower_to(tokens_per_minute_, HeaderNumber(headers, "anthropic-ratelimit-tokens-limit"));
  request_budget_ = std::min(request_budget_, std::max(requests_per_minute_, 1.0));
  token_budget_ = std::min(token_budget_, std::max(tokens_per_minute_, 1.0));
  bool exhausted = false;
  for (const char* name :
       {"x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens",
        "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-tokens-remaining"}) {
    std::optional<double> remaining = HeaderNumber(headers, name);
    if (remaining && *remaining <= 0) exhausted = true;
  }
  if (exhausted) {
    if (auto delay = ServerRetryDelay(headers, std::chrono::system_clock::now())) {
      paused_until_ = std::max(paused_until_, Clock::now() + *delay);
    }
  }
}

double RateLimiter::requests_per_minute() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_per_minute_;
}

double RateLimiter::tokens_per_minute() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tokens_per_minute_;
}

}  // namespace l2mac::llm
