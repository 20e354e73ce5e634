// The control unit's run loop, in process against the simulated model server: a supplied
// program skips planning; an instruction that keeps failing its checks fails alone (its
// dependents are skipped, its writes are rolled back, independent work still commits);
// a file the user edited in the output folder survives a resume.
#include <gtest/gtest.h>

#include "control_unit/workspace.hpp"

#include <atomic>
#include <filesystem>

#include "tests/scenarios/in_process_run.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

using control_unit::RunOutcome;

TEST(RunLoopTest, ASuppliedProgramSkipsPlanning) {
  InProcessRun run("cu-program", ThreeModules::Model());
  run.options().program =
      ProgramOf({PlanStep("1", "Write arith.py with add(a, b) and test_arith.py."),
                 PlanStep("2", "Write geometry.py with perimeter(w, h) using add.", {"1"})});

  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kCompleted);
  EXPECT_EQ(report->instructions, 2);
  EXPECT_EQ(report->committed, 2);
  EXPECT_EQ(report->model_calls, 6);
  EXPECT_EQ(report->files, 4);

  for (const auto& body : run.requests()) {
    EXPECT_FALSE(ModelRequest(body).IsPlanner()) << "planning should have been skipped";
  }
  EXPECT_EQ(run.requests().size(), 6u);
  EXPECT_EQ(QueryRunInt(run.out(), "SELECT COUNT(*) FROM exchanges WHERE purpose = 'plan'"), 0);
  EXPECT_EQ(QueryRun(run.out(), "SELECT text FROM instructions ORDER BY seq"),
            (std::vector<std::string>{"Write arith.py with add(a, b) and test_arith.py.",
                                      "Write geometry.py with perimeter(w, h) using add."}));
  auto files = ThreeModules::Files();
  EXPECT_EQ(ReadTree(run.out()),
            (std::map<std::string, std::string>{{"arith.py", files["arith.py"]},
                                                {"test_arith.py", files["test_arith.py"]},
                                                {"geometry.py", files["geometry.py"]},
                                                {"test_geometry.py", files["test_geometry.py"]}}));
}

TEST(RunLoopTest, AnInstructionThatKeepsFailingFailsAloneAndIsRolledBack) {
  auto files = ThreeModules::Files();
  ScriptedModel model = ThreeModules::Model();
  model.instructions["broken"].turns = {
      Tools({WriteFileUse("broken.py", "def value():\n    return 1\n"),
             WriteFileUse("test_broken.py",
                          PythonTest("broken", "def test_value():\n    assert value() == 2\n"))}),
      StepComplete("broken.py, first try."),
      StepComplete("broken.py, second try."),
      StepComplete("broken.py, a third try that must never be asked for."),
  };
  model.instructions["after_broken"].turns = {StepComplete("must never run")};
  InProcessRun run("cu-failing", std::move(model));
  run.options().program =
      ProgramOf({PlanStep("broken", "Write broken.py with value() and its test."),
                 PlanStep("after_broken", "Build on broken.py.", {"broken"}),
                 PlanStep("1", "Write arith.py with add(a, b) and test_arith.py.")});
  run.options().max_gate_failures = 2;

  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kIncomplete);
  EXPECT_EQ(report->instructions, 3);
  EXPECT_EQ(report->committed, 1);
  EXPECT_EQ(report->failed, 1);
  EXPECT_EQ(report->skipped, 1);
  EXPECT_EQ(report->gate_failures, 2);
  ASSERT_EQ(report->problems.size(), 2u);
  EXPECT_EQ(report->problems[0].id, "broken");
  EXPECT_EQ(report->problems[0].status, "failed");
  EXPECT_NE(report->problems[0].failure.find("after 2 attempts"), std::string::npos)
      << report->problems[0].failure;
  EXPECT_EQ(report->problems[1].id, "after_broken");
  EXPECT_EQ(report->problems[1].status, "skipped");

  EXPECT_EQ(InstructionStatuses(run.out()),
            (std::map<std::string, std::string>{
                {"broken", "failed"}, {"after_broken", "skipped"}, {"1", "committed"}}));
  EXPECT_EQ(QueryRunInt(run.out(), "SELECT attempts FROM instructions WHERE id = 'broken'"), 2);
  // Two failed gates, then the instruction stops: no third step_complete was asked for,
  // and the dependent instruction never reached the model.
  EXPECT_EQ(RequestsFor(run.requests(), "broken").size(), 3u);
  EXPECT_TRUE(RequestsFor(run.requests(), "after_broken").empty());

  // The failed instruction's writes are neither in the store nor on disk.
  EXPECT_EQ(QueryRun(run.out(), "SELECT path FROM head_files ORDER BY path"),
            (std::vector<std::string>{"arith.py", "test_arith.py"}));
  EXPECT_EQ(QueryRunInt(run.out(),
                        "SELECT COUNT(*) FROM commits WHERE id = (SELECT commit_id FROM refs"
                        " WHERE name = 'main') AND parent IS NULL"),
            1);
  EXPECT_EQ(ReadTree(run.out()), ThreeModules::FirstOnlyFiles());
  // Each refused attempt is kept on a branch of its own, never on main: "broken" ran
  // first, on an empty store, so its attempts' commits have no parent; each holds the
  // files the checks refused.
  EXPECT_EQ(QueryRun(run.out(), "SELECT name FROM refs ORDER BY name"),
            (std::vector<std::string>{"attempt/broken/1", "attempt/broken/2", "main"}));
  EXPECT_EQ(QueryRunInt(run.out(),
                        "SELECT COUNT(*) FROM commits c JOIN refs r ON"
                        " r.commit_id = c.id WHERE r.name LIKE 'attempt/%' AND"
                        " c.parent IS NULL"),
            2);
  EXPECT_EQ(QueryRunInt(run.out(),
                        "SELECT COUNT(*) FROM commit_changes cc JOIN refs r ON"
                        " r.commit_id = cc.commit_id WHERE r.name = 'attempt/broken/2'"
                        " AND cc.path IN ('broken.py', 'test_broken.py')"),
            2);
}

