// Scenarios 2 and 8: the gate's verdict goes back to the model. A failing test's assertion
// message reaches the model, which fixes the code; a test that hangs is stopped at
// --check-timeout and counts as a failure, and the model replaces it.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kAssertionMessage = "add(2, 3) must be 5";

ScriptedModel BuggyThenFixedModel() {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write calc.py with add(a, b) and its tests.")});
  model.instructions["1"].turns = {
      Tools({WriteFileUse("calc.py", "def add(a, b):\n    return a - b\n"),
             WriteFileUse("test_calc.py",
                          PythonTest("calc", std::string("def test_add():\n    assert add(2, 3) "
                                                         "== 5, '") +
                                                 kAssertionMessage + "'\n"))}),
      StepComplete("calc.py has add(a, b)."),
      EditFile("calc.py", "    return a - b", "    return a + b"),
      StepComplete("calc.py has add(a, b), fixed."),
  };
  return model;
}

// Instruction 1 takes four requests; the third answers the first step_complete. Returns the
// gate's failure text the model saw there (empty, with a test failure, if it is not so).
std::string GateFailureSeenByModel(const ScenarioHarness& harness) {
  auto requests = RequestsFor(harness.requests(), "1");
  EXPECT_EQ(requests.size(), 4u);
  if (requests.size() < 3) return "";
  auto verdict = requests[2].LastToolResult();
  EXPECT_TRUE(verdict.has_value());
  if (!verdict) return "";
  EXPECT_EQ(verdict->value("ok", true), false) << verdict->dump(2);
  return verdict->value("failures", "");
}

TEST(GateFeedbackScenario, AFailedTestReachesTheModelAndTheFixCommits) {
  ScenarioHarness harness("gate-fix");
  harness.Serve(BuggyThenFixedModel());

  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  // The request after the first step_complete carries the failure, assertion text included.
  std::string failures = GateFailureSeenByModel(harness);
  EXPECT_NE(failures.find(kAssertionMessage), std::string::npos) << failures;
  EXPECT_NE(failures.find("test_calc.py"), std::string::npos) << failures;
  // The second step_complete passed: no further request.
  auto requests = RequestsFor(harness.requests(), "1");
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[3].AssistantTurns(), 3);

  nlohmann::json status = StatusJson(harness.out());
  nlohmann::json instruction = StatusOf(status, "1");
  EXPECT_EQ(instruction["status"], "committed") << instruction.dump();
  EXPECT_EQ(instruction["attempts"], 1) << instruction.dump();
  // The attempt it fixed is listed in the JSON (and the report), not in the text table.
  ASSERT_EQ(instruction["failed_attempts"].size(), 1u) << instruction.dump();
  EXPECT_EQ(instruction["failed_attempts"][0]["kept_as"], "attempt/1/1");
  ProcessOutcome text = RunL2mac({"status", harness.out().string()});
  EXPECT_EQ(text.out.find("attempt 1 of"), std::string::npos) << text.out;
  EXPECT_EQ(ReadText(harness.out() / "calc.py"), "def add(a, b):\n    return a + b\n");

  // Only the passing state was committed to main (one commit, its parent none); the
  // refused attempt's files are kept on a branch of their own, off main's base.
  EXPECT_EQ(QueryRunInt(harness.out(),
                        "SELECT COUNT(*) FROM commits WHERE id = (SELECT commit_id FROM refs"
                        " WHERE name = 'main') AND parent IS NULL"),
            1);
  EXPECT_EQ(QueryRun(harness.out(), "SELECT name FROM refs ORDER BY name"),
            (std::vector<std::string>{"attempt/1/1", "main"}));
  ProcessOutcome cat =
      RunL2mac({"files", harness.out().string(), "cat", "calc.py", "--at", "attempt/1/1"});
  EXPECT_EQ(cat.exit_code, 0) << cat.Describe();
  EXPECT_EQ(cat.out, "def add(a, b):\n    return a - b\n");
  ProcessOutcome pytest = RunPytest(harness.out());
  EXPECT_EQ(pytest.exit_code, 0) << pytest.Describe();
}

