// The judge and replanning, end to end with the real binary against the imperfect
// simulated model (tests/scenarios/imperfect_model.hpp): one pass implements about 60% of
// the requirements; the judge scores them from what it reads in the store, the unmet ones
// come back as appended instructions, and after two rounds the run reaches what the model's
// luck allows; with --no-judge the run stays where the first pass left it. A run killed
// while the judge works resumes by judging that round again. The figures printed here are
// the ones in bench/README.md.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <set>
#include <sstream>
#include <thread>

#include "tests/scenarios/imperfect_model.hpp"
#include "tests/scenarios/json_schema_subset.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

ImperfectModel SixtyPercent() {
  ImperfectModel model;
  model.requirements = 10;
  model.probability = 0.6;
  model.seed = 3;
  return model;
}

int JudgeRequests(const std::vector<json>& requests) {
  int count = 0;
  for (const auto& body : requests) count += ModelRequest(body).IsJudge() ? 1 : 0;
  return count;
}

int Markers(const std::filesystem::path& out, int requirements) {
  int count = 0;
  for (int k = 1; k <= requirements; ++k) {
    auto path = out / "features" / ("r" + std::to_string(k) + ".py");
    if (std::filesystem::exists(path) && ReadText(path).rfind("IMPLEMENTED", 0) == 0) ++count;
  }
  return count;
}

json StatusJson(const std::filesystem::path& out) {
  ProcessOutcome status = RunL2mac({"status", out.string(), "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.Describe();
  return json::parse(status.out, nullptr, /*allow_exceptions=*/false);
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) lines.push_back(std::move(parsed));
  }
  return lines;
}

