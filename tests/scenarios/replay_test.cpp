// Scenario 9 and the shipped demo: a recorded run replays to the same result with no
// model server, and examples/url_shortener replays to the project in its reference/.
#include <gtest/gtest.h>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

// ThreeModules, but instruction 2's first perimeter() is wrong and fails its gate.
ScriptedModel ModelWithAGateFailure() {
  auto files = ThreeModules::Files();
  ScriptedModel model = ThreeModules::Model();
  model.instructions["2"].turns = {
      WriteFile("geometry.py",
                "from arith import add\n\n\ndef perimeter(width, height):\n"
                "    return add(width, height)\n"),
      WriteFile("test_geometry.py", files["test_geometry.py"]),
      StepComplete("geometry.py is written."),
      EditFile("geometry.py", "    return add(width, height)\n",
               "    return add(add(width, height), add(width, height))\n"),
      StepComplete("geometry.py is written and tested."),
  };
  return model;
}

// What a run's status says per instruction, without the token counts (a replay's
// responses carry the recorded usage, so those match too, but they are not the point).
std::vector<nlohmann::json> InstructionOutcomes(const nlohmann::json& status) {
  std::vector<nlohmann::json> outcomes;
  for (const auto& item : status.value("instructions", nlohmann::json::array())) {
    outcomes.push_back({{"id", item["id"]},
                        {"status", item["status"]},
                        {"attempts", item["attempts"]},
                        {"context_restarts", item["context_restarts"]},
                        {"model_calls", item["model_calls"]},
                        {"failure", item["failure"]}});
  }
  return outcomes;
}

std::vector<nlohmann::json> Responses(const std::vector<nlohmann::json>& lines) {
  std::vector<nlohmann::json> responses;
  for (const auto& line : lines) {
    responses.push_back(line.is_object() ? line.value("response", nlohmann::json()) : line);
  }
  return responses;
}

// One recorded run (with a gate failure), shared by the replay tests.
class ReplayScenario : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    recording_ = std::make_unique<ScenarioHarness>("replay-recording");
    recording_->Serve(ModelWithAGateFailure());
    recorded_run_ = recording_->Run();
    recording_->server().Stop();
    ProcessOutcome transcript = RunL2mac({"transcript", recording_->out().string()});
    transcript_text_ = transcript.exit_code == 0 ? transcript.out : "";
  }
  static void TearDownTestSuite() { recording_.reset(); }

  void SetUp() override {
    ASSERT_EQ(recorded_run_.exit_code, 0) << recorded_run_.Describe();
    ASSERT_FALSE(transcript_text_.empty());
  }

  static inline std::unique_ptr<ScenarioHarness> recording_;
  static inline ProcessOutcome recorded_run_;
  static inline std::string transcript_text_;
};

TEST_F(ReplayScenario, AReplayedTranscriptReproducesTheRunWithoutAServer) {
  ScenarioHarness harness("replay");
  const std::filesystem::path transcript_path = harness.root() / "t.jsonl";
  ASSERT_TRUE(WriteText(transcript_path, transcript_text_));
  auto recorded_lines = ParseJsonLines(transcript_text_);
  // Planning, the three instructions' calls and the analysis of instruction 2's failed check.
  ASSERT_EQ(recorded_lines.size(), 13u);

  // No server and no model in the environment: only the transcript.
  ProcessOutcome replayed = RunL2mac({"run", recording_->spec_path().string(), "--out",
                                      harness.out().string(), "--replay", transcript_path.string()},
                                     harness.Env());
  ASSERT_EQ(replayed.exit_code, 0) << replayed.Describe();

  const std::filesystem::path original = recording_->out();
  EXPECT_EQ(ReadTree(harness.out()), ReadTree(original));
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
  nlohmann::json original_status = StatusJson(original);
  nlohmann::json replay_status = StatusJson(harness.out());
  EXPECT_EQ(InstructionOutcomes(replay_status), InstructionOutcomes(original_status));
  EXPECT_EQ(StatusOf(replay_status, "2")["attempts"], 1);
  EXPECT_EQ(replay_status["model_calls"], original_status["model_calls"]);
  EXPECT_EQ(QueryRunInt(harness.out(), "SELECT COUNT(*) FROM exchanges"),
            QueryRunInt(original, "SELECT COUNT(*) FROM exchanges"));

  ProcessOutcome replay_transcript = RunL2mac({"transcript", harness.out().string()});
  ASSERT_EQ(replay_transcript.exit_code, 0) << replay_transcript.Describe();
  EXPECT_EQ(Responses(ParseJsonLines(replay_transcript.out)), Responses(recorded_lines));
}

