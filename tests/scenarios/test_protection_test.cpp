// Tests that passed at the last commit are protected, end to end: the real binary, the
// simulated model. An instruction's worker skips a test an earlier instruction wrote; the
// gate refuses with the reason, the model reverts the skip, and the instruction commits
// with the earlier test kept and its own test protected too.
#include <gtest/gtest.h>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kCalc = "def add(a, b):\n    return a + b\n";
constexpr const char* kMul = "\n\ndef mul(a, b):\n    return a * b\n";
constexpr const char* kSkip = "@pytest.mark.skip(reason='slow')\n";

std::string CalcTests(const std::string& before_test = "") {
  return "import pytest\n\nfrom calc import add\n\n\n" + before_test +
         "def test_add():\n    assert add(2, 3) == 5\n";
}

ScriptedModel SkippingModel() {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write calc.py with add(a, b) and test_calc.py."),
                       PlanStep("2", "Add mul(a, b) to calc.py, tested in test_mul.py.", {"1"})});
  model.instructions["1"].turns = {
      Tools({WriteFileUse("calc.py", kCalc), WriteFileUse("test_calc.py", CalcTests())}),
      StepComplete("calc.py has add(a, b), tested in test_calc.py."),
  };
  model.instructions["2"].turns = {
      Tools({WriteFileUse("calc.py", std::string(kCalc) + kMul),
             WriteFileUse("test_mul.py", PythonTest("calc",
                                                    "def test_mul():\n    assert mul(2, "
                                                    "3) == 6\n")),
             // The weakening: an earlier test skipped.
             WriteFileUse("test_calc.py", CalcTests(kSkip))}),
      StepComplete("calc.py has mul(a, b)."),
      EditFile("test_calc.py", kSkip, ""),
      StepComplete("calc.py has add and mul; test_calc.py is unchanged."),
  };
  return model;
}

TEST(TestProtectionScenario, ASkippedEarlierTestIsRefusedAndTheRevertCommits) {
  ScenarioHarness harness("protect-skip");
  harness.Serve(SkippingModel());

  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  // The answer to instruction 2's first step_complete names the test and the rule.
  auto requests = RequestsFor(harness.requests(), "2");
  ASSERT_EQ(requests.size(), 4u);
  auto verdict = requests[2].LastToolResult();
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->value("ok", true), false) << verdict->dump(2);
  const std::string failures = verdict->value("failures", "");
  EXPECT_NE(failures.find("## protected tests"), std::string::npos) << failures;
  EXPECT_NE(failures.find("test_calc.py::test_add: passed at the last commit and is now skipped"),
            std::string::npos)
      << failures;
  EXPECT_NE(failures.find("Protected tests may not be skipped, removed or weakened unless the "
                          "instruction names them"),
            std::string::npos)
      << failures;
  // No snapshot path reaches the model.
  EXPECT_EQ(failures.find("/.l2mac/"), std::string::npos) << failures;

  nlohmann::json status = StatusJson(harness.out());
  EXPECT_EQ(StatusOf(status, "1")["status"], "committed") << status.dump();
  nlohmann::json second = StatusOf(status, "2");
  EXPECT_EQ(second["status"], "committed") << second.dump();
  EXPECT_EQ(second["attempts"], 1) << second.dump();
  EXPECT_EQ(ReadText(harness.out() / "test_calc.py"), CalcTests());

  // After the last commit both tests are protected, with their assertions.
  EXPECT_EQ(QueryRun(harness.out(),
                     "SELECT profile || ' ' || test_id || ' ' || assertions FROM protected_tests "
                     "ORDER BY test_id"),
            (std::vector<std::string>{"python test_calc.py::test_add 1",
                                      "python test_mul.py::test_mul 1"}));
}

TEST(TestProtectionScenario, AnInstructionThatNamesTheTestMaySkipIt) {
  ScenarioHarness harness("protect-named");
  ScriptedModel model = SkippingModel();
  model.plan["instructions"][1]["text"] =
      "Add mul(a, b) to calc.py, tested in test_mul.py; skip test_add while add is slow.";
  model.instructions["2"].turns.resize(2);  // the skip and one step_complete
  harness.Serve(std::move(model));

  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  nlohmann::json second = StatusOf(StatusJson(harness.out()), "2");
  EXPECT_EQ(second["status"], "committed") << second.dump();
  EXPECT_EQ(second["attempts"], 0) << second.dump();
  EXPECT_EQ(ReadText(harness.out() / "test_calc.py"), CalcTests(kSkip));
  // The skipped test is no longer protected; the new one is.
  EXPECT_EQ(QueryRun(harness.out(), "SELECT test_id FROM protected_tests ORDER BY test_id"),
            (std::vector<std::string>{"test_mul.py::test_mul"}));
}

}  // namespace
}  // namespace l2mac::scenario
