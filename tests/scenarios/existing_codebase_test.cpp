// Work on an existing codebase, end to end: the real binary, the simulated model, real
// pytest. `l2mac run --task ... --out DIR` on a small Python repository with its own tests
// imports it as the base commit (honouring .gitignore), shows the planner its repo map,
// protects the tests that pass and reports those that already failed; and a finished
// run's folder takes a second task, appended to the same store and registry.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "tests/scenarios/scenario_harness.hpp"
#include "tests/sim/closed_port.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kCalc =
    "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n";
constexpr const char* kMul = "\n\ndef mul(a, b):\n    return a * b\n";
constexpr const char* kCalcTests =
    "from calc import add, sub\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_sub():\n    assert sub(5, 3) == 2\n";
constexpr const char* kReport =
    "from calc import add\n\n\ndef total(values):\n    result = 0\n    for value in values:\n"
    "        result = add(result, value)\n    return result\n";
constexpr const char* kMulTest =
    "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n";

// The repository the user already has: code, its tests, a .gitignore'd log, a binary file.
void WriteRepository(const std::filesystem::path& dir, const std::string& tests = kCalcTests) {
  ASSERT_TRUE(WriteText(dir / "calc.py", kCalc));
  ASSERT_TRUE(WriteText(dir / "test_calc.py", tests));
  ASSERT_TRUE(WriteText(dir / "report.py", kReport));
  ASSERT_TRUE(WriteText(dir / ".gitignore", "*.log\n"));
  ASSERT_TRUE(WriteText(dir / "debug.log", "secret-ish log line\n"));
  ASSERT_TRUE(WriteText(dir / "logo.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)));
}

std::vector<std::string> ToolNames(const ModelRequest& request) {
  std::vector<std::string> names;
  for (const auto& tool : request.body().value("tools", json::array())) {
    names.push_back(tool["function"].value("name", ""));
  }
  return names;
}

std::optional<ModelRequest> FirstPlannerRequest(const std::vector<json>& requests,
                                                const std::string& containing = "") {
  for (const auto& body : requests) {
    ModelRequest request(body);
    if (request.IsPlanner() && request.Contains(containing)) return request;
  }
  return std::nullopt;
}

std::vector<std::string> RunTaskArgs(const ScenarioHarness& harness, const std::string& task) {
  return {"run", "--task", task, "--out", harness.out().string(), "--base-url", harness.base_url()};
}

TEST(ExistingCodebaseScenario, ANewFeatureWhoseTestFailsFirstIsAddedAndTheOldTestsKeepPassing) {
  ScenarioHarness harness("existing-feature");
  WriteRepository(harness.out());
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Add mul(a, b) to calc.py, tested in test_mul.py.")});
  model.instructions["1"].turns = {
      // The new test first: it fails, since mul does not exist yet.
      WriteFile("test_mul.py", kMulTest),
      Tool("run_tests", {{"paths", json::array({"test_mul.py"})}}),
      EditFile("calc.py", "    return a - b\n", std::string("    return a - b\n") + kMul),
      StepComplete("calc.py has mul(a, b), tested in test_mul.py."),
  };
  harness.Serve(std::move(model));

  ProcessOutcome run =
      RunL2mac(RunTaskArgs(harness, "Add mul(a, b) to the calculator."), harness.Env());
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_NE(run.err.find("imported the 5 existing files"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("pre-existing test failures"), std::string::npos) << run.err;

  // The planner saw the repo map (calc.py first: the other files use it), and got the
  // precise read tools; the ignored log is not in it.
  auto planner = FirstPlannerRequest(harness.requests());
  ASSERT_TRUE(planner.has_value());
  EXPECT_FALSE(planner->Contains("(no files yet)"));
  EXPECT_TRUE(planner->Contains("Repository map: the 5 files of the existing codebase"));
  EXPECT_TRUE(
      planner->Contains("calc.py (6 lines, used by 2 other files)\n  1: function add\n"
                        "  5: function sub\n"));
  EXPECT_TRUE(planner->Contains("logo.png (binary, 16 bytes; not shown)"));
  EXPECT_FALSE(planner->Contains("debug.log"));
  const std::string map = ModelRequest::ContentOf(planner->messages()[1]);
  EXPECT_LT(map.find("calc.py ("), map.find("report.py (")) << map;
  const auto tools = ToolNames(*planner);
  EXPECT_NE(std::find(tools.begin(), tools.end(), "outline_file"), tools.end());
  EXPECT_NE(std::find(tools.begin(), tools.end(), "search_files"), tools.end());

  // The new test failed before the feature and passes after it.
  auto requests = RequestsFor(harness.requests(), "1");
  ASSERT_EQ(requests.size(), 4u);
  auto before = requests[2].LastToolResult();
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->value("passed", true), false) << before->dump(2);
  EXPECT_NE(before->value("failures", "").find("test_mul"), std::string::npos) << before->dump(2);

  // The base commit is the user's, without the ignored file; the feature is on top.
  EXPECT_EQ(QueryRun(harness.out(), "SELECT author || ': ' || message FROM commits ORDER BY id"),
            (std::vector<std::string>{
                "user: import the existing files of the output folder",
                "instruction 1: instruction 1: calc.py has mul(a, b), tested in test_mul.py."}));
  EXPECT_EQ(QueryRun(harness.out(), "SELECT path FROM head_files ORDER BY path"),
            (std::vector<std::string>{".gitignore", "calc.py", "logo.png", "report.py",
                                      "test_calc.py", "test_mul.py"}));
  EXPECT_EQ(ReadText(harness.out() / "calc.py"), std::string(kCalc) + kMul);
  EXPECT_EQ(ReadText(harness.out() / "test_calc.py"), kCalcTests);
  EXPECT_EQ(ReadText(harness.out() / "debug.log"), "secret-ish log line\n");
  // The old tests and the new one are protected; nothing failed before.
  EXPECT_EQ(QueryRun(harness.out(), "SELECT test_id FROM protected_tests ORDER BY test_id"),
            (std::vector<std::string>{"test_calc.py::test_add", "test_calc.py::test_sub",
                                      "test_mul.py::test_mul"}));
  EXPECT_EQ(QueryRunInt(harness.out(), "SELECT COUNT(*) FROM preexisting_failures"), 0);
}

TEST(ExistingCodebaseScenario, AnOldTestTheInstructionBreaksIsRefused) {
  ScenarioHarness harness("existing-protected");
  WriteRepository(harness.out());
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Add mul(a, b) to calc.py, tested in test_mul.py.")});
  model.instructions["1"].turns = {
      // sub broken by mistake: the existing test_sub fails.
      Tools({WriteFileUse("calc.py",
                          "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n"
                          "    return a + b\n" +
                              std::string(kMul)),
             WriteFileUse("test_mul.py", kMulTest)}),
      StepComplete("calc.py has mul."),
      WriteFile("calc.py", std::string(kCalc) + kMul),
      StepComplete("calc.py has mul, and sub again."),
  };
  harness.Serve(std::move(model));

  ProcessOutcome run = RunL2mac(RunTaskArgs(harness, "Add mul(a, b)."), harness.Env());
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  auto requests = RequestsFor(harness.requests(), "1");
  ASSERT_EQ(requests.size(), 4u);
  auto refused = requests[2].LastToolResult();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->value("ok", true), false) << refused->dump(2);
  EXPECT_NE(refused->value("failures", "").find("test_sub"), std::string::npos) << refused->dump(2);
  EXPECT_EQ(StatusOf(StatusJson(harness.out()), "1")["attempts"], 1);
  EXPECT_EQ(ReadText(harness.out() / "calc.py"), std::string(kCalc) + kMul);
}

TEST(ExistingCodebaseScenario, ATestThatAlreadyFailedIsReportedAndNotHeldAgainstTheRun) {
  ScenarioHarness harness("existing-failing");
  // test_div already fails: div is not written yet.
  WriteRepository(harness.out(), std::string(kCalcTests) +
                                     "\n\ndef test_div():\n    from calc import div\n"
                                     "    assert div(6, 3) == 2\n");
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Add mul(a, b) to calc.py, tested in test_mul.py.")});
  model.instructions["1"].turns = {
      Tools({WriteFileUse("calc.py", std::string(kCalc) + kMul),
             WriteFileUse("test_mul.py", kMulTest)}),
      StepComplete("calc.py has mul(a, b)."),
  };
  harness.Serve(std::move(model));

  ProcessOutcome run = RunL2mac(RunTaskArgs(harness, "Add mul(a, b)."), harness.Env());
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  // Committed at the first step_complete: the old failure is not the instruction's.
  nlohmann::json first = StatusOf(StatusJson(harness.out()), "1");
  EXPECT_EQ(first["status"], "committed") << first.dump();
  EXPECT_EQ(first["attempts"], 0) << first.dump();
  auto requests = RequestsFor(harness.requests(), "1");
  ASSERT_EQ(requests.size(), 2u);
  auto verdict = requests[1].LastToolResult();
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->value("ok", false), true) << verdict->dump(2);

  EXPECT_NE(run.err.find("1 test already failed before this run and will not be held against "
                         "it (pre-existing failures): test_calc.py::test_div"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("pre-existing test failures (they already failed before this run, "
                         "which is not blamed for them): test_calc.py::test_div"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(QueryRun(harness.out(), "SELECT test_id FROM preexisting_failures"),
            std::vector<std::string>{"test_calc.py::test_div"});
  // `l2mac status` says so too.
  EXPECT_EQ(StatusJson(harness.out())["preexisting_failures"],
            json::array({"test_calc.py::test_div"}));
  ProcessOutcome status = RunL2mac({"status", harness.out().string()});
  EXPECT_NE(status.out.find("Pre-existing test failures (they failed before the run; not held "
                            "against it): test_calc.py::test_div\n"),
            std::string::npos)
      << status.out;
  EXPECT_EQ(QueryRun(harness.out(), "SELECT test_id FROM protected_tests ORDER BY test_id"),
            (std::vector<std::string>{"test_calc.py::test_add", "test_calc.py::test_sub",
                                      "test_mul.py::test_mul"}));
}

TEST(ExistingCodebaseScenario, ARunWhosePlanningFailedIsStartedOverWithTheCodeImportedAgain) {
  ScenarioHarness harness("existing-wrong-url");
  WriteRepository(harness.out());
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Add mul(a, b) to calc.py, tested in test_mul.py.")});
  model.instructions["1"].turns = {
      Tools({WriteFileUse("calc.py", std::string(kCalc) + kMul),
             WriteFileUse("test_mul.py", kMulTest)}),
      StepComplete("calc.py has mul(a, b)."),
  };
  harness.Serve(std::move(model));
  sim::ClosedPort closed;
  ASSERT_NE(closed.port(), 0);
  const std::string wrong_url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/v1";

  // The import is the user's commit: nothing of l2mac's work was recorded.
  ProcessOutcome failed =
      RunL2mac({"run", "--task", "Add mul(a, b).", "--out", harness.out().string(), "--base-url",
                wrong_url, "--max-retries", "0"},
               harness.Env());
  EXPECT_EQ(failed.exit_code, 4) << failed.Describe();
  EXPECT_NE(failed.err.find("nothing was recorded in " + harness.out().string() +
                            " yet: correct the command and run it again (it starts over)"),
            std::string::npos)
      << failed.err;

  ProcessOutcome rerun = RunL2mac(RunTaskArgs(harness, "Add mul(a, b)."), harness.Env());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.Describe();
  EXPECT_NE(rerun.err.find("starting it over"), std::string::npos) << rerun.err;
  EXPECT_EQ(QueryRun(harness.out(), "SELECT author FROM commits ORDER BY id"),
            (std::vector<std::string>{"user", "instruction 1"}));
  EXPECT_EQ(ReadText(harness.out() / "calc.py"), std::string(kCalc) + kMul);
  EXPECT_EQ(ReadText(harness.out() / "debug.log"), "secret-ish log line\n");
}

TEST(ExistingCodebaseScenario, AFinishedRunTakesASecondTask) {
  ScenarioHarness harness("second-task");
  ScriptedModel model = ThreeModules::FirstOnly();
  const json second_plan =
      PlanOf({PlanStep("1", "Add sub(a, b) to arith.py, tested in test_sub.py.")});
  // The second task's planner gets its own plan.
  model.intercept = PlanWhenTaskSays("Also subtract", second_plan);
  model.instructions["t2-1"].turns = {
      Tools({WriteFileUse("arith.py", ThreeModules::Files()["arith.py"] +
                                          "\n\ndef sub(a, b):\n    return a - b\n"),
             WriteFileUse("test_sub.py",
                          PythonTest("arith", "def test_sub():\n    assert sub(5, 3) == 2\n"))}),
      StepComplete("arith.py has sub(a, b)."),
  };
  model.instructions["t3-1"].turns = {
      EditFile("arith.py", "    return a - b\n",
               "    return a - b\n\n\ndef neg(a):\n    return -a\n"),
      StepComplete("arith.py has neg(a)."),
  };
  harness.Serve(std::move(model));
  ProcessOutcome first = harness.Run();
  ASSERT_EQ(first.exit_code, 0) << first.Describe();

  ProcessOutcome second =
      RunL2mac(RunTaskArgs(harness, "Also subtract: add sub(a, b)."), harness.Env());
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  EXPECT_NE(second.err.find("has finished: continuing it with the new task"), std::string::npos)
      << second.err;

  // The planner of the second task saw what the first one built.
  auto planner = FirstPlannerRequest(harness.requests(), "Also subtract");
  ASSERT_TRUE(planner.has_value());
  EXPECT_TRUE(planner->Contains("arith.py (2 lines, used by 1 other file)\n  1: function add\n"));

  // One registry, one store: the second program appended to the first.
  nlohmann::json status = StatusJson(harness.out());
  EXPECT_EQ(StatusOf(status, "1")["status"], "committed") << status.dump();
  EXPECT_EQ(StatusOf(status, "t2-1")["status"], "committed") << status.dump();
  EXPECT_EQ(QueryRun(harness.out(), "SELECT id FROM instructions ORDER BY seq"),
            (std::vector<std::string>{"1", "t2-1"}));
  EXPECT_EQ(QueryRunInt(harness.out(), "SELECT COUNT(*) FROM commits"), 2);
  EXPECT_NE(ReadText(harness.out() / "arith.py").find("def sub"), std::string::npos);
  EXPECT_EQ(QueryRun(harness.out(), "SELECT test_id FROM protected_tests ORDER BY test_id"),
            (std::vector<std::string>{"test_arith.py::test_add", "test_sub.py::test_sub"}));
  // `resume` after it has nothing left to do.
  ProcessOutcome resumed = harness.Resume();
  EXPECT_EQ(resumed.exit_code, 0) << resumed.Describe();

  // A third task with its own --program: appended as t3-..., with no planning.
  const auto before_third = harness.requests();
  const size_t planners = static_cast<size_t>(
      std::count_if(before_third.begin(), before_third.end(),
                    [](const json& body) { return ModelRequest(body).IsPlanner(); }));
  const auto program = harness.root() / "third.json";
  ASSERT_TRUE(WriteText(program, PlanOf({PlanStep("1", "Add neg(a) to arith.py.")}).dump()));
  std::vector<std::string> third = RunTaskArgs(harness, "Also negate.");
  third.insert(third.end(), {"--program", program.string(), "--json"});
  ProcessOutcome third_run = RunL2mac(third, harness.Env());
  ASSERT_EQ(third_run.exit_code, 0) << third_run.Describe();
  EXPECT_EQ(QueryRun(harness.out(), "SELECT id || ' ' || status FROM instructions ORDER BY seq"),
            (std::vector<std::string>{"1 committed", "t2-1 committed", "t3-1 committed"}));
  const auto requests = harness.requests();
  EXPECT_EQ(static_cast<size_t>(
                std::count_if(requests.begin(), requests.end(),
                              [](const json& body) { return ModelRequest(body).IsPlanner(); })),
            planners);
  // Its plan_ready event names its own instructions only.
  bool plan_ready = false;
  for (const auto& event : ParseJsonLines(third_run.out)) {
    if (event.value("type", "") != "plan_ready") continue;
    plan_ready = true;
    ASSERT_EQ(event["instructions"].size(), 1u) << event.dump();
    EXPECT_EQ(event["instructions"][0]["id"], "t3-1") << event.dump();
  }
  EXPECT_TRUE(plan_ready) << third_run.out;
}

// The README's first command builds the URL shortener from its spec (here: the shipped
// transcript replayed, as scripts/demo.sh does offline); a new task then adds a feature to
// that output folder, planned over the demo's files, and every earlier test keeps passing.
TEST(ExistingCodebaseScenario, TheDemosOutputTakesANewFeatureAndKeepsItsTests) {
  ScenarioHarness harness("extend-demo");
  const std::filesystem::path example =
      std::filesystem::path(kSourceDir) / "examples" / "url_shortener";
  ProcessOutcome demo =
      RunL2mac({"run", (example / "spec.md").string(), "--out", harness.out().string(), "--replay",
                (example / "transcript.jsonl").string(), "--context-window", "10500", "--no-judge"},
               harness.Env());
  ASSERT_EQ(demo.exit_code, 0) << demo.Describe();
  const auto demo_files = ReadTree(harness.out());
  ASSERT_TRUE(demo_files.count("shortener/codes.py")) << testing::PrintToString(Paths(demo_files));
  const auto demo_tests = QueryRun(harness.out(), "SELECT test_id FROM protected_tests");
  ASSERT_FALSE(demo_tests.empty());

  const std::string stats =
      "\"\"\"How long short codes get.\"\"\"\n\nfrom shortener.codes import encode\n\n\n"
      "def code_length(number: int) -> int:\n"
      "    \"\"\"The length of the short code of `number`.\"\"\"\n"
      "    return len(encode(number))\n";
  const std::string test_stats =
      "from shortener.stats import code_length\n\n\ndef test_code_length_grows_at_62():\n"
      "    assert code_length(61) == 1\n    assert code_length(62) == 2\n";
  ScriptedModel model;
  model.intercept = PlanWhenTaskSays(
      "code_length", PlanOf({PlanStep("1",
                                      "Add shortener/stats.py with code_length(number), "
                                      "tested in tests/test_stats.py.")}));
  model.instructions["t2-1"].turns = {
      Tools({WriteFileUse("shortener/stats.py", stats),
             WriteFileUse("tests/test_stats.py", test_stats)}),
      StepComplete("shortener/stats.py has code_length(number)."),
  };
  harness.Serve(std::move(model));
  ProcessOutcome extend = RunL2mac(
      RunTaskArgs(harness, "Add code_length(number): how long the short code of a number is."),
      harness.Env());
  ASSERT_EQ(extend.exit_code, 0) << extend.Describe();
  EXPECT_NE(extend.err.find("has finished: continuing it with the new task"), std::string::npos)
      << extend.err;

  // The planner saw the demo's code in the repo map.
  auto planner = FirstPlannerRequest(harness.requests(), "code_length");
  ASSERT_TRUE(planner.has_value());
  EXPECT_TRUE(planner->Contains("shortener/codes.py")) << planner->body().dump().substr(0, 2000);
  EXPECT_TRUE(planner->Contains("function encode"));

  // The demo's files are untouched, the feature is added, and the demo's tests are still
  // protected beside the new one (its gate ran them all).
  auto files = ReadTree(harness.out());
  EXPECT_EQ(files["shortener/stats.py"], stats);
  for (const auto& [path, content] : demo_files) {
    EXPECT_EQ(files[path], content) << path;
  }
  auto protected_now = QueryRun(harness.out(), "SELECT test_id FROM protected_tests");
  for (const auto& test : demo_tests) {
    EXPECT_NE(std::find(protected_now.begin(), protected_now.end(), test), protected_now.end())
        << test;
  }
  EXPECT_NE(std::find(protected_now.begin(), protected_now.end(),
                      "tests/test_stats.py::test_code_length_grows_at_62"),
            protected_now.end())
      << testing::PrintToString(protected_now);
  nlohmann::json status = StatusJson(harness.out());
  EXPECT_EQ(StatusOf(status, "t2-1")["status"], "committed") << status.dump();
}

TEST(ExistingCodebaseScenario, ASecondTaskKilledWhilePlanningIsPlannedOnResume) {
  ScenarioHarness harness("second-task-killed");
  ScriptedModel model = ThreeModules::FirstOnly();
  const json second_plan =
      PlanOf({PlanStep("1", "Add sub(a, b) to arith.py, tested in test_sub.py.")});
  std::atomic<pid_t> child_pid{0};
  std::atomic<bool> killed_once{false};
  model.intercept = [&](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (!request.IsPlanner() || !request.Contains("Also subtract")) return std::nullopt;
    if (!killed_once.exchange(true)) {
      for (int i = 0; i < 5000 && child_pid == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (child_pid > 0) ::kill(child_pid, SIGKILL);  // dead before this request is answered
    }
    return sim::ToolCallsReply(
        {llm::ToolCall{CallIdFor(request, 0), "submit_plan", second_plan.dump()}});
  };
  model.instructions["t2-1"].turns = {
      Tools({WriteFileUse("arith.py", ThreeModules::Files()["arith.py"] +
                                          "\n\ndef sub(a, b):\n    return a - b\n"),
             WriteFileUse("test_sub.py",
                          PythonTest("arith", "def test_sub():\n    assert sub(5, 3) == 2\n"))}),
      StepComplete("arith.py has sub(a, b)."),
  };
  harness.Serve(std::move(model));
  ASSERT_EQ(harness.Run().exit_code, 0);

  auto started = StartL2mac(RunTaskArgs(harness, "Also subtract: add sub(a, b)."), harness.Env());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  child_pid = (*started)->pid();
  ProcessOutcome killed = (*started)->Wait(kDefaultTimeout);
  ASSERT_EQ(killed.term_signal, SIGKILL) << killed.Describe();
  // The task is stored, its program not yet.
  EXPECT_EQ(QueryRun(harness.out(), "SELECT id FROM instructions ORDER BY seq"),
            std::vector<std::string>{"1"});

  ProcessOutcome resumed = harness.Resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  EXPECT_EQ(QueryRun(harness.out(), "SELECT id || ' ' || status FROM instructions ORDER BY seq"),
            (std::vector<std::string>{"1 committed", "t2-1 committed"}));
  EXPECT_NE(ReadText(harness.out() / "arith.py").find("def sub"), std::string::npos);
}

TEST(ExistingCodebaseScenario, ARunThatDidNotFinishStillGetsTheAdviceToResume) {
  ScenarioHarness harness("unfinished-task");
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome first = harness.Run({"--max-turns", "1"});
  ASSERT_EQ(first.exit_code, 5) << first.Describe();
  const size_t requests = harness.server().request_count();
  ProcessOutcome second = RunL2mac(RunTaskArgs(harness, "Something else."), harness.Env());
  EXPECT_EQ(second.exit_code, 6) << second.Describe();
  EXPECT_NE(second.err.find("already holds an l2mac run that has not finished: continue it "
                            "with `l2mac resume"),
            std::string::npos)
      << second.err;
  EXPECT_EQ(harness.server().request_count(), requests);
}

}  // namespace
}  // namespace l2mac::scenario
