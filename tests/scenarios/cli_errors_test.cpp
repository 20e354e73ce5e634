// The command line's refusals: no model configured (exit 2), a malformed prompt program or
// configuration file (exit 3, nothing created), a folder that already holds a run (exit 6),
// and resume where there is no run (exit 6).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

TEST(CliErrorsScenario, NoModelConfiguredExplainsTheChoices) {
  ScenarioHarness harness("no-model");
  ChildEnv env;
  env.unset = {"OPENAI_API_KEY", "OPENAI_BASE_URL"};
  ProcessOutcome run = harness.Run({}, env);
  EXPECT_EQ(run.exit_code, 2) << run.Describe();
  EXPECT_NE(run.err.find("no model is configured"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("OpenAI:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("OPENAI_API_KEY"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("OpenAI-compatible"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--base-url"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--replay"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out())) << "nothing should be created";
}

TEST(CliErrorsScenario, MalformedConfigIsRefusedWithExitStatus3BeforeAnyRequest) {
  const char* cases[][2] = {
      {"{\"model\": {", "not valid JSON"},
      {"{\"modle\": {}}", "modle is not a known setting"},
  };
  for (const auto& [text, expected] : cases) {
    ScenarioHarness harness("bad-config");
    harness.Serve(ThreeModules::Model());
    const std::filesystem::path config = harness.root() / "config.json";
    ASSERT_TRUE(WriteText(config, text));
    ProcessOutcome run = harness.Run({"--config", config.string()});
    EXPECT_EQ(run.exit_code, 3) << run.Describe();
    EXPECT_NE(run.err.find("l2mac: error: " + config.string()), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(expected), std::string::npos) << run.err;
    EXPECT_FALSE(std::filesystem::exists(harness.out()));
    EXPECT_EQ(harness.server().request_count(), 0u);
  }
  ScenarioHarness harness("missing-config");
  harness.Serve(ThreeModules::Model());
  ProcessOutcome run = harness.Run({"--config", (harness.root() / "nope.json").string()});
  EXPECT_EQ(run.exit_code, 3) << run.Describe();
  EXPECT_NE(run.err.find("no such configuration file"), std::string::npos) << run.err;
}

struct MalformedProgram {
  const char* name;
  const char* program;
  const char* expected_error;  // a piece of the one-line message
};

void PrintTo(const MalformedProgram& program, std::ostream* os) { *os << program.name; }

class MalformedProgramScenario : public testing::TestWithParam<MalformedProgram> {};

TEST_P(MalformedProgramScenario, IsRefusedWithExitStatus3AndCreatesNothing) {
  ScenarioHarness harness(std::string("bad-program-") + GetParam().name);
  ScriptedModel model = ThreeModules::Model();
  harness.Serve(std::move(model));
  const std::filesystem::path program = harness.root() / "program.json";
  ASSERT_TRUE(WriteText(program, GetParam().program));

  ProcessOutcome run = harness.Run({"--program", program.string()});
  EXPECT_EQ(run.exit_code, 3) << run.Describe();
  EXPECT_NE(run.err.find(GetParam().expected_error), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("l2mac: error:"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out() / ".l2mac"));
  EXPECT_FALSE(std::filesystem::exists(harness.out()));
  EXPECT_EQ(harness.server().request_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Programs, MalformedProgramScenario,
                         testing::Values(MalformedProgram{"cycle",
                                                          R"({"instructions": [
                             {"id": "1", "text": "a", "depends_on": ["2"]},
                             {"id": "2", "text": "b", "depends_on": ["1"]}]})",
                                                          "cycle"},
                                         MalformedProgram{"unknown_dependency",
                                                          R"({"instructions": [
                             {"id": "1", "text": "a", "depends_on": []},
                             {"id": "2", "text": "b", "depends_on": ["9"]}]})",
                                                          "'9'"},
                                         MalformedProgram{"duplicate_id",
                                                          R"({"instructions": [
                             {"id": "1", "text": "a", "depends_on": []},
                             {"id": "1", "text": "b", "depends_on": []}]})",
                                                          "duplicate instruction id '1'"},
                                         MalformedProgram{"not_json", R"({"instructions": [)",
                                                          "not valid JSON"}),
                         [](const testing::TestParamInfo<MalformedProgram>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(CliErrorsScenario, RunIntoAFolderThatHoldsAnUnfinishedRunIsRefused) {
  // (A finished run takes the new task instead: existing_codebase_test.cpp.)
  ScenarioHarness harness("holds-run");
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome first = harness.Run({"--max-turns", "1"});
  ASSERT_EQ(first.exit_code, 5) << first.Describe();
  const auto files = ReadTree(harness.out());
  const size_t requests = harness.server().request_count();

  ProcessOutcome second = harness.Run();
  EXPECT_EQ(second.exit_code, 6) << second.Describe();
  EXPECT_NE(second.err.find("already holds an l2mac run"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("l2mac resume"), std::string::npos) << second.err;
  // The existing run is untouched.
  EXPECT_EQ(harness.server().request_count(), requests);
  EXPECT_EQ(ReadTree(harness.out()), files);
  EXPECT_EQ(StatusOf(StatusJson(harness.out()), "1")["status"], "failed");
}

TEST(CliErrorsScenario, ResumeWhereThereIsNoRunIsRefused) {
  ScenarioHarness harness("no-run");
  harness.Serve(ThreeModules::FirstOnly());
  std::filesystem::create_directories(harness.out());
  ProcessOutcome resume = harness.Resume();
  EXPECT_EQ(resume.exit_code, 6) << resume.Describe();
  EXPECT_NE(resume.err.find("no l2mac run in"), std::string::npos) << resume.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out() / ".l2mac"));
  EXPECT_EQ(harness.server().request_count(), 0u);
}

}  // namespace
}  // namespace l2mac::scenario