TEST(JudgeScenario, OnePassReachesAboutSixtyPercentAndTheJudgeScoresItFromTheStore) {
  const ImperfectModel imperfect = SixtyPercent();
  const std::vector<double> expected = imperfect.ExpectedFeaturesPct(1);
  ASSERT_GE(expected[0], 40.0);
  ASSERT_LE(expected[0], 80.0);
  ASSERT_LT(expected[0], 100.0);  // the seed leaves something for the rounds to do
  ScenarioHarness harness("judge-one-pass", imperfect.Spec());
  harness.Serve(imperfect.Model());
  ProcessOutcome run = harness.Run({"--max-rounds", "0"});
  // Every instruction committed, but requirements are unmet: the outcome names them.
  ASSERT_EQ(run.exit_code, 5) << run.Describe();
  EXPECT_NE(run.err.find("the judge found"), std::string::npos) << run.err;
  EXPECT_EQ(JudgeRequests(harness.requests()), 2);  // search, then the verdict

  json status = StatusJson(harness.out());
  ASSERT_EQ(status["judge"]["rounds"].size(), 1u) << status.dump();
  EXPECT_DOUBLE_EQ(status["judge"]["features_pct"].get<double>(), expected[0]);
  EXPECT_EQ(Markers(harness.out(), 10) * 10.0, expected[0]);
  // The judge's evidence points at the file and line it found; the unmet ones say why.
  for (const auto& scored : status["judge"]["rounds"][0]["requirements"]) {
    const std::string id = scored["id"];
    if (scored["score"] == "implemented") {
      EXPECT_EQ(scored["evidence"].get<std::string>().rfind("features/r", 0), 0u) << scored;
    } else {
      EXPECT_NE(std::find(status["judge"]["unmet"].begin(), status["judge"]["unmet"].end(), id),
                status["judge"]["unmet"].end());
    }
  }
  EXPECT_EQ(status["instructions"].size(), 10u);  // nothing appended with no rounds left
  ProcessOutcome text = RunL2mac({"status", harness.out().string()});
  EXPECT_NE(text.out.find("Features: 60.0% by the judge"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("missing: no IMPLEMENTED"), std::string::npos) << text.out;
  ProcessOutcome report = RunL2mac({"report", harness.out().string()}, harness.Env());
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  const std::string html = ReadText(harness.out() / ".l2mac" / "report.html");
  EXPECT_NE(html.find("60.0%"), std::string::npos);
  EXPECT_NE(html.find("Features (judge, round 1)"), std::string::npos);
  EXPECT_NE(html.find("(missing)"), std::string::npos);  // the unmet requirements row

  // Raising the rounds on resume sends the unmet requirements back without judging again
  // first; the judge then scores the result.
  EXPECT_NE(text.out.find("--max-rounds 1"), std::string::npos) << text.out;
  const size_t before = harness.requests().size();
  ProcessOutcome resumed = harness.Resume({"--max-rounds", "1"});
  EXPECT_TRUE(resumed.exit_code == 0 || resumed.exit_code == 5) << resumed.Describe();
  json after = StatusJson(harness.out());
  ASSERT_EQ(after["judge"]["rounds"].size(), 2u) << after.dump();
  EXPECT_DOUBLE_EQ(after["judge"]["features_pct"].get<double>(),
                   imperfect.ExpectedFeaturesPct(2)[1]);
  EXPECT_EQ(after["judge"]["rounds"][0]["appended"].size(), status["judge"]["unmet"].size());
  EXPECT_GT(harness.requests().size(), before);
  std::printf("[figures] one pass, p=0.6, 10 requirements: Features %.1f%%\n", expected[0]);
}

TEST(JudgeScenario, TwoRoundsOfReplanningRaiseFeaturesAndEveryJudgeEventIsDocumented) {
  const ImperfectModel imperfect = SixtyPercent();
  const std::vector<double> expected = imperfect.ExpectedFeaturesPct(3);
  ScenarioHarness harness("judge-two-rounds", imperfect.Spec());
  harness.Serve(imperfect.Model());
  ProcessOutcome run = harness.Run({"--json"});
  const bool all_met = expected[2] == 100.0;
  ASSERT_EQ(run.exit_code, all_met ? 0 : 5) << run.Describe();

  json status = StatusJson(harness.out());
  const json& rounds = status["judge"]["rounds"];
  // The judge ran after the program and after each round of follow-ups, until all were
  // met or the two rounds were used.
  size_t verdicts = 0;
  for (size_t r = 0; r < rounds.size(); ++r) {
    EXPECT_DOUBLE_EQ(rounds[r]["features_pct"].get<double>(), expected[r]) << r;
    ++verdicts;
  }
  EXPECT_GE(verdicts, 1u);
  EXPECT_LE(verdicts, 3u);
  EXPECT_DOUBLE_EQ(status["judge"]["features_pct"].get<double>(), expected[verdicts - 1]);
  EXPECT_GT(status["judge"]["features_pct"].get<double>(), expected[0]);
  EXPECT_EQ(Markers(harness.out(), 10) * 10.0, expected[verdicts - 1]);
  // Each unmet requirement of round 1 became an instruction covering it, with the evidence.
  std::set<std::string> appended;
  for (const auto& instruction : status["instructions"]) {
    const std::string id = instruction["id"];
    if (id.rfind("judge1-", 0) != 0) continue;
    appended.insert(id);
    EXPECT_EQ(instruction["covers"], json::array({id.substr(7)}));
    EXPECT_NE(instruction["text"].get<std::string>().find("marker in the store"),
              std::string::npos);
    EXPECT_EQ(instruction["status"], "committed");
  }
  std::set<std::string> unmet_first;
  for (const auto& scored : rounds[0]["requirements"]) {
    if (scored["score"] != "implemented")
      unmet_first.insert("judge1-" + scored["id"].get<std::string>());
  }
  EXPECT_EQ(appended, unmet_first);

  // The feed's judge events match the schema and the stored verdicts.
  json schema = json::parse(ReadText(std::filesystem::path(kSourceDir) / "docs/events.schema.json"),
                            nullptr, false);
  SchemaSubsetValidator validator(schema);
  int started = 0;
  int judged = 0;
  json finished;
  for (const auto& event : JsonLines(run.out)) {
    auto errors = validator.Validate(event);
    EXPECT_TRUE(errors.empty()) << event.dump() << (errors.empty() ? "" : errors[0]);
    if (event["type"] == "judge_started") ++started;
    if (event["type"] == "judge_verdict") {
      EXPECT_DOUBLE_EQ(event["features_pct"].get<double>(), expected[judged]);
      ++judged;
    }
    if (event["type"] == "run_finished") finished = event;
  }
  EXPECT_EQ(started, static_cast<int>(verdicts));
  EXPECT_EQ(judged, static_cast<int>(verdicts));
  EXPECT_EQ(finished["outcome"], all_met ? "completed" : "requirements_unmet");
  EXPECT_DOUBLE_EQ(finished["features_pct"].get<double>(), expected[verdicts - 1]);
  std::printf("[figures] p=0.6, judge with 2 rounds: Features %.1f%% -> %.1f%% -> %.1f%%\n",
              expected[0], expected[1], expected[2]);
}

TEST(JudgeScenario, AJudgeModelAnswersTheJudgeAndOnlyTheJudge) {
  const ImperfectModel imperfect = SixtyPercent();
  ScenarioHarness harness("judge-model", imperfect.Spec());
  harness.Serve(imperfect.Model());
  ProcessOutcome run = harness.Run({"--max-rounds", "0", "--judge-model", "judge-sim"});
  ASSERT_EQ(run.exit_code, 5) << run.Describe();
  int judge_calls = 0;
  for (const auto& body : harness.requests()) {
    ModelRequest request(body);
    if (request.IsJudge()) {
      ++judge_calls;
      EXPECT_EQ(body.value("model", ""), "judge-sim");
    } else {
      EXPECT_NE(body.value("model", ""), "judge-sim");
    }
  }
  EXPECT_EQ(judge_calls, 2);
}

TEST(JudgeScenario, NoJudgeLeavesTheRunWhereTheFirstPassLeftIt) {
  const ImperfectModel imperfect = SixtyPercent();
  ScenarioHarness harness("judge-off", imperfect.Spec());
  harness.Serve(imperfect.Model());
  ProcessOutcome run = harness.Run({"--no-judge"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(JudgeRequests(harness.requests()), 0);
  json status = StatusJson(harness.out());
  EXPECT_EQ(status["instructions"].size(), 10u);
  EXPECT_TRUE(status["judge"]["rounds"].empty());
  EXPECT_EQ(Markers(harness.out(), 10) * 10.0, imperfect.ExpectedFeaturesPct(1)[0]);
}

TEST(JudgeScenario, TheJudgeSectionOfTheConfigurationTurnsItOffAndIsChecked) {
  const ImperfectModel imperfect = SixtyPercent();
  ScenarioHarness harness("judge-config", imperfect.Spec());
  harness.Serve(imperfect.Model());
  const auto bad = harness.root() / "bad.json";
  ASSERT_TRUE(WriteText(bad, R"({"judge": {"max_rounds": 99}})"));
  ProcessOutcome refused = harness.Run({"--config", bad.string()});
  EXPECT_EQ(refused.exit_code, 3) << refused.Describe();
  EXPECT_NE(refused.err.find("judge.max_rounds must be between 0 and 20"), std::string::npos)
      << refused.err;
  EXPECT_TRUE(harness.requests().empty());

  const auto off = harness.root() / "off.json";
  ASSERT_TRUE(WriteText(off, R"({"judge": {"enabled": false, "max_rounds": 1}})"));
  ProcessOutcome run = harness.Run({"--config", off.string()});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(JudgeRequests(harness.requests()), 0);
}

TEST(JudgeScenario, ARunKilledWhileJudgingResumesByJudgingThatRoundAgain) {
  const ImperfectModel imperfect = SixtyPercent();
  std::atomic<pid_t> child_pid{0};
  std::atomic<bool> fired{false};
  ScenarioHarness harness("judge-kill", imperfect.Spec());
  ScriptedModel model = imperfect.Model();
  auto worker = model.intercept;
  model.intercept = [&, worker](const ModelRequest& request,
                                size_t index) -> std::optional<sim::SimReply> {
    if (!fired && request.IsJudge() && request.AssistantTurns() == 1) {
      fired = true;  // the judge has searched; it dies before its verdict
      for (int i = 0; i < 5000 && child_pid == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (child_pid > 0) ::kill(child_pid, SIGKILL);
      return std::nullopt;
    }
    return worker(request, index);
  };
  harness.Serve(std::move(model));
  auto started = StartL2mac(harness.RunArgs({"--max-rounds", "0"}), harness.Env());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  child_pid = (*started)->pid();
  ProcessOutcome killed = (*started)->Wait(kDefaultTimeout);
  ASSERT_TRUE(fired);
  ASSERT_EQ(killed.term_signal, SIGKILL) << killed.Describe();
  EXPECT_TRUE(StatusJson(harness.out())["judge"]["rounds"].empty());

  ProcessOutcome resumed = harness.Resume();
  ASSERT_EQ(resumed.exit_code, 5) << resumed.Describe();
  json status = StatusJson(harness.out());
  ASSERT_EQ(status["judge"]["rounds"].size(), 1u);
  EXPECT_DOUBLE_EQ(status["judge"]["features_pct"].get<double>(),
                   imperfect.ExpectedFeaturesPct(1)[0]);
  // The transcript holds the judge round once: the cut one was superseded.
  ProcessOutcome transcript = RunL2mac({"transcript", harness.out().string()});
  ASSERT_EQ(transcript.exit_code, 0) << transcript.Describe();
  int judge_lines = 0;
  for (const auto& line : JsonLines(transcript.out)) {
    if (line.dump().find("You are the judge") != std::string::npos) ++judge_lines;
  }
  EXPECT_EQ(judge_lines, 2);
}

TEST(JudgeScenario, ReplayingATranscriptWithoutJudgeExchangesFailsClearlyAndKeepsTheWork) {
  ScenarioHarness harness("judge-old-transcript");
  const std::filesystem::path demo = std::filesystem::path(kSourceDir) / "examples/url_shortener";
  ProcessOutcome run =
      RunL2mac({"run", (demo / "spec.md").string(), "--out", harness.out().string(), "--replay",
                (demo / "transcript.jsonl").string(), "--context-window", "10500"},
               harness.Env(), std::chrono::seconds(120));
  ASSERT_NE(run.exit_code, 0) << run.Describe();
  EXPECT_NE(run.err.find("the judge could not finish (--no-judge skips it)"), std::string::npos)
      << run.err;
  json status = StatusJson(harness.out());
  ASSERT_EQ(status["instructions"].size(), 5u);
  for (const auto& instruction : status["instructions"]) {
    EXPECT_EQ(instruction["status"], "committed");
  }
}

}  // namespace
}  // namespace l2mac::scenario
