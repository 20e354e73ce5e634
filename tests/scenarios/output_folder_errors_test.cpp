// What l2mac says about an output folder it cannot use, and what it lets the user do next:
// an --out that cannot be created is refused without advice to resume a run that does not
// exist; a damaged state database is named, with what to do; a run whose start failed
// before anything was recorded (a wrong URL) is started over by the corrected command,
// while a run that recorded work is never replaced.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/scenarios/scenario_harness.hpp"
#include "tests/sim/closed_port.hpp"

namespace l2mac::scenario {
namespace {

size_t ErrorLines(const std::string& err) {
  size_t count = 0;
  for (size_t at = err.find("l2mac: error:"); at != std::string::npos;
       at = err.find("l2mac: error:", at + 1)) {
    ++count;
  }
  return count;
}

std::vector<std::string> RunInto(const ScenarioHarness& harness, const std::filesystem::path& out) {
  return {
      "run", harness.spec_path().string(), "--out", out.string(), "--base-url", harness.base_url()};
}

TEST(OutputFolderScenario, AnOutThatCannotBeCreatedIsRefusedWithoutResumeAdvice) {
  ScenarioHarness harness("out-unusable");
  harness.Serve(ThreeModules::FirstOnly());

  // A path through a file.
  const std::filesystem::path file = harness.root() / "notes.txt";
  ASSERT_TRUE(WriteText(file, "not a folder\n"));
  ProcessOutcome through = RunL2mac(RunInto(harness, file / "out"), harness.Env());
  EXPECT_EQ(through.exit_code, 6) << through.Describe();
  EXPECT_NE(through.err.find("l2mac: error: the output folder " + (file / "out").string() +
                             " goes through " + file.string() +
                             ", which is a file, not a folder: choose another --out"),
            std::string::npos)
      << through.err;
  EXPECT_EQ(through.err.find("resume"), std::string::npos) << through.err;
  EXPECT_EQ(ErrorLines(through.err), 1u) << through.err;

  // The file itself.
  ProcessOutcome is_file = RunL2mac(RunInto(harness, file), harness.Env());
  EXPECT_EQ(is_file.exit_code, 6) << is_file.Describe();
  EXPECT_NE(is_file.err.find("exists and is not a folder: choose another --out"), std::string::npos)
      << is_file.err;
  EXPECT_EQ(is_file.err.find("resume"), std::string::npos) << is_file.err;

  // A folder l2mac may not write in (root ignores permission bits; sysfs refuses it too).
  std::filesystem::path locked = harness.root() / "locked";
  std::filesystem::create_directories(locked);
  ASSERT_EQ(::chmod(locked.c_str(), 0555), 0);
  const std::filesystem::path unwritable =
      ::geteuid() == 0 ? std::filesystem::path("/sys/l2mac-scenario-out") : locked / "out";
  ProcessOutcome denied = RunL2mac(RunInto(harness, unwritable), harness.Env());
  ::chmod(locked.c_str(), 0755);
  EXPECT_EQ(denied.exit_code, 6) << denied.Describe();
  EXPECT_NE(denied.err.find("l2mac: error: cannot create the output folder " + unwritable.string()),
            std::string::npos)
      << denied.err;
  EXPECT_NE(denied.err.find("choose a folder you can write to with --out"), std::string::npos)
      << denied.err;
  EXPECT_EQ(denied.err.find("resume"), std::string::npos) << denied.err;
  EXPECT_EQ(ErrorLines(denied.err), 1u) << denied.err;
  EXPECT_EQ(harness.server().request_count(), 0u);
}

// A completed one-instruction run in `harness.out()`, its database closed and checkpointed.
void CompletedRun(ScenarioHarness& harness) {
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
}

// `resume`, `status` and `run` on the damaged folder each name the database as damaged,
// say what to do, and advise no resume.
void ExpectDamagedReported(const ScenarioHarness& harness, const std::string& detail) {
  const std::string db = StateDbPath(harness.out()).string();
  ProcessOutcome resume = harness.Resume();
  ProcessOutcome status = RunL2mac({"status", harness.out().string()});
  ProcessOutcome run = harness.Run();
  for (const ProcessOutcome* outcome : {&resume, &status, &run}) {
    EXPECT_EQ(outcome->exit_code, 7) << outcome->Describe();
    EXPECT_NE(outcome->err.find("l2mac: error: the state database " + db + " is damaged ("),
              std::string::npos)
        << outcome->err;
    EXPECT_NE(outcome->err.find(detail), std::string::npos) << outcome->err;
    EXPECT_NE(outcome->err.find("restore it from a backup, or start a new run in another --out "
                                "folder"),
              std::string::npos)
        << outcome->err;
    EXPECT_EQ(outcome->err.find("`l2mac resume"), std::string::npos) << outcome->err;
    EXPECT_EQ(ErrorLines(outcome->err), 1u) << outcome->err;
  }
}

TEST(OutputFolderScenario, AGarbageOrTruncatedStateDatabaseIsReportedAsDamaged) {
  {
    ScenarioHarness harness("db-garbage");
    CompletedRun(harness);
    ASSERT_TRUE(WriteText(StateDbPath(harness.out()), std::string(8192, 'x')));
    ExpectDamagedReported(harness, "file is not a database");
  }
  {
    ScenarioHarness harness("db-truncated");
    CompletedRun(harness);
    const std::filesystem::path db = StateDbPath(harness.out());
    ASSERT_GT(std::filesystem::file_size(db), 8192u);
    std::filesystem::resize_file(db, 8192);
    ExpectDamagedReported(harness, "malformed");
  }
}

TEST(OutputFolderScenario, DamagedRunOptionsAreReportedAsADamagedDatabase) {
  ScenarioHarness harness("db-options");
  CompletedRun(harness);
  {
    auto db = OpenStateDb(harness.out());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE(
        (*db)->Exec("UPDATE run_meta SET value = '{\"context_win' WHERE key = 'options'").ok());
  }
  ProcessOutcome resume = harness.Resume();
  EXPECT_EQ(resume.exit_code, 7) << resume.Describe();
  EXPECT_NE(
      resume.err.find("l2mac: error: the state database " + StateDbPath(harness.out()).string() +
                      " is damaged (its stored run options are not JSON): l2mac cannot "
                      "continue this run. Restore the file from a backup, or start a new "
                      "run in another --out folder"),
      std::string::npos)
      << resume.err;
  EXPECT_EQ(ErrorLines(resume.err), 1u) << resume.err;

  {
    auto db = OpenStateDb(harness.out());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE run_meta SET value = '{\"max_turns\": \"many\"}' WHERE key = "
                           "'options'")
                    .ok());
  }
  ProcessOutcome typed = harness.Resume();
  EXPECT_EQ(typed.exit_code, 7) << typed.Describe();
  EXPECT_NE(typed.err.find("is damaged (its stored run options: "), std::string::npos) << typed.err;
}

