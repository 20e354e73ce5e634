// Scenario 1: a planned run of three instructions, each writing a module and its test,
// completes; the output folder holds exactly what the model wrote and its tests pass.
#include <gtest/gtest.h>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

TEST(BasicRunScenario, ThreeInstructionsCommitAndTheOutputPassesItsTests) {
  ScenarioHarness harness("basic-run");
  harness.Serve(ThreeModules::Model());

  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_NE(run.err.find("3 of 3 instructions committed"), std::string::npos) << run.err;

  // The files on disk are exactly what the model wrote, nothing more.
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());

  nlohmann::json status = StatusJson(harness.out());
  ASSERT_FALSE(status.contains("error")) << status.dump(2);
  EXPECT_EQ(status["state"], "finished");
  EXPECT_EQ(status["files"], 6);
  ASSERT_EQ(status["instructions"].size(), 3u);
  for (const auto& instruction : status["instructions"]) {
    EXPECT_EQ(instruction["status"], "committed") << instruction.dump();
    EXPECT_EQ(instruction["attempts"], 0) << instruction.dump();
    EXPECT_EQ(instruction["model_calls"], 3) << instruction.dump();
    EXPECT_GT(instruction["commit"].get<int64_t>(), 0) << instruction.dump();
  }
  EXPECT_EQ(StatusOf(status, "2")["depends_on"], nlohmann::json::array({"1"}));

  // One planning request and three per instruction, each recorded once.
  auto requests = harness.requests();
  EXPECT_EQ(requests.size(), 10u);
  EXPECT_TRUE(ModelRequest(requests.at(0)).IsPlanner());
  EXPECT_EQ(QueryRun(harness.out(), "SELECT purpose FROM exchanges ORDER BY seq"),
            (std::vector<std::string>{"plan", "work", "work", "work", "work", "work", "work",
                                      "work", "work", "work"}));
  // Each instruction became one store commit, in program order.
  EXPECT_EQ(QueryRun(harness.out(), "SELECT id FROM instructions ORDER BY commit_id"),
            (std::vector<std::string>{"1", "2", "3"}));

  // Later instructions see the earlier ones' summaries and files.
  auto third = RequestsFor(requests, "3");
  ASSERT_FALSE(third.empty());
  EXPECT_TRUE(third[0].Contains("[2] geometry.py is written and tested."));
  EXPECT_TRUE(third[0].Contains("arith.py"));

  ProcessOutcome pytest = RunPytest(harness.out());
  EXPECT_EQ(pytest.exit_code, 0) << pytest.Describe();
  EXPECT_NE(pytest.out.find("3 passed"), std::string::npos) << pytest.out;

  EXPECT_EQ(IntegrityCheck(harness.out()), "ok");
  EXPECT_TRUE(harness.LeftoverSnapshots().empty())
      << "gate snapshots left behind: " << testing::PrintToString(harness.LeftoverSnapshots());
}

}  // namespace
}  // namespace l2mac::scenario
