// Budgets are hard: the run's --max-tokens / --max-cost are checked before every model call
// against that call's worst case (its estimated prompt plus its output limit), so a budget
// that the old between-instruction check let a whole instruction overshoot now stops the
// run mid-instruction, within the budget, with the instruction back to pending and its
// staged work discarded. An instruction's own caps (max_turns, max_tokens, max_cost_usd in
// the program) fail that instruction alone.
//
// The simulated server reports usage like a real one here: a prompt count below l2mac's
// estimate (an eighth of the request body's bytes) and 50 completion tokens, within the
// requests' output limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tests/scenarios/in_process_run.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

using control_unit::RunOutcome;

constexpr int64_t kOutputLimit = 500;  // --max-output-tokens of every run below
constexpr int64_t kCompletionTokens = 50;

ScriptedModel WithUsage(ScriptedModel model) {
  model.adjust_reply = [](const ModelRequest& request, sim::SimReply& reply) {
    reply.response.usage.prompt_tokens = static_cast<int64_t>(request.body().dump().size() / 8);
    reply.response.usage.completion_tokens = kCompletionTokens;
  };
  return model;
}

// $1000 per million tokens: a token costs a tenth of a cent, 1000 millionths of a dollar.
void PriceTheSimModel(control_unit::RunOptions& options) {
  options.prices = {{"sim-model", {{"input_per_mtok", 1000}, {"output_per_mtok", 1000}}}};
  options.priced_model = "sim-model";
}

void Configure(InProcessRun& run, const registry::Program& program) {
  run.options().program = program;
  run.options().max_output_tokens = kOutputLimit;
  PriceTheSimModel(run.options());
}

registry::Program ThreeModulesProgram() {
  const json plan = ThreeModules::Model().plan;
  return ProgramOf({plan["instructions"][0], plan["instructions"][1], plan["instructions"][2]});
}

// One recorded call of a run: its instruction, the tokens the server reported, and the
// most l2mac reckoned it could take before making it.
struct Call {
  std::string instruction;
  int64_t tokens = 0;
  int64_t worst_case = 0;
};

std::vector<Call> CallsOf(const std::filesystem::path& out) {
  std::vector<Call> calls;
  auto ids = QueryRun(out, "SELECT instruction_id FROM exchanges ORDER BY seq");
  auto tokens =
      QueryRun(out, "SELECT prompt_tokens + completion_tokens FROM exchanges ORDER BY seq");
  auto estimates = QueryRun(out, "SELECT estimated_prompt_tokens FROM exchanges ORDER BY seq");
  EXPECT_EQ(ids.size(), tokens.size());
  EXPECT_EQ(ids.size(), estimates.size());
  for (size_t i = 0; i < ids.size() && i < tokens.size() && i < estimates.size(); ++i) {
    calls.push_back({ids[i], std::stoll(tokens[i]), std::stoll(estimates[i]) + kOutputLimit});
  }
  return calls;
}

int64_t SpentTokens(const std::filesystem::path& out) {
  return QueryRunInt(out, "SELECT SUM(prompt_tokens + completion_tokens) FROM exchanges");
}

// A run budget set so that instruction 2's first call fits and its second cannot: the
// tokens of instruction 1 and of call 2.1, plus call 2.2's worst case, less one.
class HardRunBudgetTest : public ::testing::TestWithParam<bool> {};

