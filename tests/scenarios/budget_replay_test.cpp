// Budgets and accounting through the real binary: --max-cost (priced by the config's
// "prices") and --max-tokens stop a run cleanly before a model call that could pass them,
// `l2mac status` shows per-instruction and total cost, and a resume with a raised budget
// finishes the run. Strict replay: a transcript replays strictly when nothing changed,
// and a request that departs from the recording stops the run showing the difference.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

// $1000 per million tokens: a token costs a tenth of a cent.
std::filesystem::path WritePriceConfig(const ScenarioHarness& harness) {
  auto path = harness.root() / "config.json";
  std::ofstream(path) << R"({"prices": {"sim-model": {"input_per_mtok": 1000,
                                                        "output_per_mtok": 1000}}})";
  return path;
}

// ThreeModules with usage as a real server reports it: a prompt count below l2mac's
// estimate (an eighth of the body's bytes) and 50 completion tokens.
ScriptedModel ThreeModulesWithUsage() {
  ScriptedModel model = ThreeModules::Model();
  model.adjust_reply = [](const ModelRequest& request, sim::SimReply& reply) {
    reply.response.usage.prompt_tokens = static_cast<int64_t>(request.body().dump().size() / 8);
    reply.response.usage.completion_tokens = 50;
  };
  return model;
}

