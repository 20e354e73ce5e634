// The run-status model (control_unit/run_status.hpp) on real runs against the simulated
// model server: the counts agree with the run's own report, and each failing
// instruction's refused attempts are read back from the events table with the failing
// tests, their assertion lines and the branches that keep the files the checks saw.
#include "control_unit/run_status.hpp"

#include <gtest/gtest.h>

#include <set>

#include "control_unit/workspace.hpp"
#include "core/sqlite.hpp"
#include "filestore/file_store.hpp"
#include "tests/scenarios/in_process_run.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

using control_unit::OpenMode;
using control_unit::ReadRunStatus;
using control_unit::RunStatus;
using control_unit::RunStatusLimits;
using control_unit::Workspace;

// "broken" writes a module whose test fails and calls step_complete until it runs out of
// attempts; "after_broken" depends on it; "1" is independent and commits.
ScriptedModel BrokenModel() {
  ScriptedModel model = ThreeModules::Model();
  model.instructions["broken"].turns = {
      Tools({WriteFileUse("broken.py", "def value():\n    return 1\n"),
             WriteFileUse("test_broken.py",
                          PythonTest("broken", "def test_value():\n    assert value() == 2\n"))}),
      StepComplete("broken.py, first try."),
      EditFile("broken.py", "return 1", "return 3"),
      StepComplete("broken.py, second try."),
  };
  model.instructions["after_broken"].turns = {StepComplete("must never run")};
  return model;
}

Result<RunStatus> ReadStatus(const std::filesystem::path& out, const RunStatusLimits& limits) {
  L2MAC_ASSIGN_OR_RETURN(auto workspace, Workspace::Open(out, OpenMode::kReadOnlyView));
  return ReadRunStatus(*workspace, limits);
}

const control_unit::InstructionState* Find(const RunStatus& status, const std::string& id) {
  for (const auto& state : status.instructions) {
    if (state.record.instruction.id == id) return &state;
  }
  return nullptr;
}

class RunStatusTest : public testing::Test {
 protected:
  void RunBroken(const std::string& name) {
    run_ = std::make_unique<InProcessRun>(name, BrokenModel());
    run_->options().program =
        ProgramOf({PlanStep("broken", "Write broken.py with value() and its test."),
                   PlanStep("after_broken", "Build on broken.py.", {"broken"}),
                   PlanStep("1", "Write arith.py with add(a, b) and test_arith.py.")});
    run_->options().max_gate_failures = 2;
    auto report = run_->Start();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    report_ = *report;
  }
  std::unique_ptr<InProcessRun> run_;
  control_unit::RunReport report_;
};

TEST_F(RunStatusTest, EachRefusedAttemptIsListedWithItsFailingTestAndItsBranch) {
  RunBroken("status-attempts");
  auto status = ReadStatus(run_->out(), {});
  ASSERT_TRUE(status.ok()) << status.status().ToString();

  EXPECT_EQ(status->state, "finished");
  EXPECT_FALSE(status->busy);
  EXPECT_TRUE(status->has_events);
  EXPECT_EQ(status->committed, 1);
  EXPECT_EQ(status->failed, 1);
  EXPECT_EQ(status->skipped, 1);
  EXPECT_EQ(status->pending, 0);
  EXPECT_EQ(status->gate_failures, 2);
  EXPECT_EQ(status->limits.max_attempts, 2);

  const auto* broken = Find(*status, "broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->status, "failed");
  ASSERT_EQ(broken->failed_attempts.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const auto& attempt = broken->failed_attempts[static_cast<size_t>(i)];
    SCOPED_TRACE(i);
    EXPECT_EQ(attempt.attempt, i + 1);
    EXPECT_EQ(attempt.max_attempts, 2);
    EXPECT_EQ(attempt.kept_as, "attempt/broken/" + std::to_string(i + 1));
    EXPECT_NE(attempt.checks.find("pytest"), std::string::npos) << attempt.checks;
    ASSERT_EQ(attempt.failed.size(), 1u);
    EXPECT_EQ(attempt.failed[0].name, "pytest");
    EXPECT_EQ(attempt.failed[0].verdict, "failed");
    ASSERT_EQ(attempt.failed[0].failing_tests.size(), 1u);
    const auto& test = attempt.failed[0].failing_tests[0];
    EXPECT_NE(test.id.find("test_value"), std::string::npos) << test.id;
    // The first line of each attempt's own assertion: 1 == 2, then 3 == 2.
    EXPECT_NE(test.message.find(i == 0 ? "1 == 2" : "3 == 2"), std::string::npos) << test.message;
  }
  // The gate gave up right after the last refusal: its branch has the files.
  EXPECT_EQ(broken->kept_at_failure, "");
  EXPECT_EQ(Find(*status, "after_broken")->status, "skipped");

  // The branches hold what each attempt had staged.
  auto workspace = Workspace::Open(run_->out(), OpenMode::kReadOnlyView);
  ASSERT_TRUE(workspace.ok());
  for (auto [branch, body] :
       {std::pair{"attempt/broken/1", "return 1"}, std::pair{"attempt/broken/2", "return 3"}}) {
    auto commit = (*workspace)->store().Resolve(branch);
    ASSERT_TRUE(commit.ok()) << commit.status().ToString();
    auto content = (*workspace)->store().Read(*commit, "broken.py");
    ASSERT_TRUE(content.ok() && content->has_value()) << branch;
    EXPECT_NE((*content)->find(body), std::string::npos) << **content;
  }

  // The run's own report is the same model's counts.
  auto report = control_unit::ReportFrom(*status);
  EXPECT_EQ(report.committed, report_.committed);
  EXPECT_EQ(report.failed, report_.failed);
  EXPECT_EQ(report.skipped, report_.skipped);
  EXPECT_EQ(report.gate_failures, report_.gate_failures);
  EXPECT_EQ(report.model_calls, report_.model_calls);
  EXPECT_EQ(report.files, report_.files);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].id, "broken");
}