TEST_P(HardRunBudgetTest, StopsMidInstructionWithinTheBudgetAndResumes) {
  const bool by_cost = GetParam();
  InProcessRun reference("cu-budget-reference", WithUsage(ThreeModules::Model()));
  Configure(reference, ThreeModulesProgram());
  auto full = reference.Start();
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ASSERT_EQ(full->outcome, RunOutcome::kCompleted);
  std::vector<Call> calls = CallsOf(reference.out());
  ASSERT_EQ(calls.size(), 9u);
  std::map<std::string, int64_t> per_instruction;
  for (const auto& call : calls) per_instruction[call.instruction] += call.tokens;
  const int64_t first_instruction = per_instruction["1"];
  ASSERT_EQ(calls[3].instruction, "2");
  const int64_t budget = first_instruction + calls[3].tokens + calls[4].worst_case - 1;
  // The old check, before each instruction only, would have started every instruction
  // while less than the budget was spent, and so ended past it.
  int64_t old_spent = 0;
  for (const char* id : {"1", "2", "3"}) {
    if (old_spent >= budget) break;
    old_spent += per_instruction[id];
  }
  ASSERT_GT(old_spent, budget);
  // Call 2.1 itself fits.
  ASSERT_LE(first_instruction + calls[3].worst_case, budget);

  InProcessRun run(by_cost ? "cu-budget-cost" : "cu-budget-tokens",
                   WithUsage(ThreeModules::Model()));
  Configure(run, ThreeModulesProgram());
  if (by_cost) {
    run.options().max_cost_usd = static_cast<double>(budget) / 1000.0;
  } else {
    run.options().max_tokens = budget;
  }
  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kBudgetReached);
  EXPECT_EQ(report->budget_stop.rfind(by_cost ? "--max-cost: $" : "--max-tokens: ", 0), 0u)
      << report->budget_stop;
  EXPECT_NE(report->budget_stop.find("the next model call could"), std::string::npos)
      << report->budget_stop;
  // Within the budget: instruction 1 and the one call of instruction 2 that fitted.
  EXPECT_LE(report->prompt_tokens + report->completion_tokens, budget);
  EXPECT_EQ(report->prompt_tokens + report->completion_tokens, first_instruction + calls[3].tokens);
  if (by_cost) {
    EXPECT_LE(report->cost_microusd, budget * 1000);
  }
  EXPECT_EQ(RequestsFor(run.requests(), "2").size(), 1u);
  EXPECT_TRUE(RequestsFor(run.requests(), "3").empty());

  // Stopped like a budget stop between instructions: instruction 2 is pending, not
  // failed, and what it had written (geometry.py, staged by call 2.1) is gone.
  EXPECT_EQ(
      InstructionStatuses(run.out()),
      (std::map<std::string, std::string>{{"1", "committed"}, {"2", "pending"}, {"3", "pending"}}));
  EXPECT_EQ(ReadTree(run.out()), ThreeModules::FirstOnlyFiles());
  EXPECT_EQ(QueryRun(run.out(), "SELECT path FROM head_files ORDER BY path"),
            (std::vector<std::string>{"arith.py", "test_arith.py"}));
  auto state = QueryRun(run.out(), "SELECT value FROM run_meta WHERE key = 'state'");
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].rfind("stopped at the budget (--max-", 0), 0u) << state[0];

  // A resume with the budget raised finishes the run.
  auto resumed = control_unit::ResumeRun(
      run.out(), run.provider(),
      json{{by_cost ? "max_cost_usd" : "max_tokens", by_cost ? json(1000.0) : json(0)}});
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->outcome, RunOutcome::kCompleted);
  EXPECT_EQ(ReadTree(run.out()), ThreeModules::Files());
  EXPECT_GT(SpentTokens(run.out()), budget);
}

INSTANTIATE_TEST_SUITE_P(TokensAndCost, HardRunBudgetTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& tested) {
                           return tested.param ? "MaxCost" : "MaxTokens";
                         });

TEST(HardRunBudgetTest, ABudgetBelowTheFirstCallsWorstCaseMakesNoCall) {
  InProcessRun run("cu-budget-none", WithUsage(ThreeModules::Model()));
  Configure(run, ThreeModulesProgram());
  run.options().max_tokens = kOutputLimit;  // less than any prompt plus the output limit
  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kBudgetReached);
  EXPECT_TRUE(run.requests().empty());
  EXPECT_EQ(report->model_calls, 0);
  EXPECT_EQ(InstructionStatuses(run.out())["1"], "pending");
}

// The program of the cap tests: instruction 1 carries `caps`; 2 depends on it; "solo"
// is independent of both, so it still runs and commits when 1 fails.
registry::Program CappedProgram(const json& caps) {
  json first = ThreeModules::Model().plan["instructions"][0];
  first.update(caps);
  return ProgramOf({first, ThreeModules::Model().plan["instructions"][1],
                    PlanStep("solo", "Write solo.py with one() and test_solo.py.")});
}

ScriptedModel CappedModel() {
  ScriptedModel model = ThreeModules::Model();
  model.instructions["solo"].turns = {
      WriteFile("solo.py", "def one():\n    return 1\n"),
      WriteFile("test_solo.py", PythonTest("solo", "def test_one():\n    assert one() == 1\n")),
      StepComplete("solo.py is written and tested."),
  };
  return WithUsage(std::move(model));
}

// Instruction 1 failed with `failure_part` in its failure, after `calls` model calls; the
// run went on: 2 skipped, "solo" committed, and none of 1's writes kept.
void ExpectCappedInstructionFailedAlone(InProcessRun& run,
                                        const Result<control_unit::RunReport>& report,
                                        const std::string& failure_part, size_t calls) {
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kIncomplete);
  EXPECT_EQ(InstructionStatuses(run.out()),
            (std::map<std::string, std::string>{
                {"1", "failed"}, {"2", "skipped"}, {"solo", "committed"}}));
  ASSERT_FALSE(report->problems.empty());
  EXPECT_EQ(report->problems[0].id, "1");
  EXPECT_NE(report->problems[0].failure.find(failure_part), std::string::npos)
      << report->problems[0].failure;
  EXPECT_EQ(RequestsFor(run.requests(), "1").size(), calls);
  EXPECT_EQ(QueryRun(run.out(), "SELECT path FROM head_files ORDER BY path"),
            (std::vector<std::string>{"solo.py", "test_solo.py"}));
}

TEST(InstructionCapTest, MaxTurnsFailsTheInstructionAtItsOwnBound) {
  InProcessRun run("cu-cap-turns", CappedModel());
  Configure(run, CappedProgram({{"max_turns", 2}}));  // instruction 1 needs 3 calls
  auto report = run.Start();
  ExpectCappedInstructionFailedAlone(run, report,
                                     "its 2 model calls (the instruction's own \"max_turns\"", 2);
}

