// --parallel N, end to end with the real binary and the scripted model: independent
// instructions run at once in lanes, each result is merged into main and checked there
// before it is committed, a conflict or a failing merged check reruns the instruction on
// the new head with the reason in its context, a SIGKILL with several instructions in
// flight resumes to the files of an uninterrupted run, and a keyed transcript replays a
// parallel run whatever the interleaving.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// `turn`, answered after `delay`: the model's latency, so lanes overlap.
Turn Slow(Turn turn, std::chrono::milliseconds delay) {
  return [turn = std::move(turn), delay](const ModelRequest& request) {
    sim::SimReply reply = turn(request);
    reply.delay = delay;
    return reply;
  };
}

// Four independent chains of two instructions (a1 -> a2, b1 -> b2, ...); each instruction
// writes a file of its own, with a model latency per reply of `latency` for every chain
// but those `chain_latency` names.
ScriptedModel FourChains(
    std::chrono::milliseconds latency,
    const std::map<std::string, std::chrono::milliseconds>& chain_latency = {}) {
  ScriptedModel model;
  std::vector<json> steps;
  for (const char* chain : {"a", "b", "c", "d"}) {
    const std::string first = std::string(chain) + "1";
    const std::string second = std::string(chain) + "2";
    steps.push_back(PlanStep(first, "Write " + first + ".txt."));
    steps.push_back(PlanStep(second, "Write " + second + ".txt.", {first}));
    const auto special = chain_latency.find(chain);
    const auto delay = special == chain_latency.end() ? latency : special->second;
    for (const std::string& id : {first, second}) {
      model.instructions[id].turns = {
          Slow(WriteFile(id + ".txt", "written by instruction " + id + "\n"), delay),
          Slow(StepComplete(id + ".txt is written."), delay)};
    }
  }
  model.plan = PlanOf(steps);
  return model;
}

std::map<std::string, std::string> FourChainsFiles() {
  std::map<std::string, std::string> files;
  for (const char* chain : {"a", "b", "c", "d"}) {
    for (const char* step : {"1", "2"}) {
      const std::string id = std::string(chain) + step;
      files[id + ".txt"] = "written by instruction " + id + "\n";
    }
  }
  return files;
}

// The events of `--json` output.
std::vector<json> Events(const ProcessOutcome& run) { return ParseJsonLines(run.out); }

// The events of `--json` output of one type.
std::vector<json> EventsOfType(const ProcessOutcome& run, const std::string& type) {
  std::vector<json> found;
  for (auto& event : Events(run)) {
    if (event.value("type", "") == type) found.push_back(std::move(event));
  }
  return found;
}

// The most instructions that were between their instruction_started and their end
// (committed or failed) at one time, by the events' order.
int MostAtOnce(const std::vector<json>& events) {
  int now = 0;
  int most = 0;
  for (const auto& event : events) {
    const std::string type = event.value("type", "");
    if (type == "instruction_started") most = std::max(most, ++now);
    if (type == "instruction_committed" || type == "instruction_failed") --now;
  }
  return most;
}