TEST(GateFeedbackScenario, AnInstructionOutOfAttemptsEndsTheRunWithExitStatus5) {
  ScenarioHarness harness("gate-exhausted");
  ScriptedModel model = BuggyThenFixedModel();
  model.instructions["1"].turns.resize(2);  // the buggy write and one step_complete
  harness.Serve(std::move(model));

  ProcessOutcome run = harness.Run({"--max-attempts", "1"});
  EXPECT_EQ(run.exit_code, 5) << run.Describe();
  EXPECT_NE(run.err.find("0 of 1 instruction committed (1 failed, 0 skipped)"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("l2mac: instruction 1 failed: the checks still failed after 1 attempts"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(RequestsFor(harness.requests(), "1").size(), 2u);

  nlohmann::json instruction = StatusOf(StatusJson(harness.out()), "1");
  EXPECT_EQ(instruction["status"], "failed") << instruction.dump();
  EXPECT_EQ(instruction["attempts"], 1) << instruction.dump();
  EXPECT_NE(instruction["failure"].get<std::string>().find("pytest: failed"), std::string::npos)
      << instruction.dump();
  // The failed instruction's writes were rolled back: main has no commit and the folder
  // no file; what the checks refused is on the attempt's branch.
  EXPECT_TRUE(ReadTree(harness.out()).empty())
      << testing::PrintToString(Paths(ReadTree(harness.out())));
  EXPECT_EQ(QueryRunInt(harness.out(), "SELECT COUNT(*) FROM refs WHERE name = 'main'"), 0);
  EXPECT_EQ(QueryRun(harness.out(), "SELECT name FROM refs ORDER BY name"),
            (std::vector<std::string>{"attempt/1/1"}));
  ASSERT_EQ(instruction["failed_attempts"].size(), 1u) << instruction.dump();
  const nlohmann::json& attempt = instruction["failed_attempts"][0];
  EXPECT_EQ(attempt["attempt"], 1);
  EXPECT_EQ(attempt["kept_as"], "attempt/1/1");
  ASSERT_EQ(attempt["failed_checks"].size(), 1u) << attempt.dump();
  EXPECT_EQ(attempt["failed_checks"][0]["name"], "pytest");
  ASSERT_EQ(attempt["failed_checks"][0]["failing_tests"].size(), 1u) << attempt.dump();
  const nlohmann::json& test = attempt["failed_checks"][0]["failing_tests"][0];
  EXPECT_NE(test["id"].get<std::string>().find("test_add"), std::string::npos) << test.dump();
  EXPECT_NE(test["message"].get<std::string>().find(kAssertionMessage), std::string::npos)
      << test.dump();
  // The buggy version is what the branch holds, and `status` says how to continue.
  ProcessOutcome diff = RunL2mac({"files", harness.out().string(), "diff", "--at", "attempt/1/1"});
  EXPECT_EQ(diff.exit_code, 0) << diff.Describe();
  EXPECT_NE(diff.out.find("+    return a - b"), std::string::npos) << diff.out;
  ProcessOutcome status = RunL2mac({"status", harness.out().string()});
  EXPECT_EQ(status.exit_code, 0) << status.Describe();
  EXPECT_NE(status.out.find("attempt 1 of 1 failed: pytest: failed"), std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find(kAssertionMessage), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("l2mac files " + harness.out().string() + " diff --at attempt/1/1"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("l2mac resume " + harness.out().string() + " --max-attempts 2"),
            std::string::npos)
      << status.out;
}

TEST(GateFeedbackScenario, AHangingTestTimesOutFailsTheGateAndIsReplaced) {
  ScenarioHarness harness("gate-timeout");
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write wait.py with ready() and its tests.")});
  const std::string fast_test = PythonTest("wait", "def test_ready():\n    assert ready()\n");
  model.instructions["1"].turns = {
      Tools({WriteFileUse("wait.py", "def ready():\n    return True\n"),
             WriteFileUse("test_wait.py",
                          "import time\n\nfrom wait import ready\n\n\ndef test_hangs():\n"
                          "    time.sleep(60)\n    assert ready()\n")}),
      StepComplete("wait.py has ready()."),
      WriteFile("test_wait.py", fast_test),
      StepComplete("wait.py has ready(), with a fast test."),
  };
  harness.Serve(std::move(model));

  auto start = std::chrono::steady_clock::now();
  ProcessOutcome run = harness.Run({"--check-timeout", "2"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  // The hanging test cost about the timeout, not its 60 s sleep.
  EXPECT_LT(elapsed, std::chrono::seconds(30));

  std::string failures = GateFailureSeenByModel(harness);
  EXPECT_NE(failures.find("did not finish within 2s"), std::string::npos) << failures;
  EXPECT_NE(failures.find("test_hangs"), std::string::npos) << failures;

  nlohmann::json instruction = StatusOf(StatusJson(harness.out()), "1");
  EXPECT_EQ(instruction["status"], "committed") << instruction.dump();
  EXPECT_EQ(instruction["attempts"], 1) << instruction.dump();
  EXPECT_EQ(ReadText(harness.out() / "test_wait.py"), fast_test);
  EXPECT_TRUE(harness.LeftoverSnapshots().empty())
      << testing::PrintToString(harness.LeftoverSnapshots());
}

}  // namespace
}  // namespace l2mac::scenario