TEST(InstructionCapTest, AMaxTurnsAboveTheRunsBoundLeavesTheRunsBound) {
  InProcessRun run("cu-cap-turns-high", CappedModel());
  Configure(run, CappedProgram({{"max_turns", 50}}));
  run.options().max_turns = 2;
  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->problems.empty());
  EXPECT_EQ(report->problems[0].id, "1");
  EXPECT_NE(report->problems[0].failure.find("its 2 model calls (--max-turns)"), std::string::npos)
      << report->problems[0].failure;
  EXPECT_EQ(RequestsFor(run.requests(), "1").size(), 2u);
}

// A cap that lets instruction 1's first call through but not its second: the first
// call's worst case, from an uncapped run's record.
class SpendCapTest : public ::testing::TestWithParam<bool> {};

TEST_P(SpendCapTest, FailsTheInstructionBeforeTheCallThatCouldPassIt) {
  const bool by_cost = GetParam();
  InProcessRun reference("cu-cap-reference", CappedModel());
  Configure(reference, CappedProgram(json::object()));
  auto full = reference.Start();
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ASSERT_EQ(full->outcome, RunOutcome::kCompleted);
  std::vector<Call> calls = CallsOf(reference.out());
  ASSERT_GE(calls.size(), 2u);
  ASSERT_EQ(calls[0].instruction, "1");
  ASSERT_EQ(calls[1].instruction, "1");
  const int64_t cap = calls[0].worst_case;
  ASSERT_GT(calls[0].tokens + calls[1].worst_case, cap);

  InProcessRun run(by_cost ? "cu-cap-cost" : "cu-cap-tokens", CappedModel());
  Configure(run, CappedProgram(by_cost ? json{{"max_cost_usd", static_cast<double>(cap) / 1000.0}}
                                       : json{{"max_tokens", cap}}));
  auto report = run.Start();
  ExpectCappedInstructionFailedAlone(
      run, report,
      by_cost ? "reached its own cap \"max_cost_usd\"" : "reached its own cap \"max_tokens\"", 1);
  EXPECT_LE(
      QueryRunInt(run.out(),
                  "SELECT prompt_tokens + completion_tokens FROM instructions WHERE id = '1'"),
      cap);
}

INSTANTIATE_TEST_SUITE_P(TokensAndCost, SpendCapTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& tested) {
                           return tested.param ? "MaxCostUsd" : "MaxTokens";
                         });

// Two independent instructions whose replies take 300 ms, so with --parallel 2 their
// calls are in flight at once.
ScriptedModel TwoSlowWriters() {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("left", "Write left.txt."), PlanStep("right", "Write right.txt.")});
  const auto slow = [](Turn turn) -> Turn {
    return [turn = std::move(turn)](const ModelRequest& request) {
      sim::SimReply reply = turn(request);
      reply.delay = std::chrono::milliseconds(300);
      return reply;
    };
  };
  for (const std::string id : {"left", "right"}) {
    model.instructions[id].turns = {slow(WriteFile(id + ".txt", id + "\n")),
                                    slow(StepComplete(id + ".txt is written."))};
  }
  return WithUsage(std::move(model));
}

// With lanes, a call that only another lane's in-flight worst case would refuse waits for
// that call to settle and is checked against what it really spent: the run does not stop
// early for a worst case that never happened.
TEST(HardRunBudgetTest, WithLanesACallWaitsForTheOthersInFlightInsteadOfStoppingEarly) {
  const registry::Program program = ProgramOf(
      {TwoSlowWriters().plan["instructions"][0], TwoSlowWriters().plan["instructions"][1]});
  InProcessRun reference("cu-lanes-budget-reference", TwoSlowWriters());
  Configure(reference, program);
  reference.options().parallel = 2;
  auto full = reference.Start();
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ASSERT_EQ(full->outcome, RunOutcome::kCompleted);
  std::vector<Call> calls = CallsOf(reference.out());
  ASSERT_EQ(calls.size(), 4u);
  int64_t total = 0;
  int64_t largest_worst_case = 0;
  for (const auto& call : calls) {
    total += call.tokens;
    largest_worst_case = std::max(largest_worst_case, call.worst_case);
  }
  // Every call fits once the calls before it are counted at what they spent...
  const int64_t budget = total + largest_worst_case;
  // ...but the two instructions' last calls, in flight together, do not fit at their worst
  // cases: counting the other's reservation would have refused the later one.
  const Call& left_last = calls[2].instruction == "left" ? calls[2] : calls[3];
  const Call& right_last = calls[2].instruction == "right" ? calls[2] : calls[3];
  ASSERT_NE(left_last.instruction, right_last.instruction);
  ASSERT_GT(
      total - left_last.tokens - right_last.tokens + left_last.worst_case + right_last.worst_case,
      budget);

  InProcessRun run("cu-lanes-budget", TwoSlowWriters());
  Configure(run, program);
  run.options().parallel = 2;
  run.options().max_tokens = budget;
  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kCompleted) << report->budget_stop;
  EXPECT_LE(SpentTokens(run.out()), budget);
  EXPECT_EQ(ReadText(run.out() / "right.txt"), "right\n");
}

}  // namespace
}  // namespace l2mac::scenario