TEST_F(RunStatusTest, ARetryAfterResumeKeepsItsAttemptsUnderNewNames) {
  RunBroken("status-retry");
  // The model answers the retry as it did the first try: two more refusals.
  auto resumed = run_->Resume();
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->failed, 1);

  auto status = ReadStatus(run_->out(), {});
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  const auto* broken = Find(*status, "broken");
  ASSERT_NE(broken, nullptr);
  // Only the latest try is listed, its branches numbered on from the first try's.
  ASSERT_EQ(broken->failed_attempts.size(), 2u);
  EXPECT_EQ(broken->failed_attempts[0].attempt, 1);
  EXPECT_EQ(broken->failed_attempts[0].kept_as, "attempt/broken/3");
  EXPECT_EQ(broken->failed_attempts[1].kept_as, "attempt/broken/4");

  auto workspace = Workspace::Open(run_->out(), OpenMode::kReadOnlyView);
  ASSERT_TRUE(workspace.ok());
  auto& store = (*workspace)->store();
  // The first try's branch still holds what its events named: it was never reused.
  auto first = store.Resolve("attempt/broken/1");
  ASSERT_TRUE(first.ok());
  auto first_files = store.List(*first);
  ASSERT_TRUE(first_files.ok());
  EXPECT_EQ(first_files->size(), 2u);  // started on the empty store: just its own files
  // The retry started on main's head (instruction 1 had committed): its branch is that
  // commit plus the attempt's files, and its diff is the attempt's alone.
  auto third = store.Resolve("attempt/broken/3");
  ASSERT_TRUE(third.ok());
  auto log = store.LogFrom(*third, 2);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ(log->at(0).parent.value_or(0), *store.Head());
  auto third_files = store.List(*third);
  ASSERT_TRUE(third_files.ok());
  std::vector<std::string> paths;
  for (const auto& file : *third_files) paths.push_back(file.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"arith.py", "broken.py", "test_arith.py", "test_broken.py"}));
}

TEST_F(RunStatusTest, TheListIsBoundedToTheNewestAttempts) {
  RunBroken("status-bounded");
  RunStatusLimits limits;
  limits.max_attempts_per_instruction = 1;
  limits.max_failing_tests_per_check = 0;
  auto status = ReadStatus(run_->out(), limits);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  const auto* broken = Find(*status, "broken");
  ASSERT_NE(broken, nullptr);
  ASSERT_EQ(broken->failed_attempts.size(), 1u);
  EXPECT_EQ(broken->failed_attempts[0].attempt, 2);
  EXPECT_EQ(broken->failed_attempts_omitted, 1);
  EXPECT_TRUE(broken->failed_attempts[0].failed[0].failing_tests.empty());

  limits.read_attempts = false;
  status = ReadStatus(run_->out(), limits);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(Find(*status, "broken")->failed_attempts.empty());
}