TEST(ParallelScenario, FourChainsRunInLanesAndGiveTheFilesOfARunOneAtATime) {
  ScenarioHarness one("parallel-one");
  one.Serve(FourChains(std::chrono::milliseconds(150)));
  ProcessOutcome sequential = one.Run({"--json"});
  ASSERT_EQ(sequential.exit_code, 0) << sequential.Describe();

  ScenarioHarness four("parallel-four");
  four.Serve(FourChains(std::chrono::milliseconds(150)));
  ProcessOutcome parallel = four.Run({"--json", "--parallel", "4"});
  ASSERT_EQ(parallel.exit_code, 0) << parallel.Describe();

  EXPECT_EQ(ReadTree(one.out()), FourChainsFiles());
  EXPECT_EQ(ReadTree(four.out()), FourChainsFiles());

  const auto events = Events(parallel);
  EXPECT_EQ(MostAtOnce(Events(sequential)), 1);
  EXPECT_GE(MostAtOnce(events), 2) << "no two instructions ever ran at once";
  // Every instruction's events carry its lane; the run's own carry none.
  std::set<int> lanes;
  std::map<std::string, int> lane_of;
  for (const auto& event : events) {
    const std::string instruction = event.value("instruction", "");
    if (instruction.empty() || instruction.rfind("judge", 0) == 0) {
      EXPECT_FALSE(event.contains("lane")) << event.dump();
      continue;
    }
    ASSERT_TRUE(event.contains("lane")) << event.dump();
    const int lane = event["lane"].get<int>();
    EXPECT_GE(lane, 1);
    EXPECT_LE(lane, 4);
    lanes.insert(lane);
    if (event.value("type", "") == "instruction_started") lane_of[instruction] = lane;
    EXPECT_EQ(lane_of[instruction], lane) << "an instruction changed lanes: " << event.dump();
  }
  EXPECT_GE(lanes.size(), 2u);
  for (const auto& event : Events(sequential)) EXPECT_FALSE(event.contains("lane"));

  // The store's main holds one commit per instruction, as without lanes.
  ProcessOutcome log = RunL2mac({"files", four.out().string(), "log"});
  ASSERT_EQ(log.exit_code, 0) << log.Describe();
  int instruction_commits = 0;
  for (const auto& line : Lines(log.out)) {
    if (line.rfind("author: instruction ", 0) == 0) ++instruction_commits;
  }
  EXPECT_EQ(instruction_commits, 8) << log.out;

  // status --json names each instruction's lane, as its events did.
  ProcessOutcome status = RunL2mac({"status", four.out().string(), "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.Describe();
  json parsed = json::parse(status.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << status.out;
  ASSERT_EQ(parsed["instructions"].size(), 8u) << status.out;
  for (const auto& instruction : parsed["instructions"]) {
    const std::string id = instruction.value("id", "");
    EXPECT_EQ(instruction.value("lane", 0), lane_of[id]) << instruction.dump();
  }
  // The report's timeline names the lanes.
  ProcessOutcome report = RunL2mac({"report", four.out().string()}, four.Env());
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  const std::string html = ReadText(four.out() / ".l2mac" / "report.html");
  EXPECT_NE(html.find("\xc2\xb7 lane "), std::string::npos);
}

// Two independent instructions change shared.txt after its author: `left` and `right`
// edit `where_left` and `where_right`. `right` answers slowly, so `left` commits first and
// `right` finds main moved.
ScriptedModel TwoEditors(const std::string& left_search, const std::string& right_search) {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("base", "Write shared.txt."),
                       PlanStep("left", "Change the first line of shared.txt.", {"base"}),
                       PlanStep("right", "Change the last line of shared.txt.", {"base"})});
  model.instructions["base"].turns = {WriteFile("shared.txt", "one\ntwo\nthree\nfour\nfive\n"),
                                      StepComplete("shared.txt is written.")};
  model.instructions["left"].turns = {EditFile("shared.txt", left_search, "LEFT\n"),
                                      StepComplete("left changed shared.txt.")};
  const auto slow = std::chrono::milliseconds(700);
  model.instructions["right"].turns = {
      [=](const ModelRequest& request) {
        sim::SimReply reply =
            request.Contains("could not be merged")
                // The rerun: on the new head, where left's change is, it edits again.
                ? EditFile("shared.txt", "LEFT\n", "LEFT AND RIGHT\n")(request)
                : EditFile("shared.txt", right_search, "RIGHT\n")(request);
        reply.delay = slow;
        return reply;
      },
      Slow(StepComplete("right changed shared.txt."), slow)};
  return model;
}

TEST(ParallelScenario, EditsOfDifferentLinesOfOneFileMergeWithoutARerun) {
  ScenarioHarness harness("parallel-merge");
  harness.Serve(TwoEditors("one\n", "five\n"));
  ProcessOutcome run = harness.Run({"--json", "--parallel", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadText(harness.out() / "shared.txt"), "LEFT\ntwo\nthree\nfour\nRIGHT\n");
  const auto events = Events(run);
  EXPECT_GE(MostAtOnce(events), 2);
  EXPECT_TRUE(EventsOfType(run, "merge_retried").empty());
}

TEST(ParallelScenario, AConflictRerunsTheInstructionOnTheNewHeadWithTheConflictDescribed) {
  ScenarioHarness harness("parallel-conflict");
  harness.Serve(TwoEditors("one\n", "one\n"));  // both change the first line
  ProcessOutcome run = harness.Run({"--json", "--parallel", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadText(harness.out() / "shared.txt"), "LEFT AND RIGHT\ntwo\nthree\nfour\nfive\n");

  const std::vector<json> retried = EventsOfType(run, "merge_retried");
  ASSERT_EQ(retried.size(), 1u) << run.out;
  EXPECT_EQ(retried[0]["instruction"], "right");
  EXPECT_EQ(retried[0]["reason"], "conflict");
  EXPECT_EQ(retried[0]["paths"], json::array({"shared.txt"}));
  EXPECT_EQ(retried[0]["attempt"], 2);
  // The rerun's context told the model which file conflicted, and why.
  bool told = false;
  for (const auto& body : harness.requests()) {
    ModelRequest request(body);
    if (request.InstructionId() == "right" && request.Contains("could not be merged") &&
        request.Contains("- shared.txt: both changed the same lines (1 place)")) {
      told = true;
    }
  }
  EXPECT_TRUE(told);
  // Keyed exchanges: the transcript says which try each call belongs to.
  ProcessOutcome transcript = RunL2mac({"transcript", harness.out().string()});
  ASSERT_EQ(transcript.exit_code, 0) << transcript.Describe();
  std::set<int64_t> right_tries;
  for (const auto& line : ParseJsonLines(transcript.out)) {
    ASSERT_TRUE(line.contains("key")) << line.dump();
    if (line["key"]["instruction"] == "right")
      right_tries.insert(line["key"]["attempt"].get<int64_t>());
  }
  EXPECT_EQ(right_tries, (std::set<int64_t>{1, 2}));
}

// Scenario: the merged result fails the checks though each side passed on its own. Both
// depend on util.py (VALUE = 1, tested). `change` sets VALUE = 2 and updates its test;
// `extend` (slower) adds a test of its own that expects VALUE == 1: merged, that test fails.
ScriptedModel ChangeAndExtend() {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("base", "Write util.py with VALUE = 1 and its test."),
                       PlanStep("change", "Make VALUE 2.", {"base"}),
                       PlanStep("extend", "Add a test of VALUE.", {"base"})});
  model.instructions["base"].turns = {
      WriteFile("util.py", "VALUE = 1\n"),
      WriteFile("test_util.py", PythonTest("util", "def test_value():\n    assert VALUE == 1\n")),
      StepComplete("util.py is written.")};
  model.instructions["change"].turns = {
      Tools({WriteFileUse("util.py", "VALUE = 2\n"),
             WriteFileUse("test_util.py",
                          PythonTest("util", "def test_value():\n    assert VALUE == 2\n"))}),
      StepComplete("VALUE is 2.")};
  const auto slow = std::chrono::milliseconds(1500);
  model.instructions["extend"].turns = {
      [=](const ModelRequest& request) {
        const std::string expected = request.Contains("fail them") ? "2" : "1";
        sim::SimReply reply =
            WriteFile("test_extra.py",
                      PythonTest("util", "def test_extra():\n    assert VALUE == " + expected +
                                             "\n"))(request);
        reply.delay = slow;
        return reply;
      },
      Slow(StepComplete("test_extra.py is written."), slow)};
  return model;
}

TEST(ParallelScenario, AMergedResultThatFailsTheChecksIsNeverCommittedAndRunsAgain) {
  ScenarioHarness harness("parallel-checks");
  harness.Serve(ChangeAndExtend());
  ProcessOutcome run = harness.Run({"--json", "--parallel", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_NE(ReadText(harness.out() / "test_extra.py").find("VALUE == 2"), std::string::npos);

  const std::vector<json> retried = EventsOfType(run, "merge_retried");
  ASSERT_EQ(retried.size(), 1u) << run.out;
  EXPECT_EQ(retried[0]["instruction"], "extend");
  EXPECT_EQ(retried[0]["reason"], "checks");
  EXPECT_NE(retried[0]["detail"].get<std::string>().find("test_extra"), std::string::npos)
      << retried[0].dump();
  // Main never held the failing combination: test_extra.py has one commit, the rerun's.
  ProcessOutcome log = RunL2mac({"files", harness.out().string(), "log", "test_extra.py"});
  ASSERT_EQ(log.exit_code, 0) << log.Describe();
  int commits = 0;
  for (const auto& line : Lines(log.out)) {
    if (line.rfind("author: instruction extend", 0) == 0) ++commits;
  }
  EXPECT_EQ(commits, 1) << log.out;
}

TEST(ParallelScenario, SigkillWithSeveralInstructionsInFlightResumesToTheSameFiles) {
  std::atomic<pid_t> child_pid{0};
  std::atomic<bool> fired{false};
  std::atomic<int> in_flight_seen{0};
  ScenarioHarness harness("parallel-kill");
  ScriptedModel model = FourChains(std::chrono::milliseconds(200));
  // Kill when a second-turn request arrives while at least three instructions have started:
  // several are in flight, some with a staged write.
  model.intercept = [&](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (fired || request.IsPlanner()) return std::nullopt;
    if (request.AssistantTurns() == 0) ++in_flight_seen;
    if (request.AssistantTurns() == 1 && in_flight_seen >= 3) {
      fired = true;
      for (int i = 0; i < 5000 && child_pid == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (child_pid > 0) ::kill(child_pid, SIGKILL);
    }
    return std::nullopt;
  };
  harness.Serve(std::move(model));
  auto started = StartL2mac(harness.RunArgs({"--parallel", "4"}), harness.Env());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  child_pid = (*started)->pid();
  ProcessOutcome killed = (*started)->Wait(kDefaultTimeout);
  ASSERT_TRUE(fired);
  ASSERT_EQ(killed.term_signal, SIGKILL) << killed.Describe();
  EXPECT_EQ(IntegrityCheck(harness.out()), "ok");
  int running = 0;
  for (const auto& [id, status] : InstructionStatuses(harness.out())) {
    if (status == "running") ++running;
  }
  EXPECT_GE(running, 2) << "the kill should find several instructions in flight";

  ProcessOutcome resumed = harness.Resume({"--json"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  EXPECT_EQ(ReadTree(harness.out()), FourChainsFiles());
  EXPECT_GE(MostAtOnce(Events(resumed)), 2) << "resume keeps the stored --parallel";
  EXPECT_EQ(IntegrityCheck(harness.out()), "ok");
}

TEST(ParallelScenario, AKeyedTranscriptReplaysAParallelRunWhateverTheInterleaving) {
  ScenarioHarness recorded("parallel-record");
  recorded.Serve(FourChains(std::chrono::milliseconds(100)));
  ASSERT_EQ(recorded.Run({"--parallel", "4"}).exit_code, 0);
  ProcessOutcome transcript = RunL2mac({"transcript", recorded.out().string()});
  ASSERT_EQ(transcript.exit_code, 0) << transcript.Describe();
  const std::filesystem::path file = recorded.root() / "transcript.jsonl";
  WriteText(file, transcript.out);

  // Replayed one at a time, and in lanes again: each call finds its response by its key.
  for (const char* parallel : {"1", "4"}) {
    ScenarioHarness replay(std::string("parallel-replay-") + parallel);
    ProcessOutcome run = replay.Run({"--replay", file.string(), "--parallel", parallel});
    ASSERT_EQ(run.exit_code, 0) << run.Describe();
    EXPECT_EQ(ReadTree(replay.out()), FourChainsFiles()) << "--parallel " << parallel;
  }
}

// Each worker request of a run by instruction and turn, with the run's own folder
// replaced by "ROOT" (two runs live in different folders).
std::map<std::string, std::string> RequestsByTurn(const ScenarioHarness& harness) {
  std::map<std::string, std::string> by_turn;
  for (const auto& body : harness.requests()) {
    ModelRequest request(body);
    if (request.IsPlanner()) continue;
    std::string text = body.dump();
    const std::string root = harness.root().string();
    for (size_t at = text.find(root); at != std::string::npos; at = text.find(root, at)) {
      text.replace(at, root.size(), "ROOT");
    }
    by_turn[request.InstructionId() + " turn " + std::to_string(request.AssistantTurns())] = text;
  }
  return by_turn;
}

// Where `a` and `b` first differ, with some text of each from there; "" when equal (a
// request is kilobytes long: the whole of it would bury the difference).
std::string FirstDifference(const std::string& a, const std::string& b) {
  if (a == b) return "";
  size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
  const size_t from = at > 80 ? at - 80 : 0;
  return "from character " + std::to_string(at) + ": \"" + a.substr(from, 240) + "\" vs \"" +
         b.substr(from, 240) + "\"";
}

// The authors of main's commits, oldest first.
std::vector<std::string> CommitAuthors(const ScenarioHarness& harness) {
  ProcessOutcome log = RunL2mac({"files", harness.out().string(), "log"});
  EXPECT_EQ(log.exit_code, 0) << log.Describe();
  std::vector<std::string> authors;
  for (const auto& line : Lines(log.out)) {
    if (line.rfind("author: ", 0) == 0) authors.insert(authors.begin(), line);
  }
  return authors;
}

TEST(ParallelScenario, WhichLaneIsFasterChangesNoRequestNorTheCommitsAndStrictReplayRepeatsIt) {
  using std::chrono::milliseconds;
  // Chain a answers slowly in one run and chain d in the other: without a fixed order,
  // the instructions that start later would see different commits (and summaries).
  ScenarioHarness slow_a("parallel-order-a");
  slow_a.Serve(FourChains(milliseconds(40), {{"a", milliseconds(500)}}));
  ProcessOutcome first = slow_a.Run({"--parallel", "3"});
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  ScenarioHarness slow_d("parallel-order-d");
  slow_d.Serve(FourChains(milliseconds(40), {{"d", milliseconds(500)}}));
  ProcessOutcome second = slow_d.Run({"--parallel", "3"});
  ASSERT_EQ(second.exit_code, 0) << second.Describe();

  const auto requests = RequestsByTurn(slow_a);
  const auto other_requests = RequestsByTurn(slow_d);
  ASSERT_EQ(requests.size(), 16u);
  ASSERT_EQ(other_requests.size(), 16u);
  for (const auto& [turn, body] : requests) {
    EXPECT_EQ(FirstDifference(body, other_requests.count(turn) ? other_requests.at(turn) : ""), "")
        << "the request of " << turn << " depends on which lane was faster";
  }
  const auto authors = CommitAuthors(slow_a);
  EXPECT_EQ(authors, CommitAuthors(slow_d));
  EXPECT_EQ(ReadTree(slow_a.out()), FourChainsFiles());

  // A strict replay (no latency at all, so another interleaving again) sends every
  // request as recorded and commits in the same order.
  ProcessOutcome transcript = RunL2mac({"transcript", slow_a.out().string()});
  ASSERT_EQ(transcript.exit_code, 0) << transcript.Describe();
  const std::filesystem::path file = slow_a.root() / "transcript.jsonl";
  WriteText(file, transcript.out);
  ScenarioHarness replay("parallel-order-replay");
  ProcessOutcome replayed =
      replay.Run({"--replay", file.string(), "--replay-strict", "--parallel", "3"});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.Describe();
  EXPECT_EQ(ReadTree(replay.out()), FourChainsFiles());
  EXPECT_EQ(CommitAuthors(replay), authors);
}

TEST(ParallelScenario, ATranscriptWithoutKeysIsRefusedForLanesBeforeAnythingIsWritten) {
  // The demo's transcript predates exchange keys: it can only be served in call order.
  ScenarioHarness harness("parallel-unkeyed");
  const std::filesystem::path demo = std::filesystem::path(kSourceDir) / "examples/url_shortener";
  ProcessOutcome run = RunL2mac(
      {"run", (demo / "spec.md").string(), "--out", harness.out().string(), "--replay",
       (demo / "transcript.jsonl").string(), "--context-window", "10500", "--parallel", "2"},
      harness.Env());
  EXPECT_NE(run.exit_code, 0) << run.Describe();
  EXPECT_NE(run.err.find("no exchange keys"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("replay it with --parallel 1"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out() / ".l2mac"));
}

TEST(ParallelScenario, ParallelOutsideItsRangeIsAUsageError) {
  ScenarioHarness harness("parallel-range");
  for (const char* bad : {"0", "17"}) {
    ProcessOutcome run = harness.Run({"--parallel", bad});
    EXPECT_EQ(run.exit_code, 2) << run.Describe();
    EXPECT_NE(run.err.find("--parallel"), std::string::npos) << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(harness.out() / ".l2mac"));
}

}  // namespace
}  // namespace l2mac::scenario
