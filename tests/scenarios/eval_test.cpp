// `l2mac eval` end to end: the real binary runs a shipped task's spec (examples/eval/) with
// three seeds against the imperfect simulated model (tests/scenarios/imperfect_model.hpp),
// which reads each request's seed, so the seeds give different Features %. The results
// file is checked against what the model's seeded choices predict and against the files
// on disk; the table's mean and standard deviation are recomputed here. Also: --no-judge
// leaves Features % unmeasured, a rerun skips the finished runs, Ctrl-C keeps them and
// lists the missing ones, a failing run is recorded as one while the others go on, and a
// missing spec or an unknown task is refused.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <set>
#include <thread>

#include "tests/scenarios/imperfect_model.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

namespace fs = std::filesystem;

fs::path ShippedSpec(const std::string& name) {
  return fs::path(kSourceDir) / "examples" / "eval" / (name + ".md");
}

std::vector<std::string> SpecIds(const fs::path& spec) {
  std::vector<std::string> ids;
  for (const auto& [id, text] :
       ImperfectModel::ListedRequirements(ReadText(spec), "## Features", "")) {
    ids.push_back(id);
  }
  return ids;
}

// Non-blank lines of the .py files under `dir`, outside dot folders: counted here on its
// own, to check the eval's count.
int64_t CountLoc(const fs::path& dir) {
  int64_t loc = 0;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (name[0] == '.' || name == "__pycache__") {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->path().extension() != ".py") continue;
    std::ifstream in(it->path());
    std::string line;
    while (std::getline(in, line)) loc += line.find_first_not_of(" \t\r") != std::string::npos;
  }
  return loc;
}

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}
double SampleSd(const std::vector<double>& values) {
  const double mean = Mean(values);
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

json ReadJson(const fs::path& path) {
  return json::parse(ReadText(path), nullptr, /*allow_exceptions=*/false);
}

// A small spec of four features, for the scenarios that are about the command rather
// than the figures.
constexpr const char* kSmallSpec =
    "# Spec: four features\n\n## Features\n\n- F1a: One.\n- F1b: Two.\n- F2a: Three.\n"
    "- F2b: Four.\n";

TEST(EvalScenario, ThreeSeedsOfAShippedTaskDifferAndTheTableIsTheirMeanAndSd) {
  ImperfectModel imperfect;
  imperfect.probability = 0.6;
  imperfect.per_instruction = 4;  // 5 instructions, so 5 gates a run: a fast scenario
  const fs::path spec = ShippedSpec("url_shortener");
  const std::vector<std::string> ids = SpecIds(spec);
  ASSERT_EQ(ids.size(), 17u);
  ASSERT_EQ(ids.front(), "F1a");
  ASSERT_EQ(ids.back(), "F6a");
  std::vector<double> expected;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    expected.push_back(imperfect.ExpectedFeaturesPct(1, ids, seed)[0]);
  }
  // The seeds must give the model different luck, or the test would show nothing.
  ASSERT_GT(std::set<double>(expected.begin(), expected.end()).size(), 1u);

  ScenarioHarness harness("eval-three-seeds");
  harness.Serve(imperfect.Model());
  const fs::path out = harness.root() / "eval";
  ProcessOutcome eval =
      RunL2mac({"eval", "--spec", spec.string(), "--seeds", "3", "--out", out.string(),
                "--base-url", harness.base_url(), "--max-rounds", "0"},
               harness.Env(), std::chrono::seconds(120));
  ASSERT_EQ(eval.exit_code, 0) << eval.Describe();

  // Every request carried its run's seed, and all three seeds were used.
  std::set<uint64_t> seeds;
  for (const auto& body : harness.requests()) {
    ASSERT_TRUE(body.contains("seed")) << body.dump().substr(0, 300);
    seeds.insert(body["seed"].get<uint64_t>());
  }
  EXPECT_EQ(seeds, (std::set<uint64_t>{1, 2, 3}));

  json results = ReadJson(out / "results.json");
  ASSERT_TRUE(results.is_object()) << ReadText(out / "results.json");
  EXPECT_EQ(results["format"], "l2mac-eval/1");
  EXPECT_EQ(results["complete"], true);
  EXPECT_TRUE(results["missing"].empty());
  ASSERT_EQ(results["runs"].size(), 3u);
  std::vector<double> features, loc, lint, tests;
  for (size_t i = 0; i < 3; ++i) {
    const json& run = results["runs"][i];
    const int seed = static_cast<int>(i) + 1;
    EXPECT_EQ(run["task"], "url_shortener");
    EXPECT_EQ(run["seed"], seed);
    EXPECT_EQ(run["outcome"], expected[i] == 100.0 ? "completed" : "requirements_unmet") << run;
    EXPECT_EQ(run["features_measured"], true);
    EXPECT_DOUBLE_EQ(run["features_pct"].get<double>(), expected[i]) << run;
    const fs::path dir = out / "url_shortener" / ("seed-" + std::to_string(seed));
    EXPECT_EQ(run["dir"], dir.string());
    EXPECT_TRUE(fs::exists(run["report"].get<std::string>())) << run;
    // From the files on disk, and from what the model chose under this seed.
    EXPECT_EQ(run["loc"].get<int64_t>(), CountLoc(dir)) << run;
    int implemented = 0;
    int lints = 0;
    for (size_t k = 0; k < ids.size(); ++k) {
      const std::string instruction = imperfect.FirstAttemptKey(ids, k);
      if (!imperfect.Implements(instruction, seed)) continue;
      ++implemented;
      lints += imperfect.Lints(instruction, seed) ? 1 : 0;
      EXPECT_TRUE(fs::exists(dir / "tests" / ("test_" + ImperfectModel::Lower(ids[k]) + ".py")));
    }
    EXPECT_EQ(run["lint_errors"].get<int>(), lints) << run;
    EXPECT_EQ(run["tests_passed"].get<int>(), implemented) << run;
    EXPECT_EQ(run["tests_total"].get<int>(), implemented) << run;
    EXPECT_GT(run["tokens"].get<int64_t>(), 0);
    EXPECT_GT(run["wall_seconds"].get<double>(), 0.0);
    features.push_back(run["features_pct"].get<double>());
    loc.push_back(run["loc"].get<double>());
    lint.push_back(run["lint_errors"].get<double>());
    tests.push_back(run["tests_passed"].get<double>());
  }
  ASSERT_EQ(results["tasks"].size(), 1u);
  const json& task = results["tasks"][0];
  EXPECT_EQ(task["runs"], 3);
  for (const auto& [key, values] :
       std::vector<std::pair<std::string, std::vector<double>>>{{"features_pct", features},
                                                                {"loc", loc},
                                                                {"lint_errors", lint},
                                                                {"tests_passed", tests}}) {
    EXPECT_NEAR(task[key]["mean"].get<double>(), Mean(values), 1e-9) << key;
    EXPECT_NEAR(task[key]["sd"].get<double>(), SampleSd(values), 1e-9) << key;
    EXPECT_EQ(task[key]["n"], 3) << key;
  }
  EXPECT_GT(task["features_pct"]["sd"].get<double>(), 0.0);
  // The table, as printed.
  const std::string row =
      fmt::format("| url_shortener | 3 | {:.1f} ± {:.1f} |", Mean(features), SampleSd(features));
  EXPECT_NE(eval.out.find(row), std::string::npos) << eval.out;
  EXPECT_NE(eval.out.find("# errors (lint)"), std::string::npos) << eval.out;
  std::printf("[figures] url_shortener, p=0.6, one pass, 3 seeds: Features %.1f ± %.1f%%\n",
              Mean(features), SampleSd(features));
}