TEST(OutputFolderScenario, AStateDatabaseFromANewerL2macSaysToUpgrade) {
  ScenarioHarness harness("db-newer");
  CompletedRun(harness);
  {
    auto db = OpenStateDb(harness.out());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE(
        (*db)->Exec("UPDATE schema_versions SET version = 99 WHERE module = 'run_meta'").ok());
  }
  ProcessOutcome resume = harness.Resume();
  EXPECT_EQ(resume.exit_code, 6) << resume.Describe();
  EXPECT_NE(resume.err.find("l2mac: error: " + StateDbPath(harness.out()).string() +
                            " was written by a newer l2mac (its 'run_meta' schema is version 99; "
                            "this l2mac knows up to version 1): upgrade l2mac to use it"),
            std::string::npos)
      << resume.err;
  ProcessOutcome run = harness.Run();
  EXPECT_EQ(run.exit_code, 6) << run.Describe();
  EXPECT_EQ(run.err.find("`l2mac resume"), std::string::npos) << run.err;
}

TEST(OutputFolderScenario, ARunWhosePlanningFailedIsStartedOverByTheCorrectedCommand) {
  ScenarioHarness harness("wrong-url");
  harness.Serve(ThreeModules::FirstOnly());
  sim::ClosedPort closed;
  ASSERT_NE(closed.port(), 0);
  const std::string wrong_url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/v1";

  ProcessOutcome failed =
      RunL2mac({"run", harness.spec_path().string(), "--out", harness.out().string(), "--base-url",
                wrong_url, "--max-retries", "0"},
               harness.Env());
  EXPECT_EQ(failed.exit_code, 4) << failed.Describe();
  EXPECT_EQ(ErrorLines(failed.err), 1u) << failed.err;
  EXPECT_NE(failed.err.find("l2mac: nothing was recorded in " + harness.out().string() +
                            " yet: correct the command and run it again (it starts over)"),
            std::string::npos)
      << failed.err;
  EXPECT_EQ(failed.err.find("what was committed is kept"), std::string::npos) << failed.err;

  // The corrected command just works.
  ProcessOutcome rerun = harness.Run();
  EXPECT_EQ(rerun.exit_code, 0) << rerun.Describe();
  EXPECT_NE(rerun.err.find("stopped before recording anything; starting it over"),
            std::string::npos)
      << rerun.err;
  nlohmann::json status = StatusJson(harness.out());
  EXPECT_EQ(StatusOf(status, "1")["status"], "committed") << status.dump();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::FirstOnlyFiles());
  // The transcript holds the successful run only.
  ProcessOutcome transcript = RunL2mac({"transcript", harness.out().string()});
  EXPECT_EQ(ParseJsonLines(transcript.out).size(), 4u) << transcript.out;

  // So does resume with the corrected flag.
  ScenarioHarness resumed("wrong-url-resume");
  resumed.Serve(ThreeModules::FirstOnly());
  ProcessOutcome failed_again =
      RunL2mac({"run", resumed.spec_path().string(), "--out", resumed.out().string(), "--base-url",
                wrong_url, "--max-retries", "0"},
               resumed.Env());
  ASSERT_EQ(failed_again.exit_code, 4) << failed_again.Describe();
  ProcessOutcome resume = resumed.Resume();
  EXPECT_EQ(resume.exit_code, 0) << resume.Describe();
  EXPECT_EQ(StatusOf(StatusJson(resumed.out()), "1")["status"], "committed");
}

