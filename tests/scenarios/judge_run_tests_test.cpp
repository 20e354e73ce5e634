// The judge runs the project's tests: its run_tests tool runs the checks on a copy of the
// committed head (bounded by --check-timeout, its output bounded like a worker's) and lists
// each test with its outcome, so a verdict cites test names and pass/fail. End to end with
// the real binary; the simulated judge scores from what run_tests reports.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/scenarios/json_schema_subset.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

// Scores each requirement implemented when a test naming it ("_<id>_") passed in the
// run_tests result, missing otherwise, citing the test and its outcome.
sim::SimReply JudgeByTests(const ModelRequest& request) {
  if (request.AssistantTurns() == 0) return Tool("run_tests", json::object())(request);
  json result = request.LastToolResult().value_or(json::object());
  json list = json::array();
  for (const auto& id : request.JudgedRequirementIds()) {
    std::string evidence;
    std::string failing;
    for (const auto& test : result.value("tests", json::array())) {
      const std::string name = test.value("id", "");
      if (name.find("_" + id + "_") == std::string::npos) continue;
      if (test.value("outcome", "") == "passed") {
        evidence = name + " passed (run_tests)";
      } else {
        failing = name + " " + test.value("outcome", "") + " (run_tests)";
      }
    }
    const bool met = !evidence.empty() && failing.empty();
    list.push_back({{"id", id},
                    {"score", met ? "implemented" : "missing"},
                    {"evidence", met                ? evidence
                                 : !failing.empty() ? failing
                                                    : "no test names " + id + " (run_tests)"}});
  }
  return Tool("submit_verdict", {{"requirements", list}})(request);
}

ScriptedModel TestedProject() {
  ScriptedModel model;
  model.plan = {{"requirements", json::array({{{"id", "R1"}, {"text", "add(a, b) adds."}},
                                              {{"id", "R2"}, {"text", "sub(a, b) subtracts."}}})},
                {"instructions", json::array({{{"id", "1"},
                                               {"text", "Write calc.py with add and sub."},
                                               {"covers", {"R1", "R2"}}}})}};
  model.instructions["1"].turns = {
      Tools({WriteFileUse("calc.py", "def add(a, b):\n    return a + b\n"),
             WriteFileUse("test_calc.py", PythonTest("calc",
                                                     "def test_R1_add():\n    assert "
                                                     "add(2, 3) == 5\n"))}),
      StepComplete("calc.py with add"),
  };
  model.judge = JudgeByTests;
  return model;
}

TEST(JudgeRunTestsScenario, TheJudgeRunsTheTestsAndItsVerdictCitesThem) {
  ScenarioHarness harness("judge-run-tests");
  harness.Serve(TestedProject());
  ProcessOutcome run = harness.Run({"--max-rounds", "0", "--json"});
  ASSERT_EQ(run.exit_code, 5) << run.Describe();

  // The judge was offered run_tests and got each test with its outcome.
  int judge_requests = 0;
  for (const auto& body : harness.requests()) {
    ModelRequest request(body);
    if (!request.IsJudge()) continue;
    ++judge_requests;
    bool offered = false;
    for (const auto& tool : body["tools"])
      offered = offered || tool["function"]["name"] == "run_tests";
    EXPECT_TRUE(offered);
    if (request.AssistantTurns() == 1) {
      json result = request.LastToolResult().value_or(json());
      EXPECT_EQ(result.value("ok", false), true) << result.dump();
      EXPECT_EQ(result.value("passed", false), true) << result.dump();
      EXPECT_EQ(result["tests"],
                json::array({{{"id", "test_calc.py::test_R1_add"}, {"outcome", "passed"}}}))
          << result.dump();
    }
  }
  EXPECT_EQ(judge_requests, 2);

  json status = StatusJson(harness.out());
  const json& scored = status["judge"]["rounds"][0]["requirements"];
  ASSERT_EQ(scored.size(), 2u) << status.dump();
  EXPECT_EQ(scored[0]["id"], "R1");
  EXPECT_EQ(scored[0]["score"], "implemented");
  EXPECT_EQ(scored[0]["evidence"], "test_calc.py::test_R1_add passed (run_tests)");
  EXPECT_EQ(scored[1]["score"], "missing");
  EXPECT_EQ(scored[1]["evidence"], "no test names R2 (run_tests)");
  EXPECT_DOUBLE_EQ(status["judge"]["features_pct"].get<double>(), 50.0);

  // The checks it ran are events of the run (no instruction), valid against the schema;
  // the store did not change.
  json schema = json::parse(ReadText(std::filesystem::path(kSourceDir) / "docs/events.schema.json"),
                            nullptr, false);
  SchemaSubsetValidator validator(schema);
  bool judge_started = false;
  int judge_checks = 0;
  std::istringstream lines(run.out);
  std::string line;
  while (std::getline(lines, line)) {
    json event = json::parse(line, nullptr, false);
    if (event.is_discarded()) continue;
    auto errors = validator.Validate(event);
    EXPECT_TRUE(errors.empty()) << event.dump() << (errors.empty() ? "" : errors[0]);
    if (event["type"] == "judge_started") judge_started = true;
    if (judge_started && event["type"] == "check_finished") {
      ++judge_checks;
      EXPECT_EQ(event["instruction"], "");
      EXPECT_TRUE(event["passed"].get<bool>());
    }
  }
  EXPECT_EQ(judge_checks, 1);
  EXPECT_EQ(QueryRunInt(harness.out(), "SELECT COUNT(*) FROM commits"), 1);
  const auto snapshots = harness.out() / ".l2mac" / "tmp";
  EXPECT_TRUE(!std::filesystem::exists(snapshots) || std::filesystem::is_empty(snapshots));
}

}  // namespace
}  // namespace l2mac::scenario
