// --git-branch: a run in a folder of a git work tree commits each committed instruction
// onto a branch of the user's repository, one git commit per instruction with exactly its
// files, while the user's HEAD, index and uncommitted changes stay as they were; a resume
// after a kill neither duplicates nor loses a commit; and a dirty folder, a folder outside
// any repository, a checked-out branch and a missing git are refused before anything is
// created (exit status 9).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/text.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kBranch = "l2mac/feature";
constexpr const char* kSecret = "sk-gitbranch-secret-4242";

// `git args...` in `repo`, as a user would run it (their own identity; no GIT_* of the
// test's environment).
ProcessOutcome Git(const std::filesystem::path& repo, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/git",
                                   "-c",
                                   "user.name=Test User",
                                   "-c",
                                   "user.email=test@example.com",
                                   "-c",
                                   "init.defaultBranch=main",
                                   "-c",
                                   "commit.gpgsign=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildEnv env;
  env.unset = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_GLOBAL"};
  auto child = Subprocess::Start(argv, env, repo);
  if (!child.ok()) {
    ProcessOutcome failed;
    failed.err = child.status().ToString();
    return failed;
  }
  return (*child)->Wait(kDefaultTimeout);
}

// Its stdout, expecting success.
std::string GitOut(const std::filesystem::path& repo, const std::vector<std::string>& args) {
  ProcessOutcome outcome = Git(repo, args);
  EXPECT_EQ(outcome.exit_code, 0) << "git " << testing::PrintToString(args) << ": "
                                  << outcome.Describe();
  return outcome.out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (std::string_view line : SplitLines(text)) lines.emplace_back(line);
  return lines;
}

// The harness's folder as the user's repository: README.md, notes.txt and staged.txt at
// the top, out/LICENSE.txt tracked in the output folder, committed on main.
void MakeRepository(const std::filesystem::path& root) {
  GitOut(root, {"init", "-q"});
  WriteText(root / "README.md", "# project\n");
  WriteText(root / "notes.txt", "committed notes\n");
  WriteText(root / "staged.txt", "committed staged\n");
  std::filesystem::create_directories(root / "out");
  WriteText(root / "out" / "LICENSE.txt", "MIT\n");
  GitOut(root, {"add", "README.md", "notes.txt", "staged.txt", "out/LICENSE.txt"});
  GitOut(root, {"commit", "-q", "-m", "initial"});
}

