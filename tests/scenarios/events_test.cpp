// The run's event stream, end to end with the real binary: every line `l2mac run --json`
// writes is an event documented in docs/events.schema.json; the stored history that
// `l2mac events` prints is the same stream without the text deltas, and a resume
// continues its sequence; `l2mac events --follow` follows a run in progress from another
// process and stops by itself when the run finishes.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/scenarios/json_schema_subset.hpp"
#include "tests/scenarios/run_state.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
    if (!parsed.is_discarded()) lines.push_back(std::move(parsed));
  }
  return lines;
}

std::vector<json> OfType(const std::vector<json>& events, const std::string& type) {
  std::vector<json> found;
  for (const auto& event : events) {
    if (event["type"] == type) found.push_back(event);
  }
  return found;
}

SchemaSubsetValidator EventSchema() {
  json schema = json::parse(ReadText(std::filesystem::path(kSourceDir) / "docs/events.schema.json"),
                            nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(schema.is_object()) << "docs/events.schema.json is not a JSON object";
  return SchemaSubsetValidator(schema);
}

void ExpectValid(const SchemaSubsetValidator& schema, const std::vector<json>& events) {
  for (const auto& event : events) {
    std::vector<std::string> errors = schema.Validate(event);
    std::string joined;
    for (const auto& error : errors) joined += error + "\n";
    EXPECT_TRUE(errors.empty()) << event.dump() << "\n" << joined;
  }
}

// A reply that says something before its tool call, so the stream carries text deltas.
Turn Say(std::string text, Turn then) {
  return [text = std::move(text), then = std::move(then)](const ModelRequest& request) {
    sim::SimReply reply = then(request);
    reply.response.message.content = text;
    return reply;
  };
}

// A valid Python module of about 1.6 KB (fills a 4000-token context in a few writes).
std::string BigModule(int k) {
  std::string text = "\"\"\"Table " + std::to_string(k) + ".\"\"\"\n\nTABLE = [\n";
  for (int i = 0; i < 40; ++i) {
    text += "    'entry-" + std::to_string(k) + "-" + std::to_string(i) + "-padding-padding',\n";
  }
  return text + "]\n";
}

// Three instructions that between them emit every kind of event a run without budgets
// emits: "tables" fills its context and restarts; "broken" fails its test twice and
// fails; "after" depends on it and is skipped.
ScriptedModel EveryKindOfStep() {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("tables", "Write the lookup tables big_*.py and a test."),
                       PlanStep("broken", "Write broken.py with value() and its test."),
                       PlanStep("after", "Build on broken.py.", {"broken"})});
  InstructionScript& tables = model.instructions["tables"];
  for (int k = 0; k < 8; ++k) {
    tables.turns.push_back(WriteFile("big_" + std::to_string(k) + ".py", BigModule(k)));
  }
  tables.turns.push_back(StepComplete("wrote the tables without a restart"));
  tables.summary = "I wrote the tables big_*.py; test_big.py remains.";
  tables.after_restart = {
      WriteFile("test_big.py",
                "from big_0 import TABLE\n\n\ndef test_table():\n    assert len(TABLE) == 40\n"),
      StepComplete("big_*.py tables and test_big.py.")};
  model.instructions["broken"].turns = {
      Say("I will write broken.py and its test first.",
          Tools({WriteFileUse("broken.py", "def value():\n    return 1\n"),
                 WriteFileUse(
                     "test_broken.py",
                     PythonTest("broken", "def test_value():\n    assert value() == 2\n"))})),
      StepComplete("broken.py, first try."),
      StepComplete("broken.py, second try."),
  };
  model.instructions["after"].turns = {StepComplete("must never run")};
  return model;
}