TEST_F(ReplayScenario, AnExhaustedTranscriptStopsTheRunAndResumeWithTheWholeOneFinishesIt) {
  ScenarioHarness harness("replay-short");
  // Planning and instruction 1 only.
  auto lines = ParseJsonLines(transcript_text_);
  ASSERT_GE(lines.size(), 4u);
  std::string first_four;
  for (size_t i = 0; i < 4; ++i) first_four += lines[i].dump() + "\n";
  const std::filesystem::path transcript_path = harness.root() / "short.jsonl";
  ASSERT_TRUE(WriteText(transcript_path, first_four));

  ProcessOutcome replayed = RunL2mac({"run", recording_->spec_path().string(), "--out",
                                      harness.out().string(), "--replay", transcript_path.string()},
                                     harness.Env());
  EXPECT_EQ(replayed.exit_code, 4) << replayed.Describe();
  EXPECT_NE(replayed.err.find("4 responses"), std::string::npos) << replayed.err;
  // What was committed before the transcript ran out is kept; nothing is left running.
  EXPECT_EQ(
      InstructionStatuses(harness.out()),
      (std::map<std::string, std::string>{{"1", "committed"}, {"2", "pending"}, {"3", "pending"}}));
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::FirstOnlyFiles());

  // Resuming with the whole transcript skips the responses already used and finishes the
  // run exactly as recorded.
  const std::filesystem::path full_path = harness.root() / "full.jsonl";
  ASSERT_TRUE(WriteText(full_path, transcript_text_));
  ProcessOutcome resumed =
      RunL2mac({"resume", harness.out().string(), "--replay", full_path.string()}, harness.Env());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
  ProcessOutcome transcript = RunL2mac({"transcript", harness.out().string()});
  ASSERT_EQ(transcript.exit_code, 0) << transcript.Describe();
  EXPECT_EQ(Responses(ParseJsonLines(transcript.out)), Responses(lines));
}

TEST(DemoScenario, TheUrlShortenerDemoReplaysToItsReferenceProject) {
  ScenarioHarness harness("demo");
  const std::filesystem::path demo = std::filesystem::path(kSourceDir) / "examples/url_shortener";
  ProcessOutcome run =
      RunL2mac({"run", (demo / "spec.md").string(), "--out", harness.out().string(), "--replay",
                (demo / "transcript.jsonl").string(), "--context-window", "10500",
                // Recorded before the judge: the replay has no judge exchanges.
                "--no-judge"},
               harness.Env(), std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  nlohmann::json status = StatusJson(harness.out());
  EXPECT_EQ(status["files"], 17) << status.dump(2);
  ASSERT_EQ(status["instructions"].size(), 5u) << status.dump(2);
  int restarts = 0;
  for (const auto& instruction : status["instructions"]) {
    EXPECT_EQ(instruction["status"], "committed") << instruction.dump();
    restarts += instruction["context_restarts"].get<int>();
  }
  EXPECT_EQ(restarts, 1);
  EXPECT_EQ(StatusOf(status, "3")["context_restarts"], 1);
  EXPECT_EQ(StatusOf(status, "2")["attempts"], 1);
  EXPECT_EQ(status["model_calls"], 17);

  auto produced = ReadTree(harness.out());
  auto reference = ReadTree(demo / "reference");
  EXPECT_EQ(Paths(produced), Paths(reference));
  EXPECT_TRUE(produced == reference) << "the generated project differs from reference/";

  ProcessOutcome pytest = RunPytest(harness.out());
  EXPECT_EQ(pytest.exit_code, 0) << pytest.Describe();
  EXPECT_NE(pytest.out.find("135 passed"), std::string::npos) << pytest.out;

  // Every feature of the spec is traced to the instructions, files and passing tests that
  // implement it, as of the last commit.
  ProcessOutcome traced = RunL2mac({"trace", harness.out().string(), "--json"});
  ASSERT_EQ(traced.exit_code, 0) << traced.Describe();
  auto trace = nlohmann::json::parse(traced.out, nullptr, false);
  ASSERT_TRUE(trace.is_object()) << traced.out;
  EXPECT_EQ(trace["tests_commit"], StatusOf(status, "5")["commit"]);
  ASSERT_EQ(trace["requirements"].size(), 8u) << trace.dump(2);
  for (const auto& requirement : trace["requirements"]) {
    EXPECT_FALSE(requirement["instructions"].empty()) << requirement.dump();
    EXPECT_FALSE(requirement["files"].empty()) << requirement.dump();
    EXPECT_GT(requirement["tests_passed"].get<int>(), 0) << requirement.dump();
    EXPECT_EQ(requirement["tests_failed"], 0) << requirement.dump();
  }
  EXPECT_EQ(trace["requirements"][4]["id"], "F5");
  EXPECT_NE(trace["requirements"][4].dump().find(
                "tests/test_service.py::test_F5_link_expires_exactly_ttl_seconds_after_creation"),
            std::string::npos)
      << trace["requirements"][4].dump(2);
  EXPECT_TRUE(harness.LeftoverSnapshots().empty())
      << testing::PrintToString(harness.LeftoverSnapshots());
}

}  // namespace
}  // namespace l2mac::scenario
