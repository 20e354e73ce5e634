// Two runs in one process, each with its own token counter, at the same time: every
// estimate each one records is its own counter's. With a process-wide counter one of the
// two would count with the other's.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "core/token_estimator.hpp"
#include "tests/scenarios/in_process_run.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

// Counts every text, whatever it holds, as `tokens_per_text` tokens, so a request's
// estimate follows from its shape alone.
class FlatCounter final : public TokenCounter {
 public:
  explicit FlatCounter(int64_t tokens_per_text) : tokens_per_text_(tokens_per_text) {}
  int64_t CountTokens(std::string_view) const override { return tokens_per_text_; }

 private:
  int64_t tokens_per_text_;
};

// EstimateRequestTokens of a request sent as `body` (OpenAI wire format) with a
// FlatCounter(c): 4 + c per message, 4 + 2c per tool call (name, arguments), 4 + 3c per
// tool schema (name, description, parameters).
int64_t FlatEstimate(const json& body, int64_t c) {
  int64_t total = 0;
  for (const auto& message : body.at("messages")) {
    total += 4 + c;
    if (message.contains("tool_calls")) {
      total += static_cast<int64_t>(message.at("tool_calls").size()) * (4 + 2 * c);
    }
  }
  if (body.contains("tools")) total += static_cast<int64_t>(body.at("tools").size()) * (4 + 3 * c);
  return total;
}

TEST(TokenCounterTest, TwoRunsAtOnceEachCountWithTheirOwnCounter) {
  InProcessRun first("cu-counter-a", ThreeModules::Model());
  InProcessRun second("cu-counter-b", ThreeModules::Model());
  const int64_t first_c = 3;
  const int64_t second_c = 50;
  for (auto* run : {&first, &second}) {
    run->options().program =
        ProgramOf({PlanStep("1", "Write arith.py with add(a, b) and test_arith.py.")});
  }
  first.options().token_counter = std::make_shared<FlatCounter>(first_c);
  second.options().token_counter = std::make_shared<FlatCounter>(second_c);

  Result<control_unit::RunReport> first_report = Status::Internal("not run");
  std::thread other([&] { first_report = first.Start(); });
  auto second_report = second.Start();
  other.join();
  ASSERT_TRUE(first_report.ok()) << first_report.status().ToString();
  ASSERT_TRUE(second_report.ok()) << second_report.status().ToString();
  EXPECT_EQ(first_report->committed, 1);
  EXPECT_EQ(second_report->committed, 1);

  for (auto [run, c] : {std::pair{&first, first_c}, std::pair{&second, second_c}}) {
    const auto bodies = run->requests();
    const auto recorded =
        QueryRun(run->out(), "SELECT estimated_prompt_tokens FROM exchanges ORDER BY seq");
    ASSERT_EQ(recorded.size(), bodies.size());
    ASSERT_FALSE(bodies.empty());
    for (size_t i = 0; i < bodies.size(); ++i) {
      EXPECT_EQ(std::stoll(recorded[i]), FlatEstimate(bodies[i], c))
          << "request " << i << " of the run counting " << c << " per text";
    }
  }
}

}  // namespace
}  // namespace l2mac::scenario