TEST(EventsScenario, EveryEventOfARunIsDocumentedAndTheStoredHistoryMatchesTheFeed) {
  ScenarioHarness harness("events-feed");
  harness.Serve(EveryKindOfStep());
  ProcessOutcome run = harness.Run({"--json", "--context-window", "4000", "--max-attempts", "2"});
  ASSERT_EQ(run.exit_code, 5) << run.Describe();
  // Progress lines stay on stderr.
  EXPECT_NE(run.err.find("instruction broken: failed"), std::string::npos) << run.err;

  std::vector<json> feed = JsonLines(run.out);
  ASSERT_FALSE(feed.empty());
  const SchemaSubsetValidator schema = EventSchema();
  ExpectValid(schema, feed);

  std::set<std::string> types;
  int64_t previous = 0;
  for (const auto& event : feed) {
    types.insert(event["type"].get<std::string>());
    EXPECT_GT(event["seq"].get<int64_t>(), previous) << event.dump();
    previous = event["seq"].get<int64_t>();
  }
  for (const char* type :
       {"run_started", "plan_started", "plan_ready", "instruction_started", "model_call_started",
        "model_call_finished", "text_delta", "tool_call", "context_restart", "check_started",
        "check_finished", "step_rejected", "failure_analyzed", "instruction_committed",
        "instruction_failed", "instruction_skipped", "run_finished"}) {
    EXPECT_TRUE(types.count(type)) << "no " << type << " event in:\n" << run.out.substr(0, 4000);
  }
  EXPECT_EQ(feed.front()["type"], "run_started");
  EXPECT_EQ(feed.back()["type"], "run_finished");
  EXPECT_EQ(feed.back()["outcome"], "incomplete");
  EXPECT_EQ(feed.back()["committed"], 1);
  EXPECT_EQ(feed.back()["failed"], 1);
  EXPECT_EQ(feed.back()["skipped"], 1);

  // The failing test is named with the first line of its assertion.
  bool named = false;
  for (const auto& event : OfType(feed, "check_finished")) {
    for (const auto& check : event["checks"]) {
      for (const auto& test : check["failing_tests"]) {
        EXPECT_EQ(event["instruction"], "broken");
        EXPECT_EQ(check["name"], "pytest");
        EXPECT_EQ(test["id"], "test_broken.py::test_value") << event.dump();
        EXPECT_NE(test["message"].get<std::string>().find("assert 1 == 2"), std::string::npos)
            << event.dump();
        named = true;
      }
    }
  }
  EXPECT_TRUE(named) << "no check_finished event names the failing test";
  EXPECT_EQ(OfType(feed, "instruction_skipped").at(0)["instruction"], "after");
  // Both refused step_complete calls are tool calls, the last one too.
  int refused = 0;
  for (const auto& call : OfType(feed, "tool_call")) {
    if (call["instruction"] == "broken" && call["name"] == "step_complete") {
      EXPECT_FALSE(call["ok"].get<bool>()) << call.dump();
      ++refused;
    }
  }
  EXPECT_EQ(refused, 2);
  EXPECT_EQ(OfType(feed, "step_rejected").size(), 2u);
  // The first refusal was analysed; the second ended the instruction, so it was not.
  ASSERT_EQ(OfType(feed, "failure_analyzed").size(), 1u);
  EXPECT_EQ(OfType(feed, "failure_analyzed")[0]["attempt"], 1);
  EXPECT_EQ(OfType(feed, "failure_analyzed")[0]["analysis"], kDefaultAnalysis);
  const auto restarts = OfType(feed, "context_restart");
  ASSERT_FALSE(restarts.empty());
  EXPECT_EQ(restarts[0]["instruction"], "tables");
  // The context filled up to the restart point before it restarted.
  double fullest = 0;
  for (const auto& call : OfType(feed, "model_call_started")) {
    if (call["instruction"] == "tables") {
      fullest = std::max(fullest, call["context_fill_pct"].get<double>());
    }
  }
  EXPECT_GT(fullest, 60.0);
  std::string streamed;
  for (const auto& delta : OfType(feed, "text_delta")) streamed += delta["text"];
  EXPECT_NE(streamed.find("I will write broken.py and its test first."), std::string::npos);

  // The stored history is the feed without its text deltas, event for event.
  ProcessOutcome stored = RunL2mac({"events", harness.out().string()});
  ASSERT_EQ(stored.exit_code, 0) << stored.Describe();
  std::vector<json> expected;
  for (const auto& event : feed) {
    if (event["type"] != "text_delta") expected.push_back(event);
  }
  EXPECT_EQ(JsonLines(stored.out), expected);

  // A resume continues the sequence; here it stops at once at a spent budget.
  ProcessOutcome resumed = harness.Resume({"--json", "--max-tokens", "1"});
  ASSERT_EQ(resumed.exit_code, 5) << resumed.Describe();
  std::vector<json> second = JsonLines(resumed.out);
  ExpectValid(schema, second);
  ASSERT_EQ(second.size(), 3u) << resumed.out;
  EXPECT_EQ(second[0]["type"], "run_resumed");
  EXPECT_EQ(second[0]["retried"], 2);
  EXPECT_EQ(second[0]["seq"], previous + 1);
  EXPECT_EQ(second[1]["type"], "budget_reached");
  EXPECT_EQ(second[1]["budget"], "max_tokens");
  EXPECT_EQ(second[2]["type"], "run_finished");
  EXPECT_EQ(second[2]["outcome"], "budget_reached");
  ProcessOutcome history = RunL2mac({"events", harness.out().string()});
  ASSERT_EQ(history.exit_code, 0) << history.Describe();
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(JsonLines(history.out), expected);
}

