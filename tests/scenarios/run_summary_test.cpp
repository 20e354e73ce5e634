// What a run prints on stderr about itself: counts read "1 instruction", not
// "1 instructions"; with -q (before or after the command) nothing but warnings and errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

TEST(RunSummaryScenario, QuietLeavesNoProgressOrSummaryLines) {
  for (bool before_command : {true, false}) {
    ScenarioHarness harness(before_command ? "quiet-before" : "quiet-after");
    harness.Serve(ThreeModules::FirstOnly());
    std::vector<std::string> args = harness.RunArgs(
        before_command ? std::vector<std::string>{} : std::vector<std::string>{"-q"});
    if (before_command) args.insert(args.begin(), "-q");
    ProcessOutcome run = RunL2mac(args, harness.Env());
    ASSERT_EQ(run.exit_code, 0) << run.Describe();
    for (const char* info :
         {"model:", "planning", "planned", "instruction 1", "committed", "model call"}) {
      EXPECT_EQ(run.err.find(info), std::string::npos) << info << " in:\n" << run.err;
    }
    EXPECT_EQ(StatusOf(StatusJson(harness.out()), "1")["status"], "committed");
  }
}

TEST(RunSummaryScenario, CountsOfOneAreSingular) {
  ScenarioHarness harness("plurals");
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_NE(run.err.find("planned 1 instruction\n"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("1 of 1 instruction committed (0 failed, 0 skipped); 2 files in"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("0 failed checks fixed or reported; 0 context restarts"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("1 instructions"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("1 files"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace l2mac::scenario