TEST(RunLoopTest, CallsAfterAnAcceptedStepCompleteAreNotExecuted) {
  auto files = ThreeModules::FirstOnlyFiles();
  ScriptedModel model = ThreeModules::FirstOnly();
  model.instructions["1"].turns = {
      Tools({WriteFileUse("arith.py", files["arith.py"]),
             WriteFileUse("test_arith.py", files["test_arith.py"]),
             ToolUse{"step_complete", {{"summary", "arith.py with add(a, b)."}}},
             WriteFileUse("late.py", "LATE = True\n")}),
  };
  InProcessRun run("cu-after-step-complete", std::move(model));
  run.options().program = ProgramOf({PlanStep("1", "Write arith.py and test_arith.py.")});

  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kCompleted);
  EXPECT_EQ(run.requests().size(), 1u);
  EXPECT_EQ(QueryRun(run.out(), "SELECT path FROM head_files ORDER BY path"),
            (std::vector<std::string>{"arith.py", "test_arith.py"}));
  EXPECT_EQ(ReadTree(run.out()), files);
  EXPECT_EQ(QueryRun(run.out(), "SELECT summary FROM instructions"),
            std::vector<std::string>{"arith.py with add(a, b)."});
}

TEST(RunLoopTest, ATextReplyIsNudgedAndARepeatedActionLoopFailsTheInstruction) {
  auto files = ThreeModules::FirstOnlyFiles();
  ScriptedModel model;
  model.instructions["talk"].turns = {
      Text("I will write the module now."),
      Tools({WriteFileUse("arith.py", files["arith.py"]),
             WriteFileUse("test_arith.py", files["test_arith.py"])}),
      StepComplete("arith.py with add(a, b)."),
  };
  model.instructions["loop"].turns = {
      Tool("list_files", json::object()), Tool("list_files", json::object()),
      Tool("list_files", json::object()), Tool("list_files", json::object()),
      StepComplete("never reached: the fourth identical call stops the instruction")};
  InProcessRun run("cu-nudge-loop", std::move(model));
  run.options().program = ProgramOf(
      {PlanStep("talk", "Write arith.py and test_arith.py."), PlanStep("loop", "Look around.")});

  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kIncomplete);
  EXPECT_EQ(InstructionStatuses(run.out()),
            (std::map<std::string, std::string>{{"talk", "committed"}, {"loop", "failed"}}));

  auto talk = RequestsFor(run.requests(), "talk");
  ASSERT_EQ(talk.size(), 3u);
  const json& nudge = talk[1].messages().back();
  EXPECT_EQ(ModelRequest::RoleOf(nudge), "user");
  EXPECT_EQ(ModelRequest::ContentOf(nudge).rfind("Please continue by calling the tools", 0), 0u)
      << nudge.dump();

  EXPECT_EQ(RequestsFor(run.requests(), "loop").size(), 4u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_NE(report->problems[0].failure.find("loop detected"), std::string::npos)
      << report->problems[0].failure;
  EXPECT_EQ(ReadTree(run.out()), files);
}