// The commits on the branch past main, oldest first: id, author, e-mail, subject.
std::vector<std::vector<std::string>> BranchCommits(const std::filesystem::path& root) {
  std::vector<std::vector<std::string>> commits;
  for (const std::string& line :
       Lines(GitOut(root, {"log", "--reverse", "--format=%H%x09%an%x09%ae%x09%s",
                           std::string("main..") + kBranch}))) {
    std::vector<std::string> fields;
    size_t start = 0;
    while (true) {
      size_t tab = line.find('\t', start);
      fields.push_back(line.substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    commits.push_back(fields);
  }
  return commits;
}

std::vector<std::string> ChangedIn(const std::filesystem::path& root, const std::string& commit) {
  auto paths = Lines(GitOut(root, {"diff-tree", "--no-commit-id", "--name-only", "-r", commit}));
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Checks that the branch holds one commit per instruction of ThreeModules, in order, each
// with exactly its module and test under out/.
void ExpectOneCommitPerInstruction(const std::filesystem::path& root) {
  auto commits = BranchCommits(root);
  ASSERT_EQ(commits.size(), 3u) << GitOut(root, {"log", "--format=%s", kBranch});
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"1", "arith"}, {"2", "geometry"}, {"3", "report"}};
  for (size_t i = 0; i < 3; ++i) {
    const auto& [id, module] = expected[i];
    ASSERT_EQ(commits[i].size(), 4u);
    EXPECT_EQ(commits[i][1], "l2mac");
    EXPECT_EQ(commits[i][2], "l2mac@localhost");
    EXPECT_EQ(commits[i][3].rfind("l2mac: instruction " + id + ": Write " + module + ".py", 0), 0u)
        << commits[i][3];
    EXPECT_EQ(ChangedIn(root, commits[i][0]),
              (std::vector<std::string>{"out/" + module + ".py", "out/test_" + module + ".py"}));
  }
}

TEST(GitBranchScenario, CommitsEachInstructionOntoTheBranchAndLeavesTheUserAlone) {
  ScenarioHarness harness("git-branch");
  const std::filesystem::path root = harness.root();
  MakeRepository(root);
  // The user's own work in progress: an unstaged change and a staged one, outside the
  // output folder.
  WriteText(root / "notes.txt", "my unfinished notes\n");
  WriteText(root / "staged.txt", "my staged change\n");
  GitOut(root, {"add", "staged.txt"});
  const std::string head = GitOut(root, {"rev-parse", "HEAD"});
  const std::string unstaged = GitOut(root, {"diff"});
  const std::string staged = GitOut(root, {"diff", "--cached"});
  const std::string index_bytes = ReadText(root / ".git" / "index");
  ASSERT_FALSE(index_bytes.empty());

  ScriptedModel model = ThreeModules::Model();
  // A secret in what the model says must not reach a commit message.
  model.instructions["1"].turns.back() =
      StepComplete(std::string("arith.py is written and tested; key ") + kSecret);
  // One where the message's 2000-byte cut falls inside the key: no prefix of it may stay.
  model.instructions["2"].turns.back() =
      StepComplete(std::string(1990, 'x') + " " + kSecret + " and more");
  harness.Serve(std::move(model));
  ChildEnv env;
  env.set["OPENAI_API_KEY"] = kSecret;
  ProcessOutcome run = harness.Run({"--git-branch", kBranch}, env);
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  // The user's HEAD, index (byte for byte), staged and unstaged changes are as they were.
  EXPECT_EQ(ReadText(root / ".git" / "index"), index_bytes);
  EXPECT_EQ(GitOut(root, {"rev-parse", "HEAD"}), head);
  EXPECT_EQ(GitOut(root, {"symbolic-ref", "HEAD"}), "refs/heads/main\n");
  EXPECT_EQ(GitOut(root, {"diff"}), unstaged);
  EXPECT_EQ(GitOut(root, {"diff", "--cached"}), staged);
  EXPECT_EQ(ReadText(root / "notes.txt"), "my unfinished notes\n");

  ExpectOneCommitPerInstruction(root);
  // The branch starts at HEAD and holds the files as the run wrote them, the user's
  // uncommitted changes not among them.
  EXPECT_EQ(GitOut(root, {"merge-base", "main", kBranch}), head);
  for (const auto& [path, content] : ThreeModules::Files()) {
    EXPECT_EQ(GitOut(root, {"show", std::string(kBranch) + ":out/" + path}), content) << path;
  }
  EXPECT_EQ(GitOut(root, {"show", std::string(kBranch) + ":notes.txt"}), "committed notes\n");
  EXPECT_EQ(GitOut(root, {"show", std::string(kBranch) + ":out/LICENSE.txt"}), "MIT\n");
  for (const std::string& path : Lines(GitOut(root, {"ls-tree", "-r", "--name-only", kBranch}))) {
    EXPECT_EQ(path.find(".l2mac"), std::string::npos) << path;
  }
  // Messages: the summary, the secret redacted.
  const std::string messages = GitOut(root, {"log", "--format=%B", kBranch});
  EXPECT_EQ(messages.find(kSecret), std::string::npos) << messages;
  EXPECT_EQ(messages.find("sk-git"), std::string::npos) << messages;
  EXPECT_NE(messages.find("arith.py is written and tested; key [redacted]"), std::string::npos)
      << messages;
  EXPECT_NE(messages.find("L2mac-Instruction: 2"), std::string::npos) << messages;

  // The state folder is excluded, so it never shows as untracked.
  auto excludes = Lines(ReadText(root / ".git" / "info" / "exclude"));
  EXPECT_EQ(std::count(excludes.begin(), excludes.end(), ".l2mac/"), 1);
  EXPECT_EQ(GitOut(root, {"--no-optional-locks", "status", "--porcelain", "--untracked-files=all"})
                .find(".l2mac"),
            std::string::npos);

  // A resume of the finished run exports nothing twice, and excludes the folder once.
  const std::string index_before_resume = ReadText(root / ".git" / "index");
  ProcessOutcome resumed = harness.Resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  ExpectOneCommitPerInstruction(root);
  excludes = Lines(ReadText(root / ".git" / "info" / "exclude"));
  EXPECT_EQ(std::count(excludes.begin(), excludes.end(), ".l2mac/"), 1);
  EXPECT_EQ(ReadText(root / ".git" / "index"), index_before_resume);
}

// What the kill left on the branch before the resume.
enum class ExportGap {
  kNone,        // the kill came after instruction 2's export was recorded
  kUnexported,  // instruction 2 committed in the store, not yet on the branch
  kUnrecorded,  // on the branch, but the run's record of it was not written
};

struct GapCase {
  const char* name;
  ExportGap gap;
};

void PrintTo(const GapCase& gap_case, std::ostream* os) { *os << gap_case.name; }

class GitBranchResumeScenario : public testing::TestWithParam<GapCase> {};

TEST_P(GitBranchResumeScenario, ResumeAfterAKillNeitherDuplicatesNorLosesACommit) {
  std::atomic<pid_t> child_pid{0};
  std::atomic<bool> fired{false};
  ScenarioHarness harness(std::string("git-resume-") + GetParam().name);
  const std::filesystem::path root = harness.root();
  MakeRepository(root);
  ScriptedModel model = ThreeModules::Model();
  // Killed on instruction 3's first request: 1 and 2 are committed (and exported).
  model.intercept = [&](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (fired || request.InstructionId() != "3") return std::nullopt;
    fired = true;
    for (int i = 0; i < 5000 && child_pid == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (child_pid > 0) ::kill(child_pid, SIGKILL);
    return std::nullopt;
  };
  harness.Serve(std::move(model));
  auto started = StartL2mac(harness.RunArgs({"--git-branch", kBranch}), harness.Env());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  child_pid = (*started)->pid();
  ProcessOutcome killed = (*started)->Wait(kDefaultTimeout);
  ASSERT_EQ(killed.term_signal, SIGKILL) << killed.Describe();
  ASSERT_EQ(BranchCommits(root).size(), 2u);

  // The two windows a kill can hit around an export are microseconds wide: they are made
  // here by hand, moving the branch or the run's record back to instruction 1.
  const std::string first = GitOut(root, {"rev-parse", std::string(kBranch) + "~1"});
  const std::string first_id = first.substr(0, first.find('\n'));
  const int64_t first_store_commit =
      QueryRunInt(harness.out(), "SELECT commit_id FROM instructions WHERE id = '1'");
  if (GetParam().gap != ExportGap::kNone) {
    auto db = OpenStateDb(harness.out());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    const std::string record = nlohmann::json{
        {"branch", kBranch},
        {"store_commit", first_store_commit},
        {"git_commit", first_id}}.dump();
    ASSERT_TRUE(
        (*db)->Exec("UPDATE run_meta SET value = '" + record + "' WHERE key = 'git_export'").ok());
  }
  if (GetParam().gap == ExportGap::kUnexported) {
    GitOut(root, {"update-ref", std::string("refs/heads/") + kBranch, first_id});
    ASSERT_EQ(BranchCommits(root).size(), 1u);
  }

  ProcessOutcome resumed = harness.Resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  ExpectOneCommitPerInstruction(root);
  EXPECT_EQ(GitOut(root, {"rev-parse", std::string(kBranch) + "~2"}), first);
}

INSTANTIATE_TEST_SUITE_P(Gaps, GitBranchResumeScenario,
                         testing::Values(GapCase{"none", ExportGap::kNone},
                                         GapCase{"unexported", ExportGap::kUnexported},
                                         GapCase{"unrecorded", ExportGap::kUnrecorded}),
                         [](const testing::TestParamInfo<GapCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

// The output folder is the work tree's root, in a repository without any commit: the
// branch starts with a root commit, and HEAD stays unborn.
TEST(GitBranchScenario, AFolderThatIsANewRepositoryGetsARootCommit) {
  ScenarioHarness harness("git-root");
  std::filesystem::create_directories(harness.out());
  GitOut(harness.out(), {"init", "-q"});
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome run = harness.Run({"--git-branch", kBranch});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  const auto commits = Lines(GitOut(harness.out(), {"rev-list", "--parents", kBranch}));
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].find(' '), std::string::npos) << "not a root commit: " << commits[0];
  auto files = Lines(GitOut(harness.out(), {"ls-tree", "-r", "--name-only", kBranch}));
  EXPECT_EQ(files, (std::vector<std::string>{"arith.py", "test_arith.py"}));
  EXPECT_NE(Git(harness.out(), {"rev-parse", "--verify", "--quiet", "HEAD"}).exit_code, 0);
  EXPECT_EQ(GitOut(harness.out(), {"symbolic-ref", "HEAD"}), "refs/heads/main\n");
}

TEST(GitBranchScenario, UncommittedChangesInTheFolderAreRefusedBeforeAnythingIsCreated) {
  ScenarioHarness harness("git-dirty");
  const std::filesystem::path root = harness.root();
  MakeRepository(root);
  WriteText(root / "out" / "LICENSE.txt", "MIT, edited\n");
  harness.Serve(ThreeModules::Model());
  ProcessOutcome run = harness.Run({"--git-branch", kBranch});
  EXPECT_EQ(run.exit_code, 9) << run.Describe();
  EXPECT_NE(run.err.find("out/LICENSE.txt"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("uncommitted changes"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out() / ".l2mac"));
  EXPECT_EQ(harness.server().request_count(), 0u);
  EXPECT_NE(Git(root, {"rev-parse", "--verify", "--quiet", kBranch}).exit_code, 0);
  EXPECT_EQ(ReadText(root / "out" / "LICENSE.txt"), "MIT, edited\n");

  // A staged change is refused the same way.
  GitOut(root, {"add", "out/LICENSE.txt"});
  run = harness.Run({"--git-branch", kBranch});
  EXPECT_EQ(run.exit_code, 9) << run.Describe();
  EXPECT_NE(run.err.find("out/LICENSE.txt"), std::string::npos) << run.err;

  // So is the branch the work tree has checked out: moving it would change the user's
  // HEAD under their index.
  GitOut(root, {"reset", "-q", "--hard"});
  run = harness.Run({"--git-branch", "main"});
  EXPECT_EQ(run.exit_code, 9) << run.Describe();
  EXPECT_NE(run.err.find("checked out"), std::string::npos) << run.err;
  run = harness.Run({"--git-branch", "bad..name"});
  EXPECT_EQ(run.exit_code, 9) << run.Describe();
  EXPECT_NE(run.err.find("not a valid git branch name"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out() / ".l2mac"));
}

TEST(GitBranchScenario, AFolderOutsideAnyRepositoryIsRefused) {
  ScenarioHarness harness("git-none");
  ASSERT_NE(Git(harness.root(), {"rev-parse", "--show-toplevel"}).exit_code, 0)
      << "the test's temporary folder is inside a git repository";
  harness.Serve(ThreeModules::Model());
  ProcessOutcome run = harness.Run({"--git-branch", kBranch});
  EXPECT_EQ(run.exit_code, 9) << run.Describe();
  EXPECT_NE(run.err.find("is not inside a git work tree"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("git init"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out()));

  // The configuration's git.branch asks for the same.
  const auto config = harness.root() / "config.json";
  ASSERT_TRUE(WriteText(config, R"({"git": {"branch": "from-config"}})"));
  run = harness.Run({"--config", config.string()});
  EXPECT_EQ(run.exit_code, 9) << run.Describe();
  EXPECT_NE(run.err.find("is not inside a git work tree"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out()));
  EXPECT_EQ(harness.server().request_count(), 0u);
}

TEST(GitBranchScenario, MissingGitIsRefused) {
  ScenarioHarness harness("git-missing");
  MakeRepository(harness.root());
  harness.Serve(ThreeModules::Model());
  ChildEnv env;
  env.set["PATH"] = (harness.root() / "no-tools").string();
  ProcessOutcome run = harness.Run({"--git-branch", kBranch}, env);
  EXPECT_EQ(run.exit_code, 9) << run.Describe();
  EXPECT_NE(run.err.find("git could not be started"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out() / ".l2mac"));
}

// A finished run given a second task keeps committing to the branch, although the files
// its first task rewrote (tracked in the user's repository) now differ from their HEAD.
TEST(GitBranchScenario, ASecondTaskOnAFinishedRunKeepsCommittingToTheBranch) {
  ScenarioHarness harness("git-second-task");
  const std::filesystem::path root = harness.root();
  MakeRepository(root);
  WriteText(root / "out" / "arith.py", "# to be written\n");
  GitOut(root, {"add", "out/arith.py"});
  GitOut(root, {"commit", "-q", "-m", "track out/arith.py"});
  ScriptedModel model = ThreeModules::FirstOnly();
  const json second_plan = PlanOf({PlanStep("1", "Add sub(a, b) to arith.py.")});
  model.intercept = PlanWhenTaskSays("Also subtract", second_plan);
  model.instructions["t2-1"].turns = {
      EditFile("arith.py", "    return a + b\n",
               "    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"),
      StepComplete("arith.py has sub(a, b)."),
  };
  harness.Serve(std::move(model));
  ProcessOutcome first = harness.Run({"--git-branch", kBranch});
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  ASSERT_NE(GitOut(root, {"status", "--porcelain", "out/arith.py"}), "");  // differs from HEAD

  ProcessOutcome second =
      RunL2mac({"run", "--task", "Also subtract: add sub(a, b).", "--out", harness.out().string(),
                "--base-url", harness.base_url(), "--git-branch", kBranch},
               harness.Env());
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  const auto subjects =
      Lines(GitOut(root, {"log", "--reverse", "--format=%s", "main.." + std::string(kBranch)}));
  ASSERT_EQ(subjects.size(), 2u);
  EXPECT_EQ(subjects[0].rfind("l2mac: instruction 1:", 0), 0u) << subjects[0];
  EXPECT_EQ(subjects[1].rfind("l2mac: instruction t2-1:", 0), 0u) << subjects[1];
  EXPECT_NE(GitOut(root, {"show", std::string(kBranch) + ":out/arith.py"}).find("def sub(a, b)"),
            std::string::npos);
}

}  // namespace
}  // namespace l2mac::scenario
