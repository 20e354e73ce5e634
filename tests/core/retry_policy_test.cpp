#include "core/llm/retry_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

namespace l2mac::llm {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::chrono::system_clock::time_point At(std::time_t seconds_since_epoch) {
  return std::chrono::system_clock::from_time_t(seconds_since_epoch);
}

TEST(RetryPolicyTest, RetriesOnlyTransientStatuses) {
  for (long status : {429L, 500L, 502L, 503L, 504L, 529L}) {
    EXPECT_TRUE(IsRetryableHttpStatus(status)) << status;
  }
  for (long status : {400L, 401L, 403L, 404L, 409L, 422L, 501L}) {
    EXPECT_FALSE(IsRetryableHttpStatus(status)) << status;
  }
}

TEST(RetryPolicyTest, RetryAfterInSecondsOrAsAnHttpDate) {
  // 1994-11-06 08:49:37 UTC.
  const auto now = At(784111777);
  EXPECT_EQ(ParseRetryAfter("2", now), milliseconds(2000));
  EXPECT_EQ(ParseRetryAfter(" 0.25 ", now), milliseconds(250));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), milliseconds(10000));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:27 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
}

TEST(RetryPolicyTest, ResetDurationsInGoFormat) {
  EXPECT_EQ(ParseResetDuration("20ms"), milliseconds(20));
  EXPECT_EQ(ParseResetDuration("1s"), milliseconds(1000));
  EXPECT_EQ(ParseResetDuration("6m0s"), milliseconds(360000));
  EXPECT_EQ(ParseResetDuration("1h2m3.5s"), milliseconds(3723500));
  EXPECT_EQ(ParseResetDuration("5"), std::nullopt);
  EXPECT_EQ(ParseResetDuration("1x"), std::nullopt);
}

TEST(RetryPolicyTest, ServerDelayPrefersRetryAfterThenTheLongestReset) {
  const auto now = At(784111777);
  EXPECT_EQ(ServerRetryDelay({{"retry-after", "3"}, {"x-ratelimit-reset-requests", "9s"}}, now),
            milliseconds(3000));
  EXPECT_EQ(ServerRetryDelay({{"retry-after-ms", "150"}}, now), milliseconds(150));
  EXPECT_EQ(ServerRetryDelay(
                {{"x-ratelimit-reset-requests", "2s"}, {"x-ratelimit-reset-tokens", "6m0s"}}, now),
            milliseconds(360000));
  EXPECT_EQ(ServerRetryDelay({{"anthropic-ratelimit-requests-reset", "1994-11-06T08:50:07Z"}}, now),
            milliseconds(30000));
  EXPECT_EQ(ServerRetryDelay({{"content-type", "application/json"}}, now), std::nullopt);
}

TEST(RetryPolicyTest, BackoffIsFullJitterUnderAnExponentialCeiling) {
  RetryPolicy policy;
  policy.max_retries = 6;
  policy.initial_backoff = milliseconds(100);
  policy.max_backoff = milliseconds(1000);
  policy.max_total_wait = seconds(1000);
  std::mt19937_64 random(42);
  // Over many sequences, the n-th delay stays under min(1000, 100 * 2^n) and spreads out.
  milliseconds longest_first{0};
  for (int run = 0; run < 200; ++run) {
    RetryBudget budget(policy, random);
    for (int n = 0; n < 6; ++n) {
      auto delay = budget.Next();
      ASSERT_TRUE(delay.has_value());
      EXPECT_LE(*delay, milliseconds(std::min<int64_t>(1000, int64_t{100} << n)));
      if (n == 0) longest_first = std::max(longest_first, *delay);
    }
    EXPECT_EQ(budget.Next(), std::nullopt) << "max_retries reached";
  }
  EXPECT_GT(longest_first, milliseconds(50));
}

TEST(RetryPolicyTest, ServerDelayIsCappedAndTotalWaitIsBounded) {
  RetryPolicy policy;
  policy.max_retries = 100;
  policy.max_backoff = milliseconds(400);
  policy.max_total_wait = milliseconds(1000);
  std::mt19937_64 random(1);
  RetryBudget budget(policy, random);
  EXPECT_EQ(budget.Next(seconds(3600)), milliseconds(400));
  EXPECT_EQ(budget.Next(seconds(3600)), milliseconds(400));
  EXPECT_EQ(budget.Next(seconds(3600)), std::nullopt) << "1200 ms would exceed the 1000 ms bound";
  EXPECT_EQ(budget.attempts_made(), 3);
}

}  // namespace
}  // namespace l2mac::llm
