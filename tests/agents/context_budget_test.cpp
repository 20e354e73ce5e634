// A context counts with its budget's counter, so contexts of different runs in one
// process restart at their own points.
#include "agents/context_budget.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace l2mac::agents {
namespace {

// Counts every byte of a text as a token.
class ByteCounter final : public TokenCounter {
 public:
  int64_t CountTokens(std::string_view text) const override {
    return static_cast<int64_t>(text.size());
  }
};

TEST(ContextBudgetTest, ContextsSideBySideCountWithTheirOwnCounters) {
  const std::string text(400, 'x');  // 100 tokens by the fast estimate, 400 by bytes
  std::vector<llm::ChatMessage> base = {llm::ChatMessage::System(text),
                                        llm::ChatMessage::User(text)};
  ContextBudget fast = ContextBudget::ForWindow(3000, 1.0, 500);
  ContextBudget exact = ContextBudget::ForWindow(3000, 1.0, 500, std::make_shared<ByteCounter>());
  ASSERT_EQ(fast.usable(), exact.usable());  // 3000 - 500 - 150
  AgentContext by_estimate(base, {}, fast);
  AgentContext by_bytes(base, {}, exact);

  EXPECT_EQ(by_estimate.EstimatedTokens(), 2 * (4 + 100));
  EXPECT_EQ(by_bytes.EstimatedTokens(), 2 * (4 + 400));
  // Six more such turns fit the 2350 usable tokens by the estimate, not by bytes.
  for (int i = 0; i < 6; ++i) {
    by_estimate.Append(llm::ChatMessage::Assistant(text));
    by_bytes.Append(llm::ChatMessage::Assistant(text));
  }
  EXPECT_EQ(by_estimate.EstimatedTokens(), 8 * (4 + 100));
  EXPECT_EQ(by_bytes.EstimatedTokens(), 8 * (4 + 400));
  EXPECT_FALSE(by_estimate.NeedsRestart());
  EXPECT_TRUE(by_bytes.NeedsRestart());
  // The copy of a budget keeps its counter.
  ContextBudget copy = exact;
  EXPECT_EQ(copy.Estimate(base, {}), 2 * (4 + 400));
}

}  // namespace
}  // namespace l2mac::agents