TEST(RunStatusFailureTest, FilesChangedAfterTheLastCheckAreKeptWhenTheInstructionGivesUp) {
  ScriptedModel model;
  model.instructions["only"].turns = {
      WriteFile("a.py", "x = 1\n"),
      WriteFile("b.py", "y = 2\n"),
      WriteFile("c.py", "z = 3\n"),
  };
  InProcessRun run("status-gave-up", std::move(model));
  run.options().program = ProgramOf({PlanStep("only", "Write a.py, b.py and c.py.")});
  run.options().max_turns = 2;
  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->failed, 1);

  auto status = ReadStatus(run.out(), {});
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  const auto* only = Find(*status, "only");
  ASSERT_NE(only, nullptr);
  EXPECT_NE(only->record.failure.find("model calls"), std::string::npos) << only->record.failure;
  EXPECT_TRUE(only->failed_attempts.empty());
  EXPECT_EQ(only->kept_at_failure, "attempt/only/1");
  EXPECT_EQ(status->limits.max_turns, 2);

  auto workspace = Workspace::Open(run.out(), OpenMode::kReadOnlyView);
  ASSERT_TRUE(workspace.ok());
  auto commit = (*workspace)->store().Resolve("attempt/only/1");
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  auto files = (*workspace)->store().List(*commit);
  ASSERT_TRUE(files.ok());
  std::vector<std::string> paths;
  for (const auto& file : *files) paths.push_back(file.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"a.py", "b.py"}));
  // Main never saw them.
  EXPECT_EQ(*(*workspace)->store().Head(), 0);
}

TEST(AttemptBranchTest, NamesAreValidDistinctBranchNamesWhateverTheInstructionId) {
  EXPECT_EQ(control_unit::AttemptBranch("3", 2), "attempt/3/2");
  EXPECT_EQ(control_unit::AttemptBranch("setup-db_2", 1), "attempt/setup-db_2/1");
  const std::vector<std::string> ids = {"F1.1",
                                        "F1_1",
                                        "a b/../c",
                                        "",
                                        "\xE6\xAD\xA5\xE9\xAA\xA4\xE4\xB8\x80",
                                        "\xE6\xAD\xA5\xE9\xAA\xA4\xE4\xBA\x8C",
                                        std::string(300, 'x'),
                                        std::string(300, 'x') + "y",
                                        "..",
                                        "-x"};
  std::set<std::string> names;
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto store = filestore::FileStore::Open(**db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (const auto& id : ids) {
    const std::string name = control_unit::AttemptBranch(id, 12);
    SCOPED_TRACE(name);
    EXPECT_TRUE(names.insert(name).second) << "two ids share " << name;
    EXPECT_EQ(name.rfind(control_unit::AttemptBranchPrefix(id), 0), 0u);
    // The store accepts it as a branch name.
    auto txn = (*store)->BeginOn(name);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    ASSERT_TRUE((*txn)->Write("a.txt", id).ok());
    auto commit = (*txn)->Commit("attempt", "test");
    EXPECT_TRUE(commit.ok()) << commit.status().ToString();
  }
  // The same id always gives the same name (a resumed run finds its branches).
  EXPECT_EQ(control_unit::AttemptBranch("F1.1", 3), control_unit::AttemptBranch("F1.1", 3));
}

// The last verdict decides the outcome only when it is the last word: one whose follow-up
// instructions then all committed with no verdict after them (a resume with --no-judge)
// is out of date.
TEST(RunStatusReport, AnOutOfDateVerdictDoesNotDecideTheOutcome) {
  RunStatus status;
  status.instructions.resize(2);
  status.committed = 2;
  control_unit::StoredVerdict verdict;
  verdict.round = 1;
  verdict.verdict.requirements = {{"F1", agents::RequirementScore::kImplemented, "a.py:1"},
                                  {"F2", agents::RequirementScore::kMissing, "nothing"}};
  status.verdicts = {verdict};
  auto final_word = control_unit::ReportFrom(status);
  EXPECT_EQ(final_word.outcome, control_unit::RunOutcome::kRequirementsUnmet);
  EXPECT_EQ(final_word.unmet_requirements, std::vector<std::string>{"F2"});
  EXPECT_DOUBLE_EQ(final_word.features_pct, 50.0);

  status.verdicts[0].appended = {"judge1-F2"};
  auto out_of_date = control_unit::ReportFrom(status);
  EXPECT_EQ(out_of_date.outcome, control_unit::RunOutcome::kCompleted);
  EXPECT_DOUBLE_EQ(out_of_date.features_pct, 50.0);  // still shown, as the last verdict's
}

}  // namespace
}  // namespace l2mac::scenario
