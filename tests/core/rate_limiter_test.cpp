#include "core/llm/rate_limiter.hpp"
#include "tests/core/cancel_after.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace l2mac::llm {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A lower bound on elapsed time only: sleeping can make a run slower, never faster, so
// these cannot flake on a loaded machine.
TEST(RateLimiterTest, HoldsTheRequestRateAcrossThreads) {
  RateLimiter limiter(/*requests_per_minute=*/1200, /*tokens_per_minute=*/0);  // 20 per second
  const auto start = Clock::now();
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        limiter.Acquire(0);
        ++done;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(done.load(), 12);
  // One request may start at once; the other 11 need 11/20 s.
  EXPECT_GE(Clock::now() - start, milliseconds(540));
}

TEST(RateLimiterTest, HoldsTheTokenRate) {
  RateLimiter limiter(0, /*tokens_per_minute=*/60000);  // 1000 per second, 1000 at start
  const auto start = Clock::now();
  limiter.Acquire(1000);
  limiter.Acquire(500);
  EXPECT_GE(Clock::now() - start, milliseconds(490));
}

TEST(RateLimiterTest, AWaitIsAnnouncedOnceWithItsExpectedLength) {
  RateLimiter limiter(0, /*tokens_per_minute=*/60000);  // 1000 per second, 1000 at start
  std::vector<milliseconds> announced;
  auto record = [&](milliseconds expected) { announced.push_back(expected); };
  limiter.Acquire(1000, nullptr, record);
  EXPECT_TRUE(announced.empty()) << "a call that fits is not announced";
  // A whole minute's tokens: a wait of about 59 s, cut short by a cancel after it began.
  CancelToken cancel;
  CancelAfter canceller(cancel, milliseconds(1500));
  limiter.Acquire(60000, &cancel, record);
  ASSERT_EQ(announced.size(), 1u) << "announced once although it slept in several slices";
  EXPECT_GE(announced[0], milliseconds(40000));
  EXPECT_LE(announced[0], milliseconds(60000));
}

TEST(RateLimiterTest, CancellingEndsAWaitWithoutTakingTheBudget) {
  RateLimiter limiter(/*requests_per_minute=*/1, /*tokens_per_minute=*/0);  // one a minute
  limiter.Acquire(0);                                                       // the first is free
  CancelToken cancel;
  CancelAfter canceller(cancel, milliseconds(200));
  const auto start = Clock::now();
  limiter.Acquire(0, &cancel);  // would wait a minute
  EXPECT_LT(Clock::now() - start, milliseconds(5000));
  EXPECT_TRUE(cancel.cancelled());
}

TEST(RateLimiterTest, UnlimitedNeverWaits) {
  RateLimiter limiter(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Acquire(100000), milliseconds(0));
}

TEST(RateLimiterTest, AdoptsALowerServerLimitAndPausesWhenNothingRemains) {
  RateLimiter limiter(6000, 0);
  limiter.Observe({{"x-ratelimit-limit-requests", "600"}, {"x-ratelimit-limit-tokens", "90000"}});
  EXPECT_EQ(limiter.requests_per_minute(), 600);
  EXPECT_EQ(limiter.tokens_per_minute(), 90000);
  limiter.Observe({{"x-ratelimit-limit-requests", "100000"}});
  EXPECT_EQ(limiter.requests_per_minute(), 600) << "a higher server limit does not raise ours";

  RateLimiter paused(0, 0);
  paused.Observe(
      {{"x-ratelimit-remaining-requests", "0"}, {"x-ratelimit-reset-requests", "300ms"}});
  const auto start = Clock::now();
  paused.Acquire(1);
  EXPECT_GE(Clock::now() - start, milliseconds(290));
}

}  // namespace
}  // namespace l2mac::llm
