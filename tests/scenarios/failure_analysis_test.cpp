// The failure analysis, end to end with the real binary against the fixing simulated model
// (tests/scenarios/fixing_model.hpp): when a check fails, one model call in a fresh context
// names the root cause, the worker gets it with the check output, and fixes the mistake
// sooner. The attempts per instruction of each run are the model's prediction, with and
// without the analysis, over several seeds; the means printed here are the figures in
// bench/README.md. The analysis is recorded (a strict replay reproduces it), reported as
// an event that matches the schema, and turned off by --no-analysis or the configuration.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/scenarios/fixing_model.hpp"
#include "tests/scenarios/json_schema_subset.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

std::vector<json> EventLines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) lines.push_back(std::move(parsed));
  }
  return lines;
}

int AnalysisRequests(const std::vector<json>& requests) {
  int count = 0;
  for (const auto& body : requests) count += ModelRequest(body).IsAnalysis() ? 1 : 0;
  return count;
}

// Checks run per instruction in a finished run: its refused attempts, plus the passing one.
std::map<std::string, int> ChecksRun(const std::filesystem::path& out) {
  std::map<std::string, int> checks;
  json status = StatusJson(out);
  for (const auto& instruction : status["instructions"]) {
    const int refused = instruction.value("attempts", 0);
    checks[instruction.value("id", "")] =
        refused + (instruction.value("status", "") == "committed" ? 1 : 0);
  }
  return checks;
}

struct Measured {
  int instructions = 0;
  int checks = 0;
};

// One run of `model`, with or without the analysis; each instruction's checks must be
// what the model predicts.
Measured RunAndCompare(const FixingModel& model, bool analysis, const std::string& name) {
  ScenarioHarness harness(name, model.Spec());
  harness.Serve(model.Model());
  std::vector<std::string> flags;
  if (!analysis) flags.push_back("--no-analysis");
  ProcessOutcome run = harness.Run(flags);
  bool all_commit = true;
  for (int k = 1; k <= model.instructions; ++k) {
    all_commit = all_commit && model.Commits(std::to_string(k), analysis);
  }
  EXPECT_EQ(run.exit_code, all_commit ? 0 : 5) << run.Describe();
  Measured measured;
  int analyses = 0;
  const auto checks = ChecksRun(harness.out());
  for (int k = 1; k <= model.instructions; ++k) {
    const std::string id = std::to_string(k);
    auto it = checks.find(id);
    EXPECT_NE(it, checks.end()) << id;
    if (it == checks.end()) continue;
    EXPECT_EQ(it->second, model.Attempts(id, analysis)) << name << " instruction " << id;
    ++measured.instructions;
    measured.checks += it->second;
    analyses += analysis ? model.Analyses(id) : 0;
  }
  EXPECT_EQ(AnalysisRequests(harness.requests()), analyses) << name;
  return measured;
}

TEST(FailureAnalysisScenario, TheAnalysisLowersTheAttemptsPerInstruction) {
  Measured with;
  Measured without;
  for (uint64_t seed : {1, 2, 3}) {
    FixingModel model;
    model.seed = seed;
    const std::string suffix = "-" + std::to_string(seed);
    Measured a = RunAndCompare(model, true, "analysis-on" + suffix);
    Measured b = RunAndCompare(model, false, "analysis-off" + suffix);
    EXPECT_LE(a.checks, b.checks) << "seed " << seed;
    with.instructions += a.instructions;
    with.checks += a.checks;
    without.instructions += b.instructions;
    without.checks += b.checks;
  }
  ASSERT_EQ(with.instructions, 18);
  ASSERT_EQ(without.instructions, 18);
  const double mean_with = static_cast<double>(with.checks) / with.instructions;
  const double mean_without = static_cast<double>(without.checks) / without.instructions;
  EXPECT_LT(mean_with, mean_without);
  // The model's own prediction over more seeds, for the table in bench/README.md (the runs
  // above check that the prediction is what l2mac does).
  double predicted_with = 0;
  double predicted_without = 0;
  int committed_with = 0;
  int committed_without = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    FixingModel model;
    model.seed = seed;
    for (int k = 1; k <= model.instructions; ++k) {
      const std::string id = std::to_string(k);
      predicted_with += model.Attempts(id, true);
      predicted_without += model.Attempts(id, false);
      committed_with += model.Commits(id, true) ? 1 : 0;
      committed_without += model.Commits(id, false) ? 1 : 0;
    }
  }
  std::printf(
      "[figures] checks per instruction, seeds 1-3 (real runs, 18 instructions each): "
      "%.2f without the analysis, %.2f with\n",
      mean_without, mean_with);
  std::printf(
      "[figures] predicted over seeds 1-20 (120 instructions): %.2f without, %.2f with; "
      "committed %d vs %d\n",
      predicted_without / 120.0, predicted_with / 120.0, committed_without, committed_with);
}

