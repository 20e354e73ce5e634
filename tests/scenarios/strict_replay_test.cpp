// Every replay is exact: a run recorded against the simulated server replays with
// --replay-strict from its own `l2mac transcript`, request for request, to the same files,
// the same instruction outcomes and the same transcript, when a check failed (the gate
// report the model read named the random snapshot folder and pytest's timing), when the
// context was restarted, and when the run stopped at its token budget mid-instruction.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

// `l2mac run` of `recording`'s spec into `replay`'s output folder, served by `transcript`
// strictly, with the recording's flags.
ProcessOutcome ReplayStrictly(const ScenarioHarness& recording, const ScenarioHarness& replay,
                              const std::string& transcript,
                              const std::vector<std::string>& flags) {
  const auto path = replay.root() / "transcript.jsonl";
  EXPECT_TRUE(WriteText(path, transcript));
  std::vector<std::string> args = {"run",
                                   recording.spec_path().string(),
                                   "--out",
                                   replay.out().string(),
                                   "--replay",
                                   path.string(),
                                   "--replay-strict"};
  args.insert(args.end(), flags.begin(), flags.end());
  return RunL2mac(args, replay.Env());
}

std::string Transcript(const std::filesystem::path& out) {
  ProcessOutcome transcript = RunL2mac({"transcript", out.string()});
  EXPECT_EQ(transcript.exit_code, 0) << transcript.Describe();
  return transcript.out;
}

// Records a run with `flags`, replays it strictly, and checks that the replay ended the
// same way with the same files, outcomes and transcript. Returns the transcript.
std::string ExpectStrictReplayIsExact(const std::string& name, ScriptedModel model,
                                      const std::vector<std::string>& flags, int exit_code) {
  ScenarioHarness recording(name + "-recording");
  recording.Serve(std::move(model));
  ProcessOutcome recorded = recording.Run(flags);
  EXPECT_EQ(recorded.exit_code, exit_code) << recorded.Describe();
  const std::string transcript = Transcript(recording.out());
  EXPECT_FALSE(transcript.empty());

  ScenarioHarness replay(name + "-replay");
  ProcessOutcome replayed = ReplayStrictly(recording, replay, transcript, flags);
  EXPECT_EQ(replayed.exit_code, exit_code) << replayed.Describe();
  EXPECT_EQ(replayed.err.find("differs"), std::string::npos) << replayed.err;
  EXPECT_EQ(ReadTree(replay.out()), ReadTree(recording.out()));
  EXPECT_EQ(InstructionStatuses(replay.out()), InstructionStatuses(recording.out()));
  EXPECT_EQ(QueryRun(replay.out(),
                     "SELECT attempts || ' ' || context_restarts || ' ' || "
                     "model_calls || ' ' || failure FROM instructions ORDER BY seq"),
            QueryRun(recording.out(),
                     "SELECT attempts || ' ' || context_restarts || ' ' || "
                     "model_calls || ' ' || failure FROM instructions ORDER BY seq"));
  EXPECT_EQ(Transcript(replay.out()), transcript);
  return transcript;
}

// ThreeModules, but instruction 2 first writes only its test, whose import of the missing
// geometry module fails collection: pytest names the test module by its absolute path in
// the snapshot folder, and the summary line ends with its timing.
ScriptedModel ModelWithAFailedCheck() {
  auto files = ThreeModules::Files();
  ScriptedModel model = ThreeModules::Model();
  model.instructions["2"].turns = {
      WriteFile("test_geometry.py", files["test_geometry.py"]),
      StepComplete("geometry is tested."),
      WriteFile("geometry.py", files["geometry.py"]),
      StepComplete("geometry.py is written and tested."),
  };
  return model;
}

TEST(StrictReplayScenario, ARunWithAFailedCheckReplaysExactly) {
  const std::string transcript =
      ExpectStrictReplayIsExact("strict-failed-check", ModelWithAFailedCheck(), {}, 0);
  // The failure the model read is there, without the snapshot folder or a timing.
  const std::string failure_marker = "The checks failed";
  ASSERT_NE(transcript.find(failure_marker), std::string::npos);
  // pytest names the module it could not import by its absolute path: now relative.
  EXPECT_NE(transcript.find("ImportError while importing test module 'test_geometry.py'"),
            std::string::npos)
      << transcript;
  EXPECT_EQ(transcript.find("snapshot-"), std::string::npos);
  EXPECT_EQ(transcript.find(".l2mac/tmp"), std::string::npos);
  EXPECT_EQ(transcript.find("s =="), std::string::npos) << "a pytest timing is left";
}

// A valid Python module of about 1.6 KB.
std::string BigModule(int k) {
  std::string text = "\"\"\"Lookup table " + std::to_string(k) + ".\"\"\"\n\nTABLE = [\n";
  for (int i = 0; i < 40; ++i) {
    text += "    'entry-" + std::to_string(k) + "-" + std::to_string(i) + "-padding-padding',\n";
  }
  return text + "]\n";
}

TEST(StrictReplayScenario, ARunWithAContextRestartReplaysExactly) {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write the lookup tables and a test.")});
  InstructionScript& script = model.instructions["1"];
  for (int k = 0; k < 8; ++k) {
    script.turns.push_back(WriteFile("big_" + std::to_string(k) + ".py", BigModule(k)));
  }
  script.summary = "I wrote the table modules big_*.py; test_big.py remains.";
  script.after_restart = {
      WriteFile("test_big.py",
                "from big_0 import TABLE\n\n\ndef test_table():\n    assert len(TABLE) == 40\n"),
      StepComplete("big_*.py tables and test_big.py.")};
  const std::string transcript = ExpectStrictReplayIsExact("strict-restart", std::move(model),
                                                           {"--context-window", "4000"}, 0);
  EXPECT_NE(transcript.find("Your context was restarted"), std::string::npos);
}

TEST(StrictReplayScenario, ARunStoppedAtItsBudgetReplaysExactly) {
  const std::vector<std::string> common = {"--max-output-tokens", "300"};
  // An unbounded run first, for the calls' sizes: the budget lets instruction 2's first
  // call through and refuses its second.
  ScenarioHarness sizing("strict-budget-sizing");
  sizing.Serve(ThreeModules::Model());
  ProcessOutcome full = sizing.Run(common);
  ASSERT_EQ(full.exit_code, 0) << full.Describe();
  auto tokens = QueryRun(sizing.out(),
                         "SELECT prompt_tokens + completion_tokens FROM exchanges ORDER BY seq");
  auto estimates =
      QueryRun(sizing.out(), "SELECT estimated_prompt_tokens FROM exchanges ORDER BY seq");
  ASSERT_EQ(tokens.size(), 10u);  // the plan, then three calls per instruction
  ASSERT_EQ(estimates.size(), 10u);
  int64_t spent = 0;
  for (size_t i = 0; i < 5; ++i) spent += std::stoll(tokens[i]);
  const int64_t budget = spent + std::stoll(estimates[5]) + 300 - 1;

  std::vector<std::string> flags = common;
  flags.push_back("--max-tokens");
  flags.push_back(std::to_string(budget));
  const std::string transcript =
      ExpectStrictReplayIsExact("strict-budget", ThreeModules::Model(), flags, 5);
  EXPECT_EQ(ParseJsonLines(transcript).size(), 5u);
}

}  // namespace
}  // namespace l2mac::scenario