TEST(EventsScenario, AServerErrorIsARetryEventWithoutTheKeyAndNotALogLine) {
  ScenarioHarness harness("events-retry");
  ScriptedModel model = ThreeModules::FirstOnly();
  // The first worker call (request 1; request 0 plans) fails once with HTTP 500.
  model.intercept = [](const ModelRequest&, size_t index) -> std::optional<sim::SimReply> {
    if (index == 1) return sim::ErrorReply(500, "the server fell over", {{"Retry-After", "0"}});
    return std::nullopt;
  };
  harness.Serve(std::move(model));
  const std::string key = "sk-test-RETRYSECRET42";
  ChildEnv env;
  env.set["OPENAI_API_KEY"] = key;
  ProcessOutcome run = harness.Run({"--json", "--max-retries", "3"}, env);
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  std::vector<json> feed = JsonLines(run.out);
  const SchemaSubsetValidator schema = EventSchema();
  ExpectValid(schema, feed);
  const std::vector<json> retries = OfType(feed, "model_call_retried");
  ASSERT_EQ(retries.size(), 1u) << run.out.substr(0, 4000);
  const json& retry = retries[0];
  EXPECT_EQ(retry["instruction"], "1");
  EXPECT_EQ(retry["purpose"], "work");
  EXPECT_EQ(retry["attempt"], 2);
  EXPECT_EQ(retry["max_attempts"], 4);
  EXPECT_EQ(retry["delay_ms"], 0);
  EXPECT_NE(retry["reason"].get<std::string>().find("HTTP 500 from " + harness.base_url()),
            std::string::npos)
      << retry.dump();
  EXPECT_EQ(run.out.find(key), std::string::npos);
  EXPECT_EQ(run.err.find(key), std::string::npos);

  // The stored history holds it too.
  ProcessOutcome stored = RunL2mac({"events", harness.out().string()});
  ASSERT_EQ(stored.exit_code, 0) << stored.Describe();
  std::vector<json> history = JsonLines(stored.out);
  ExpectValid(schema, history);
  ASSERT_EQ(OfType(history, "model_call_retried").size(), 1u) << stored.out;
  EXPECT_EQ(OfType(history, "model_call_retried")[0], retry);

  // The progress line comes from the event, once: the provider itself logs nothing.
  const std::string line = "instruction 1: HTTP 500 from ";
  const size_t first = run.err.find(line);
  ASSERT_NE(first, std::string::npos) << run.err;
  EXPECT_NE(run.err.find("retrying in 0.0s (attempt 2 of 4)", first), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("HTTP 500 from ", first + line.size()), std::string::npos)
      << "logged twice:\n"
      << run.err;
}

TEST(EventsScenario, FollowPrintsARunInProgressAndStopsWhenItFinishes) {
  ScenarioHarness harness("events-follow");
  ScriptedModel model = ThreeModules::Model();
  // Slow enough that the follower starts while the run is in progress.
  auto slow = [](Turn turn) {
    return [turn = std::move(turn)](const ModelRequest& request) {
      sim::SimReply reply = turn(request);
      reply.delay = std::chrono::milliseconds(150);
      return reply;
    };
  };
  for (auto& [id, script] : model.instructions) {
    for (Turn& turn : script.turns) turn = slow(turn);
  }
  harness.Serve(std::move(model));
  auto run = StartL2mac(harness.RunArgs(), harness.Env());
  ASSERT_TRUE(run.ok()) << run.status().ToString();

  // Wait for the run to store its first events.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto db = OpenStateDb(harness.out());
    if (db.ok()) {
      auto count = QueryInt(**db, "SELECT COUNT(*) FROM events");
      if (count.ok() && *count > 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(QueryRun(harness.out(), "SELECT value FROM run_meta WHERE key = 'state'"),
            std::vector<std::string>{"running"})
      << "the run ended before the follower started: slow the model down";
  ProcessOutcome follow = RunL2mac({"events", harness.out().string(), "--follow"});
  ProcessOutcome finished = (*run)->Wait(kDefaultTimeout);
  ASSERT_EQ(finished.exit_code, 0) << finished.Describe();
  ASSERT_EQ(follow.exit_code, 0) << follow.Describe();
  EXPECT_FALSE(follow.timed_out);

  std::vector<json> followed = JsonLines(follow.out);
  ASSERT_FALSE(followed.empty());
  EXPECT_EQ(followed.back()["type"], "run_finished") << follow.out;
  EXPECT_EQ(followed.back()["outcome"], "completed");
  // It started while the run was in progress, and saw what the database holds at the end.
  EXPECT_EQ(OfType(followed, "instruction_committed").size(), 3u);
  ProcessOutcome stored = RunL2mac({"events", harness.out().string()});
  EXPECT_EQ(JsonLines(stored.out), followed);
}

}  // namespace
}  // namespace l2mac::scenario