TEST(BudgetScenario, MaxCostStopsBeforeTheCallThatCouldPassItAndResumeFinishes) {
  // The model named as the server names it, so a call's worst case is priced as it will be.
  const std::vector<std::string> output_limit = {"--max-output-tokens", "200", "--model",
                                                 "sim-model"};
  // An unbounded run for the calls' sizes: the budget covers planning and instruction 1,
  // and not instruction 2's first call at its worst (its estimated prompt plus 200).
  ScenarioHarness sizing("max-cost-sizing");
  sizing.Serve(ThreeModulesWithUsage());
  ProcessOutcome full = sizing.Run(output_limit);
  ASSERT_EQ(full.exit_code, 0) << full.Describe();
  auto tokens = QueryRun(sizing.out(),
                         "SELECT prompt_tokens + completion_tokens FROM exchanges ORDER BY seq");
  auto estimates =
      QueryRun(sizing.out(), "SELECT estimated_prompt_tokens FROM exchanges ORDER BY seq");
  ASSERT_EQ(tokens.size(), 10u);
  ASSERT_EQ(estimates.size(), 10u);
  int64_t first_four = 0;
  for (size_t i = 0; i < 4; ++i) first_four += std::stoll(tokens[i]);
  const int64_t budget_tokens = first_four + std::stoll(estimates[4]) + 200 - 1;
  const double budget = static_cast<double>(budget_tokens) / 1000.0;

  ScenarioHarness harness("max-cost");
  harness.Serve(ThreeModulesWithUsage());
  const auto config = WritePriceConfig(harness);
  std::vector<std::string> flags = {"--config", config.string(), "--max-cost",
                                    std::to_string(budget)};
  flags.insert(flags.end(), output_limit.begin(), output_limit.end());
  ProcessOutcome run = harness.Run(flags);
  ASSERT_EQ(run.exit_code, 5) << run.Describe();
  EXPECT_NE(run.err.find("stopped at the budget (--max-cost: $"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("the next model call could cost up to $"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--max-cost N"), std::string::npos) << run.err;

  nlohmann::json status = StatusJson(harness.out());
  EXPECT_EQ(StatusOf(status, "1")["status"], "committed");
  EXPECT_EQ(StatusOf(status, "2")["status"], "pending");
  EXPECT_EQ(StatusOf(status, "3")["status"], "pending");
  EXPECT_EQ(status["model_calls"], 4);
  EXPECT_NEAR(status["cost_usd"].get<double>(), static_cast<double>(first_four) / 1000.0, 1e-9);
  EXPECT_LE(status["cost_usd"].get<double>(), budget);
  const auto& first = StatusOf(status, "1");
  EXPECT_NEAR(first["cost_usd"].get<double>(),
              static_cast<double>(QueryRunInt(harness.out(),
                                              "SELECT SUM(prompt_tokens + completion_tokens) "
                                              "FROM exchanges WHERE instruction_id = '1'")) /
                  1000.0,
              1e-9);
  ProcessOutcome table = RunL2mac({"status", harness.out().string()});
  EXPECT_NE(table.out.find("cost $"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("stopped at the budget"), std::string::npos) << table.out;

  // The same budget stops again at once; a raised one finishes the run.
  std::vector<std::string> same = {"--config", config.string()};
  ProcessOutcome again = harness.Resume(same);
  EXPECT_EQ(again.exit_code, 5) << again.Describe();
  EXPECT_EQ(StatusJson(harness.out())["model_calls"], 4) << "no call was made";
  ProcessOutcome resumed = harness.Resume({"--config", config.string(), "--max-cost", "10"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
  nlohmann::json finished = StatusJson(harness.out());
  const int64_t all_calls = finished["model_calls"].get<int64_t>();
  EXPECT_EQ(all_calls, 10);
  EXPECT_NEAR(finished["cost_usd"].get<double>(),
              static_cast<double>(QueryRunInt(
                  harness.out(), "SELECT SUM(prompt_tokens + completion_tokens) FROM exchanges")) /
                  1000.0,
              1e-9);
  // Every call's reported prompt is set against l2mac's estimate of it.
  EXPECT_EQ(finished["estimator"]["calls"], all_calls);
  EXPECT_LT(finished["estimator"]["reported_prompt_tokens"].get<int64_t>(),
            finished["estimator"]["estimated_prompt_tokens"].get<int64_t>());
  ProcessOutcome final_table = RunL2mac({"status", harness.out().string()});
  EXPECT_NE(final_table.out.find("Token estimator: the server counted -"), std::string::npos)
      << final_table.out;
}

TEST(BudgetScenario, MaxTokensBelowTheFirstCallsWorstCaseMakesNoCall) {
  ScenarioHarness harness("max-tokens");
  harness.Serve(ThreeModules::Model());
  ProcessOutcome run = harness.Run({"--max-tokens", "20"});
  ASSERT_EQ(run.exit_code, 5) << run.Describe();
  EXPECT_NE(
      run.err.find("--max-tokens: 0 tokens spent of 20; the next model call could take up to"),
      std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("--max-tokens N"), std::string::npos) << run.err;
  EXPECT_TRUE(harness.requests().empty()) << "not even the planner was asked";
  ProcessOutcome resumed = harness.Resume({"--max-tokens", "0"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
}

TEST(StrictReplayScenario, MatchesWhenUnchangedAndShowsTheFirstDifferenceOtherwise) {
  ScenarioHarness recording("strict-recording");
  recording.Serve(ThreeModules::Model());
  ProcessOutcome recorded = recording.Run();
  ASSERT_EQ(recorded.exit_code, 0) << recorded.Describe();
  ProcessOutcome transcript = RunL2mac({"transcript", recording.out().string()});
  ASSERT_EQ(transcript.exit_code, 0);

  ScenarioHarness same("strict-same");
  const auto path = same.root() / "t.jsonl";
  ASSERT_TRUE(WriteText(path, transcript.out));
  ProcessOutcome replayed =
      RunL2mac({"run", recording.spec_path().string(), "--out", same.out().string(), "--replay",
                path.string(), "--replay-strict"},
               same.Env());
  ASSERT_EQ(replayed.exit_code, 0) << replayed.Describe();
  EXPECT_EQ(ReadTree(same.out()), ThreeModules::Files());

  // The third recorded request differs from what the run sends: the run stops there.
  auto lines = ParseJsonLines(transcript.out);
  ASSERT_GE(lines.size(), 3u);
  std::string& content = lines[2]["request"]["messages"][1]["content"].get_ref<std::string&>();
  content.insert(content.size() / 2, "EDITED");
  std::string edited;
  for (const auto& line : lines) edited += line.dump() + "\n";
  ScenarioHarness changed("strict-changed");
  const auto changed_path = changed.root() / "t.jsonl";
  ASSERT_TRUE(WriteText(changed_path, edited));
  ProcessOutcome stopped =
      RunL2mac({"run", recording.spec_path().string(), "--out", changed.out().string(), "--replay",
                changed_path.string(), "--replay-strict"},
               changed.Env());
  EXPECT_EQ(stopped.exit_code, 4) << stopped.Describe();
  EXPECT_NE(stopped.err.find("strict replay: request 3 differs"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("messages[1].content (from character"), std::string::npos)
      << stopped.err;
  EXPECT_NE(stopped.err.find("EDITED"), std::string::npos) << stopped.err;

  // Lenient replay of the same edited transcript ignores requests and finishes.
  ScenarioHarness lenient("strict-lenient");
  ProcessOutcome ignored = RunL2mac({"run", recording.spec_path().string(), "--out",
                                     lenient.out().string(), "--replay", changed_path.string()},
                                    lenient.Env());
  EXPECT_EQ(ignored.exit_code, 0) << ignored.Describe();
}

}  // namespace
}  // namespace l2mac::scenario