TEST(FailureAnalysisScenario, TheWorkerGetsTheRootCauseAndTheEventsMatchTheSchema) {
  FixingModel model;
  model.instructions = 2;
  model.seed = 2;
  ScenarioHarness harness("analysis-events", model.Spec());
  harness.Serve(model.Model());
  ProcessOutcome run = harness.Run({"--json"});
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 5) << run.Describe();

  // The analysis saw the instruction, the check output and the changed files, and its
  // answer reached the worker beside the output.
  int analysed_results = 0;
  for (const auto& body : harness.requests()) {
    ModelRequest request(body);
    if (request.IsAnalysis()) {
      EXPECT_FALSE(request.HasTools());
      EXPECT_TRUE(request.Contains("# The output of the failed checks"));
      EXPECT_TRUE(request.Contains("1: VALUE = "));
      EXPECT_TRUE(request.Contains("with VALUE = "));  // the instruction
      EXPECT_EQ(request.messages().size(), 2u);        // a fresh context
      continue;
    }
    if (request.IsPlanner() || request.AssistantTurns() < 2) continue;
    auto last = request.LastToolResult();
    if (request.AssistantTurns() % 2 == 0 && last && last->contains("analysis")) {
      ++analysed_results;
      EXPECT_EQ((*last)["analysis"].get<std::string>().rfind("Root cause: f", 0), 0u)
          << last->dump();
      EXPECT_FALSE((*last)["failures"].get<std::string>().empty());
    }
  }
  int expected = 0;
  for (int k = 1; k <= model.instructions; ++k) expected += model.Analyses(std::to_string(k));
  ASSERT_GT(expected, 0);
  EXPECT_EQ(analysed_results, expected);

  json schema = json::parse(ReadText(std::filesystem::path(kSourceDir) / "docs/events.schema.json"),
                            nullptr, false);
  SchemaSubsetValidator validator(schema);
  int events = 0;
  int analysis_calls = 0;
  int64_t analysis_tokens = 0;
  for (const auto& event : EventLines(run.out)) {
    auto errors = validator.Validate(event);
    EXPECT_TRUE(errors.empty()) << event.dump() << (errors.empty() ? "" : errors[0]);
    if (event["type"] == "failure_analyzed") {
      ++events;
      EXPECT_GE(event["attempt"].get<int>(), 1);
      EXPECT_EQ(event["analysis"].get<std::string>().rfind("Root cause:", 0), 0u);
    }
    if (event["type"] == "model_call_finished" && event["purpose"] == "analysis") {
      ++analysis_calls;
      analysis_tokens += event["prompt_tokens"].get<int64_t>();
    }
  }
  EXPECT_EQ(events, expected);
  EXPECT_EQ(analysis_calls, expected);
  EXPECT_GT(analysis_tokens, 0);
  // Counted with the instruction's calls and in the run's totals.
  EXPECT_EQ(QueryRunInt(harness.out(), "SELECT COUNT(*) FROM exchanges WHERE purpose = 'analysis'"),
            expected);
}

TEST(FailureAnalysisScenario, AStrictReplayReproducesTheAnalysis) {
  FixingModel model;
  model.instructions = 2;
  model.seed = 2;
  ScenarioHarness recording("analysis-recording", model.Spec());
  recording.Serve(model.Model());
  ProcessOutcome recorded = recording.Run();
  ASSERT_TRUE(recorded.exit_code == 0 || recorded.exit_code == 5) << recorded.Describe();
  ProcessOutcome transcript = RunL2mac({"transcript", recording.out().string()});
  ASSERT_EQ(transcript.exit_code, 0) << transcript.Describe();
  ASSERT_NE(transcript.out.find("You are the failure analyst"), std::string::npos);

  ScenarioHarness replay("analysis-replay", model.Spec());
  const auto path = replay.root() / "transcript.jsonl";
  ASSERT_TRUE(WriteText(path, transcript.out));
  ProcessOutcome replayed =
      RunL2mac({"run", recording.spec_path().string(), "--out", replay.out().string(), "--replay",
                path.string(), "--replay-strict"},
               replay.Env());
  EXPECT_EQ(replayed.exit_code, recorded.exit_code) << replayed.Describe();
  EXPECT_EQ(replayed.err.find("differs"), std::string::npos) << replayed.err;
  EXPECT_EQ(ReadTree(replay.out()), ReadTree(recording.out()));
  EXPECT_EQ(ChecksRun(replay.out()), ChecksRun(recording.out()));
  EXPECT_EQ(RunL2mac({"transcript", replay.out().string()}).out, transcript.out);
}

TEST(FailureAnalysisScenario, NoAnalysisAndTheConfigurationTurnItOff) {
  FixingModel model;
  model.instructions = 1;
  ScenarioHarness harness("analysis-config", model.Spec());
  harness.Serve(model.Model());
  const auto bad = harness.root() / "bad.json";
  ASSERT_TRUE(WriteText(bad, R"({"analysis": {"enabld": false}})"));
  ProcessOutcome refused = harness.Run({"--config", bad.string()});
  EXPECT_EQ(refused.exit_code, 3) << refused.Describe();
  EXPECT_NE(refused.err.find("enabld"), std::string::npos) << refused.err;
  EXPECT_TRUE(harness.requests().empty());

  const auto off = harness.root() / "off.json";
  ASSERT_TRUE(WriteText(off, R"({"analysis": {"enabled": false}})"));
  ProcessOutcome run = harness.Run({"--config", off.string()});
  EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 5) << run.Describe();
  EXPECT_EQ(AnalysisRequests(harness.requests()), 0);
  for (const auto& body : harness.requests()) {
    auto last = ModelRequest(body).LastToolResult();
    if (last && last->is_object()) {
      EXPECT_FALSE(last->contains("analysis")) << last->dump();
    }
  }
  EXPECT_EQ(ChecksRun(harness.out())["1"], model.Attempts("1", false));
}

}  // namespace
}  // namespace l2mac::scenario
