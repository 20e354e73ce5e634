// How `l2mac status` shows a run: failed attempts with their failing tests and branches,
// and next steps that fit the state (each a command the user can paste).
#include "cli/status_text.hpp"

#include <gtest/gtest.h>

namespace l2mac::cli {
namespace {

using control_unit::FailedAttempt;
using control_unit::InstructionState;
using control_unit::RunStatus;
using registry::InstructionStatus;

InstructionState Instruction(const std::string& id, InstructionStatus status,
                             const std::string& failure = "") {
  InstructionState state;
  state.record.instruction.id = id;
  state.record.instruction.text = "Do " + id + ".\nMore detail.";
  state.record.status = status;
  state.record.failure = failure;
  state.status = registry::InstructionStatusName(status);
  return state;
}

FailedAttempt Attempt(int n, int max, const std::string& message) {
  FailedAttempt attempt;
  attempt.attempt = n;
  attempt.max_attempts = max;
  attempt.checks = "pytest: failed (1 failed, 2 passed)";
  attempt.kept_as = "attempt/2/" + std::to_string(n);
  attempt.failed.push_back(
      {"pytest", "failed", "1 failed", {{"tests/test_b.py::test_b", "tests/test_b.py", message}}});
  return attempt;
}

// 1 committed; 2 failed after 4 attempts (the last two listed); 3 skipped.
RunStatus FailedRun() {
  RunStatus status;
  status.state = "finished";
  status.provider = "http://127.0.0.1:1/v1 (sim)";
  status.limits = {4, 80, 6};
  status.instructions = {
      Instruction("1", InstructionStatus::kCommitted),
      Instruction("2", InstructionStatus::kFailed,
                  "the checks still failed after 4 attempts: pytest: failed (1 failed)"),
      Instruction("3", InstructionStatus::kSkipped, "depends on 2, which failed")};
  status.instructions[1].failed_attempts = {Attempt(3, 4, "assert 1 == 2"),
                                            Attempt(4, 4, "assert 3 == 2")};
  status.instructions[1].failed_attempts_omitted = 2;
  status.committed = 1;
  status.failed = 1;
  status.skipped = 1;
  return status;
}

bool Has(const std::vector<NextStep>& steps, const std::string& command) {
  for (const auto& step : steps) {
    if (step.command == command) return true;
  }
  return false;
}

TEST(StatusTextTest, AFailedInstructionShowsItsAttemptsTestsAndHowToContinue) {
  const std::string text = StatusText(FailedRun(), "out");
  EXPECT_NE(text.find("attempt 3 of 4 failed: pytest: failed (1 failed) (files: attempt/2/3)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tests/test_b.py::test_b: assert 3 == 2"), std::string::npos) << text;
  EXPECT_NE(text.find("(2 earlier failed attempts not shown)"), std::string::npos) << text;
  EXPECT_NE(text.find("l2mac files out diff --at attempt/2/4"), std::string::npos) << text;
  EXPECT_NE(text.find("l2mac resume out --max-attempts 8"), std::string::npos) << text;
  EXPECT_NE(text.find("retries the failed instructions, 2 with 8 attempts"), std::string::npos)
      << text;
  // Only the first line of an instruction's text is in the table.
  EXPECT_EQ(text.find("More detail."), std::string::npos) << text;
}

TEST(StatusTextTest, TheJsonHasEachAttemptAndTheNextSteps) {
  nlohmann::json json = StatusJson(FailedRun(), "out");
  const auto& attempts = json["instructions"][1]["failed_attempts"];
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[1]["attempt"], 4);
  EXPECT_EQ(attempts[1]["kept_as"], "attempt/2/4");
  EXPECT_EQ(attempts[1]["failed_checks"][0]["failing_tests"][0]["message"], "assert 3 == 2");
  EXPECT_EQ(json["instructions"][1]["failed_attempts_omitted"], 2);
  ASSERT_TRUE(json["next"].is_array());
  EXPECT_EQ(json["next"][0]["command"], "l2mac files out diff --at attempt/2/4");
  EXPECT_EQ(json["next"][1]["command"], "l2mac resume out --max-attempts 8");
}

// The program's shape as the run-status model reads it (tests/control_unit/
// program_shape_test.cpp): one line under the table, and its fields in --json.
TEST(StatusTextTest, TheCriticalPathAndWidthAreShownUnderTheTable) {
  RunStatus status = FailedRun();
  status.shape = control_unit::ShapeOfProgram({{"1", {}}, {"2", {"1"}}, {"3", {}}});
  const std::string text = StatusText(status, "out");
  const std::string line = "\ncritical path: 2 of 3 instructions (1 → 2); up to 2 at once\n";
  const auto at = text.find(line);
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_GT(at, text.find("Do 3.")) << text;  // after the table
  EXPECT_LT(at, text.find("Total:")) << text;

  nlohmann::json json = StatusJson(status, "out");
  EXPECT_EQ(json["program_shape"]["critical_path"], (nlohmann::json{"1", "2"}));
  EXPECT_EQ(json["program_shape"]["critical_path_length"], 2);
  EXPECT_EQ(json["program_shape"]["width"], 2);
  EXPECT_EQ(json["program_shape"]["unordered"], 0);

  // No program yet: no line.
  RunStatus empty;
  EXPECT_EQ(StatusText(empty, "out").find("critical path"), std::string::npos);
}

TEST(StatusTextTest, TheRetryRaisesTheBoundTheFailureNames) {
  RunStatus status = FailedRun();
  status.instructions[1].failed_attempts.clear();
  status.instructions[1].record.failure =
      "the instruction used its 80 model calls (--max-turns) without passing its checks";
  EXPECT_TRUE(Has(NextSteps(status, "o"), "l2mac resume o --max-turns 160"));
  // No branch was kept: no diff to suggest.
  EXPECT_FALSE(Has(NextSteps(status, "o"), "l2mac files o diff --at attempt/2/4"));

  status.instructions[1].record.failure =
      "the context filled up 6 times (the bound on context restarts per instruction); split "
      "the instruction into smaller ones or raise --max-context-restarts";
  EXPECT_TRUE(Has(NextSteps(status, "o"), "l2mac resume o --max-context-restarts 12"));

  status.limits.max_context_restarts = 0;
  EXPECT_TRUE(Has(NextSteps(status, "o"), "l2mac resume o --max-context-restarts 2"));

  // A bound already at what resume accepts is not "raised" past it.
  status.instructions[1].record.failure = "the checks still failed after 1000 attempts: pytest";
  status.instructions[1].failed_attempts = {Attempt(1000, 1000, "assert 0")};
  auto steps = NextSteps(status, "o");
  EXPECT_FALSE(Has(steps, "l2mac resume o --max-attempts 2000"));
  EXPECT_TRUE(Has(steps, "l2mac resume o"));
  status.instructions[1].failed_attempts.clear();

  // The instruction's own cap in the program is not something a flag raises.
  status.instructions[1].record.failure =
      "the instruction used its 5 model calls (the instruction's own \"max_turns\" in the "
      "prompt program) without passing its checks";
  steps = NextSteps(status, "o");
  EXPECT_FALSE(Has(steps, "l2mac resume o --max-turns 160"));
  ASSERT_TRUE(Has(steps, "l2mac resume o"));

  status.instructions[1].record.failure = "loop detected: the model made the same call 5 times";
  status.instructions[1].kept_at_failure = "attempt/2/1";
  EXPECT_TRUE(Has(NextSteps(status, "o"), "l2mac resume o"));
  EXPECT_TRUE(Has(NextSteps(status, "o"), "l2mac files o diff --at attempt/2/1"));
}

TEST(StatusTextTest, TheNextStepFitsTheRunsState) {
  RunStatus interrupted;
  interrupted.state = "interrupted";
  interrupted.instructions = {Instruction("1", InstructionStatus::kCommitted),
                              Instruction("2", InstructionStatus::kRunning)};
  interrupted.instructions[1].status = "interrupted";
  interrupted.pending = 1;
  auto steps = NextSteps(interrupted, "out");
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].command, "l2mac resume out");
  EXPECT_NE(StatusText(interrupted, "out")
                .find("interrupted (continue it with `l2mac resume "
                      "out`)"),
            std::string::npos);

  RunStatus busy = interrupted;
  busy.busy = true;
  busy.state = "running";
  steps = NextSteps(busy, "out");
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].command, "l2mac events out --follow");

  RunStatus budget = interrupted;
  budget.state = "stopped at the budget (--max-cost: $0.0120 spent of $0.0100)";
  EXPECT_TRUE(Has(NextSteps(budget, "out"), "l2mac resume out --max-cost N"));
  EXPECT_FALSE(Has(NextSteps(budget, "out"), "l2mac resume out"));

  // A budget stop asks for the budget, not for more attempts.
  RunStatus stopped = FailedRun();
  stopped.state = "stopped at the budget (--max-tokens: 5000 tokens spent of 4000)";
  steps = NextSteps(stopped, "out");
  EXPECT_TRUE(Has(steps, "l2mac resume out --max-tokens N"));
  EXPECT_FALSE(Has(steps, "l2mac resume out --max-attempts 8"));

  // Planning that stopped leaves no instruction: resume starts it again.
  RunStatus unplanned;
  unplanned.state = "stopped: the planner gave up";
  EXPECT_TRUE(Has(NextSteps(unplanned, "out"), "l2mac resume out"));

  RunStatus done;
  done.state = "finished";
  done.instructions = {Instruction("1", InstructionStatus::kCommitted)};
  done.committed = 1;
  steps = NextSteps(done, "out");
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].command, "l2mac report out");
}

}  // namespace
}  // namespace l2mac::cli
