// Scenario 3: a small context window fills up mid-instruction; l2mac asks for a progress
// summary, restarts the context from the base messages plus that summary, and the
// instruction still completes with everything written before the restart.
#include <gtest/gtest.h>

#include <string>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kSummary =
    "SUMMARY-7f3a: I wrote the table modules big_*.py; what remains is test_big.py.";
constexpr int kMaxWrites = 8;

// A valid Python module of about 1.6 KB: a table of 40 numbered entries.
std::string BigModule(int k) {
  std::string text = "\"\"\"Lookup table " + std::to_string(k) + ".\"\"\"\n\nTABLE = [\n";
  for (int i = 0; i < 40; ++i) {
    text += "    'entry-" + std::to_string(k) + "-" + std::to_string(i) + "-padding-padding',\n";
  }
  return text + "]\n";
}

std::string BigPath(int k) { return "big_" + std::to_string(k) + ".py"; }

const char* kTestBig =
    "from big_0 import TABLE\n\n\ndef test_table():\n    assert len(TABLE) == 40\n";

TEST(ContextRestartScenario, ASmallWindowForcesASummaryAndRestartAndTheRunCompletes) {
  ScenarioHarness harness("context-restart");
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write the lookup tables and a test.")});
  InstructionScript& script = model.instructions["1"];
  for (int k = 0; k < kMaxWrites; ++k) script.turns.push_back(WriteFile(BigPath(k), BigModule(k)));
  // Reached only if the context never filled up; the assertions below then fail.
  script.turns.push_back(StepComplete("wrote the tables without a restart"));
  script.summary = kSummary;
  script.after_restart = {WriteFile("test_big.py", kTestBig),
                          StepComplete("big_*.py tables and test_big.py.")};
  harness.Serve(std::move(model));

  ProcessOutcome run = harness.Run({"--context-window", "4000"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  // Find the summary request and the writes that came before it.
  auto requests = harness.requests();
  size_t summary_at = requests.size();
  for (size_t i = 0; i < requests.size(); ++i) {
    if (ModelRequest(requests[i]).IsSummaryRequest()) {
      summary_at = i;
      break;
    }
  }
  ASSERT_LT(summary_at, requests.size()) << "no summary request was made";
  ModelRequest summary_request(requests[summary_at]);
  EXPECT_EQ(summary_request.InstructionId(), "1");
  int writes_before_restart = summary_request.AssistantTurns();
  EXPECT_GE(writes_before_restart, 2);
  EXPECT_LT(writes_before_restart, kMaxWrites);

  // The request after the restart starts over: base messages plus the summary.
  ASSERT_LT(summary_at + 1, requests.size());
  ModelRequest after(requests[summary_at + 1]);
  EXPECT_TRUE(after.Restarted());
  EXPECT_NE(after.RestartMessage().find(kSummary), std::string::npos) << after.RestartMessage();
  EXPECT_EQ(after.AssistantTurns(), 0);
  EXPECT_TRUE(after.ToolResults().empty());
  // The fresh base lists the files written before the restart.
  EXPECT_TRUE(after.Contains(BigPath(0) + " ("));

  // Everything written before the restart is committed, with the test written after it.
  std::map<std::string, std::string> expected = {{"test_big.py", kTestBig}};
  for (int k = 0; k < writes_before_restart; ++k) expected[BigPath(k)] = BigModule(k);
  EXPECT_EQ(ReadTree(harness.out()), expected);

  nlohmann::json instruction = StatusOf(StatusJson(harness.out()), "1");
  EXPECT_EQ(instruction["status"], "committed") << instruction.dump();
  EXPECT_EQ(instruction["context_restarts"], 1) << instruction.dump();
  auto summary_responses =
      QueryRun(harness.out(), "SELECT response FROM exchanges WHERE purpose = 'summary'");
  ASSERT_EQ(summary_responses.size(), 1u);
  EXPECT_NE(summary_responses[0].find("SUMMARY-7f3a"), std::string::npos) << summary_responses[0];
  EXPECT_NE(run.err.find("1 context restart"), std::string::npos) << run.err;
}

// --calibrate-tokens: the server counts over twice the tokens l2mac estimates (it reports
// half the request's size in bytes), so the worker's context restarts where an
// uncalibrated run with the same window does not.
TEST(ContextRestartScenario, CalibrationShrinksTheBudgetWhenTheServerCountsMore) {
  auto model_for = []() {
    ScriptedModel model;
    model.plan = PlanOf({PlanStep("1", "Write the lookup tables and a test.")});
    InstructionScript& script = model.instructions["1"];
    for (int k = 0; k < 10; ++k) script.turns.push_back(WriteFile(BigPath(k), BigModule(k)));
    script.turns.push_back(WriteFile("test_big.py", kTestBig));
    script.turns.push_back(StepComplete("big_*.py tables and test_big.py."));
    script.summary = kSummary;
    script.after_restart = {WriteFile("test_big.py", kTestBig),
                            StepComplete("big_*.py tables and test_big.py.")};
    model.adjust_reply = [](const ModelRequest& request, sim::SimReply& reply) {
      reply.response.usage.prompt_tokens = static_cast<int64_t>(request.body().dump().size() / 2);
    };
    return model;
  };
  auto summaries = [](const std::vector<json>& requests) {
    int count = 0;
    for (const json& body : requests) count += ModelRequest(body).IsSummaryRequest() ? 1 : 0;
    return count;
  };

  ScenarioHarness plain("calibration-off");
  plain.Serve(model_for());
  ProcessOutcome uncalibrated = plain.Run({"--context-window", "12700"});
  ASSERT_EQ(uncalibrated.exit_code, 0) << uncalibrated.Describe();
  EXPECT_EQ(summaries(plain.requests()), 0);

  ScenarioHarness calibrated("calibration-on");
  calibrated.Serve(model_for());
  ProcessOutcome run = calibrated.Run({"--context-window", "12700", "--calibrate-tokens"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(summaries(calibrated.requests()), 1);
  EXPECT_EQ(StatusOf(StatusJson(calibrated.out()), "1")["context_restarts"], 1);
}

}  // namespace
}  // namespace l2mac::scenario