TEST(RunLoopTest, AFileTheUserEditedIsImportedOnResume) {
  std::atomic<bool> model_down{true};
  ScriptedModel model = ThreeModules::Model();
  // Instruction 2's requests fail until the "model comes back", stopping the first run.
  model.intercept = [&](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (model_down && request.InstructionId() == "2") {
      return sim::ErrorReply(400, "the model is down for this test");
    }
    return std::nullopt;
  };
  InProcessRun run("cu-user-edit", std::move(model));
  run.options().program =
      ProgramOf({PlanStep("1", "Write arith.py with add(a, b) and test_arith.py."),
                 PlanStep("2", "Write geometry.py with perimeter(w, h) using add.", {"1"})});

  auto stopped = run.Start();
  ASSERT_FALSE(stopped.ok()) << "the first run should stop at instruction 2";
  // The error ended the run: the instruction in flight is back to pending, not "running".
  EXPECT_EQ(InstructionStatuses(run.out()),
            (std::map<std::string, std::string>{{"1", "committed"}, {"2", "pending"}}));
  auto files = ThreeModules::Files();
  ASSERT_EQ(ReadText(run.out() / "arith.py"), files["arith.py"]);

  // The user changes a committed file between the runs.
  const std::string edited = "def add(a, b):\n    return a + b  # checked by hand\n";
  ASSERT_TRUE(WriteText(run.out() / "arith.py", edited));

  model_down = false;
  auto resumed = run.Resume();
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->outcome, RunOutcome::kCompleted);
  EXPECT_EQ(resumed->committed, 2);
  // The edit was imported into the store (so instructions build on it), not just kept.
  EXPECT_TRUE(resumed->kept_user_edits.empty());
  {
    auto workspace =
        control_unit::Workspace::Open(run.out(), control_unit::OpenMode::kReadOnlyView);
    ASSERT_TRUE(workspace.ok()) << workspace.status().ToString();
    auto head = (*workspace)->store().Head();
    ASSERT_TRUE(head.ok());
    auto stored = (*workspace)->store().Read(*head, "arith.py");
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ(**stored, edited);
    auto log = (*workspace)->store().Log(10);
    ASSERT_TRUE(log.ok());
    bool imported = false;
    for (const auto& commit : *log) imported = imported || commit.author == "user";
    EXPECT_TRUE(imported) << "no commit by the user in the store's log";
  }

  // Not overwritten; the resumed instruction's files are there too.
  EXPECT_EQ(ReadText(run.out() / "arith.py"), edited);
  EXPECT_EQ(ReadText(run.out() / "geometry.py"), files["geometry.py"]);
  EXPECT_EQ(ReadText(run.out() / "test_geometry.py"), files["test_geometry.py"]);
  // Instruction 1 was not redone.
  EXPECT_EQ(RequestsFor(run.requests(), "1").size(), 3u);
}

// The user decides about their own edits: a test the user changed between runs is no
// longer protected, so the next instruction's gate does not refuse the user's change.
TEST(RunLoopTest, ATestTheUserEditedIsNoLongerProtected) {
  std::atomic<bool> model_down{true};
  ScriptedModel model = ThreeModules::Model();
  model.intercept = [&](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (model_down && request.InstructionId() == "2") {
      return sim::ErrorReply(400, "the model is down for this test");
    }
    return std::nullopt;
  };
  InProcessRun run("cu-user-test-edit", std::move(model));
  run.options().program =
      ProgramOf({PlanStep("1", "Write arith.py with add(a, b) and test_arith.py."),
                 PlanStep("2", "Write geometry.py with perimeter(w, h) using add.", {"1"})});
  ASSERT_FALSE(run.Start().ok()) << "the first run should stop at instruction 2";
  EXPECT_EQ(QueryRun(run.out(), "SELECT test_id FROM protected_tests"),
            (std::vector<std::string>{"test_arith.py::test_add"}));

  const std::string skipped =
      PythonTest("arith",
                 "import pytest\n\n\n@pytest.mark.skip(reason='checked by hand')\n"
                 "def test_add():\n    assert add(2, 3) == 5\n");
  ASSERT_TRUE(WriteText(run.out() / "test_arith.py", skipped));

  model_down = false;
  auto resumed = run.Resume();
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->outcome, RunOutcome::kCompleted);
  EXPECT_EQ(resumed->gate_failures, 0);
  EXPECT_EQ(ReadText(run.out() / "test_arith.py"), skipped);
  EXPECT_EQ(QueryRun(run.out(), "SELECT test_id FROM protected_tests"),
            (std::vector<std::string>{"test_geometry.py::test_perimeter"}));
}

}  // namespace
}  // namespace l2mac::scenario