TEST(OutputFolderScenario, ARunThatRecordedWorkIsNeverStartedOver) {
  // Instruction 1 runs out of turns: nothing commits, but the plan and a reply are recorded.
  ScenarioHarness harness("recorded-work");
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome first = harness.Run({"--max-turns", "1"});
  ASSERT_EQ(first.exit_code, 5) << first.Describe();
  EXPECT_EQ(ErrorLines(first.err), 1u) << first.err;
  EXPECT_NE(first.err.find("l2mac: error: the run is incomplete: 1 instruction of 1 did not "
                           "commit; `l2mac resume " +
                           harness.out().string() + "` retries them"),
            std::string::npos)
      << first.err;
  const int64_t exchanges = QueryRunInt(harness.out(), "SELECT COUNT(*) FROM exchanges");
  ASSERT_GT(exchanges, 0);

  ProcessOutcome again = harness.Run();
  EXPECT_EQ(again.exit_code, 6) << again.Describe();
  EXPECT_NE(again.err.find("already holds an l2mac run that has not finished: continue it with "
                           "`l2mac resume"),
            std::string::npos)
      << again.err;
  EXPECT_EQ(QueryRunInt(harness.out(), "SELECT COUNT(*) FROM exchanges"), exchanges);
}

}  // namespace
}  // namespace l2mac::scenario
