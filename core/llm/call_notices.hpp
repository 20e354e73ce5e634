// What a provider tells its caller while one call is in progress: a retry it is about to
// make, a wait for the rate limit, a warning. core/ knows nothing of runs, so these are
// plain callbacks on ChatRequest; the control unit turns them into run events
// (control_unit/recording_gateway.cpp), and a caller that sets none (a one-off probe, a
// test) gets the provider's default, a spdlog line.
//
// Threads: a provider calls them on the thread that called Complete(), before it returns.
// They must not throw.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace l2mac::llm {

// An attempt failed in a way worth retrying (a transport error, HTTP 429/5xx, a broken
// stream); the provider waits `delay` and tries again.
struct CallRetry {
  int attempt = 0;       // the attempt about to be made: 2 for the first retry
  int max_attempts = 0;  // the retry policy's bound (--max-retries + 1)
  std::chrono::milliseconds delay{0};
  // Why the last attempt failed, e.g. "HTTP 500 from http://host/v1/chat/completions".
  // The API key is scrubbed, and credentials in the URL show as "[redacted]@".
  std::string reason;
};

// The rate limiter holds a call back: called once with `finished` false before a wait
// that is expected to last a second or more (`duration` is the expected wait), and once
// with `finished` true when it is over (`duration` is the time waited). Shorter waits are
// not reported.
struct RateLimitWait {
  bool finished = false;
  std::chrono::milliseconds duration{0};
};

using RetryCallback = std::function<void(const CallRetry& retry)>;
using RateLimitWaitCallback = std::function<void(const RateLimitWait& wait)>;
// Something the user should know that changes no state: a reply cut by the output token
// limit, the switch to the text tool protocol. Secrets scrubbed.
using WarningCallback = std::function<void(std::string_view message)>;

}  // namespace l2mac::llm