int JudgeRequests(const std::vector<json>& requests) {
  int count = 0;
  for (const auto& body : requests) count += ModelRequest(body).IsJudge() ? 1 : 0;
  return count;
}

TEST(EvalScenario, WithoutTheJudgeFeaturesAreNotMeasuredAndARerunSkipsFinishedRuns) {
  ImperfectModel imperfect;
  ScenarioHarness harness("eval-no-judge", kSmallSpec);
  harness.Serve(imperfect.Model());
  const fs::path out = harness.root() / "eval";
  const std::vector<std::string> args = {
      "eval",       "--spec",     harness.spec_path().string(), "--seeds",   "2", "--out",
      out.string(), "--base-url", harness.base_url(),           "--no-judge"};
  ProcessOutcome eval = RunL2mac(args, harness.Env());
  ASSERT_EQ(eval.exit_code, 0) << eval.Describe();
  EXPECT_EQ(JudgeRequests(harness.requests()), 0);
  json results = ReadJson(out / "results.json");
  ASSERT_EQ(results["runs"].size(), 2u) << results.dump();
  for (const auto& run : results["runs"]) {
    EXPECT_EQ(run["task"], "spec");  // named by the spec file
    EXPECT_EQ(run["outcome"], "completed");
    EXPECT_EQ(run["features_measured"], false);
    EXPECT_TRUE(run["features_pct"].is_null()) << run;  // not measured, not 0
    EXPECT_EQ(run["judge_rounds"], 0);
  }
  EXPECT_EQ(results["settings"]["judge"], false);
  EXPECT_TRUE(results["tasks"][0]["features_pct"].is_null());
  EXPECT_EQ(results["tasks"][0]["loc"]["n"], 2);
  EXPECT_NE(eval.out.find("| spec | 2 | n/a |"), std::string::npos) << eval.out;

  // The same command again: both runs are in the results, so nothing runs.
  const size_t requests = harness.requests().size();
  ProcessOutcome again = RunL2mac(args, harness.Env());
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_EQ(harness.requests().size(), requests);
  EXPECT_NE(again.err.find("spec seed 1: already in"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("spec seed 2: already in"), std::string::npos) << again.err;
  EXPECT_EQ(ReadJson(out / "results.json")["runs"], results["runs"]);

  // With the judge on, those results are not mixed with new ones.
  std::vector<std::string> judged = args;
  judged.pop_back();
  ProcessOutcome mixed = RunL2mac(judged, harness.Env());
  EXPECT_EQ(mixed.exit_code, 6) << mixed.Describe();
  EXPECT_NE(mixed.err.find("holds runs made with other settings"), std::string::npos) << mixed.err;
}

TEST(EvalScenario, CtrlCKeepsTheFinishedRunsListsTheMissingOnesAndTheSameCommandContinues) {
  ImperfectModel imperfect;
  std::atomic<pid_t> child_pid{0};
  std::atomic<bool> fired{false};
  ScenarioHarness harness("eval-interrupt", kSmallSpec);
  ScriptedModel model = imperfect.Model();
  auto answer = model.intercept;
  model.intercept = [&, answer](const ModelRequest& request,
                                size_t index) -> std::optional<sim::SimReply> {
    if (!fired && !request.IsPlanner() && request.body().value("seed", 0) == 2) {
      fired = true;  // the second run has its plan and works: Ctrl-C
      for (int i = 0; i < 5000 && child_pid == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (child_pid > 0) ::kill(child_pid, SIGINT);
    }
    return answer(request, index);
  };
  harness.Serve(std::move(model));
  const fs::path out = harness.root() / "eval";
  const std::vector<std::string> args = {
      "eval",       "--spec",     harness.spec_path().string(), "--seeds",      "3", "--out",
      out.string(), "--base-url", harness.base_url(),           "--max-rounds", "0"};
  auto started = StartL2mac(args, harness.Env());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  child_pid = (*started)->pid();
  ProcessOutcome stopped = (*started)->Wait(kDefaultTimeout);
  ASSERT_TRUE(fired);
  ASSERT_EQ(stopped.exit_code, 130) << stopped.Describe();
  EXPECT_NE(stopped.err.find("1 finished runs are kept"), std::string::npos) << stopped.err;
  json partial = ReadJson(out / "results.json");
  EXPECT_EQ(partial["complete"], false);
  EXPECT_EQ(partial["interrupted"], true);
  ASSERT_EQ(partial["runs"].size(), 1u) << partial.dump();
  EXPECT_EQ(partial["runs"][0]["seed"], 1);
  EXPECT_EQ(partial["missing"], json::parse(R"([{"task": "spec", "seed": 2},
                                                {"task": "spec", "seed": 3}])"));

  ProcessOutcome continued = RunL2mac(args, harness.Env());
  ASSERT_EQ(continued.exit_code, 0) << continued.Describe();
  EXPECT_NE(continued.err.find("spec seed 1: already in"), std::string::npos) << continued.err;
  json results = ReadJson(out / "results.json");
  EXPECT_EQ(results["complete"], true);
  EXPECT_EQ(results["interrupted"], false);
  ASSERT_EQ(results["runs"].size(), 3u);
  EXPECT_EQ(results["runs"][0], partial["runs"][0]);
  // The cut-short run was resumed from its folder, not started over.
  EXPECT_EQ(results["runs"][1]["resumed"], true) << results["runs"][1];
  EXPECT_EQ(results["runs"][2]["resumed"], false);
  for (int seed = 1; seed <= 3; ++seed) {
    const json& run = results["runs"][static_cast<size_t>(seed - 1)];
    EXPECT_EQ(run["seed"], seed);
    EXPECT_DOUBLE_EQ(run["features_pct"].get<double>(),
                     imperfect.ExpectedFeaturesPct(1, {"F1a", "F1b", "F2a", "F2b"},
                                                   static_cast<uint64_t>(seed))[0])
        << run;
  }
}

TEST(EvalScenario, AFailingRunIsRecordedAsSuchAndTheOthersGoOn) {
  ImperfectModel imperfect;
  ScenarioHarness harness("eval-failing-run", kSmallSpec);
  ScriptedModel model = imperfect.Model();
  auto answer = model.intercept;
  model.intercept = [answer](const ModelRequest& request,
                             size_t index) -> std::optional<sim::SimReply> {
    // Seed 2's worker is refused by the server (400 is not retried): that run fails.
    if (request.body().value("seed", 0) == 2 && !request.IsPlanner()) {
      return sim::ErrorReply(400, "the simulated server refuses seed 2");
    }
    return answer(request, index);
  };
  harness.Serve(std::move(model));
  const fs::path out = harness.root() / "eval";
  ProcessOutcome eval =
      RunL2mac({"eval", "--spec", harness.spec_path().string(), "--seeds", "3", "--out",
                out.string(), "--base-url", harness.base_url(), "--max-rounds", "0"},
               harness.Env());
  EXPECT_EQ(eval.exit_code, 5) << eval.Describe();
  EXPECT_NE(eval.err.find("some runs ended in an error"), std::string::npos) << eval.err;
  json results = ReadJson(out / "results.json");
  EXPECT_EQ(results["complete"], true);
  ASSERT_EQ(results["runs"].size(), 3u) << results.dump();
  const json& failed = results["runs"][1];
  EXPECT_EQ(failed["outcome"], "error");
  EXPECT_EQ(failed["exit_status"], 4);  // the model's failure, as `l2mac run` would exit
  EXPECT_NE(failed["error"].get<std::string>().find("refuses seed 2"), std::string::npos) << failed;
  EXPECT_TRUE(failed["features_pct"].is_null());
  for (size_t i : {0u, 2u}) {
    EXPECT_NE(results["runs"][i]["outcome"], "error") << results["runs"][i];
    EXPECT_TRUE(results["runs"][i]["features_pct"].is_number());
  }
  EXPECT_EQ(results["tasks"][0]["outcomes"]["error"], 1);
  EXPECT_EQ(results["tasks"][0]["features_pct"]["n"], 2);  // the failed run measured nothing
}

TEST(EvalScenario, AMissingSpecAnUnknownTaskOrAForeignResultsFileIsRefusedBeforeAnyRun) {
  ImperfectModel imperfect;
  ScenarioHarness harness("eval-refused", kSmallSpec);
  harness.Serve(imperfect.Model());
  const fs::path out = harness.root() / "eval";
  const std::vector<std::string> model = {"--out", out.string(), "--base-url", harness.base_url()};
  auto with = [&model](std::vector<std::string> args) {
    args.insert(args.end(), model.begin(), model.end());
    return args;
  };
  const std::string missing = (harness.root() / "no-such-spec.md").string();
  ProcessOutcome no_spec = RunL2mac(with({"eval", "--spec", missing}), harness.Env());
  EXPECT_EQ(no_spec.exit_code, 3) << no_spec.Describe();
  EXPECT_NE(no_spec.err.find("the spec file '" + missing + "' does not exist"), std::string::npos)
      << no_spec.err;
  EXPECT_FALSE(fs::exists(out / "results.json"));

  ProcessOutcome unknown = RunL2mac(with({"eval", "--tasks", "url_shortner"}), harness.Env());
  EXPECT_EQ(unknown.exit_code, 2) << unknown.Describe();
  EXPECT_NE(unknown.err.find("unknown task 'url_shortner'; did you mean url_shortener?"),
            std::string::npos)
      << unknown.err;

  ProcessOutcome replay =
      RunL2mac(with({"eval", "--tasks", "chat_app", "--replay", missing}), harness.Env());
  EXPECT_EQ(replay.exit_code, 2) << replay.Describe();

  ASSERT_TRUE(WriteText(out / "results.json", "{\"runs\": 3}"));
  ProcessOutcome foreign =
      RunL2mac(with({"eval", "--spec", harness.spec_path().string()}), harness.Env());
  EXPECT_EQ(foreign.exit_code, 3) << foreign.Describe();
  EXPECT_NE(foreign.err.find("is not an l2mac eval results file"), std::string::npos)
      << foreign.err;
  EXPECT_EQ(ReadText(out / "results.json"), "{\"runs\": 3}");  // left as it was
  EXPECT_TRUE(harness.requests().empty());
}

}  // namespace
}  // namespace l2mac::scenario
