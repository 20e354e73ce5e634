// `l2mac files`: inspecting, exporting and importing the store of a real run's output
// folder through the real binary (and real git for the export).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

ProcessOutcome Files(const std::filesystem::path& out, std::vector<std::string> args) {
  args.insert(args.begin(), {"files", out.string()});
  return RunL2mac(args);
}

ProcessOutcome Git(const std::filesystem::path& repo, const std::string& args) {
  ProcessOutcome outcome;
  std::string command = "git -C '" + repo.string() + "' " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) outcome.out.append(buffer, n);
  int status = ::pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

TEST(FilesCommandScenario, InspectExportAndImportARunsStore) {
  ScenarioHarness harness("files-command");
  harness.Serve(ThreeModules::Model());
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  const auto out = harness.out();

  ProcessOutcome ls = Files(out, {"ls"});
  ASSERT_EQ(ls.exit_code, 0) << ls.Describe();
  EXPECT_NE(ls.out.find("arith.py\t2 lines\t"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("test_report.py"), std::string::npos) << ls.out;

  ProcessOutcome log = Files(out, {"log"});
  ASSERT_EQ(log.exit_code, 0) << log.Describe();
  EXPECT_NE(log.out.find("commit 3"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("author: instruction 1"), std::string::npos) << log.out;

  // The first commit has only the first module; --at reads it.
  ProcessOutcome old_ls = Files(out, {"ls", "--at", "1"});
  ASSERT_EQ(old_ls.exit_code, 0) << old_ls.Describe();
  EXPECT_EQ(old_ls.out.find("geometry.py"), std::string::npos) << old_ls.out;

  ProcessOutcome cat = Files(out, {"cat", "arith.py", "--lines", "2:2"});
  ASSERT_EQ(cat.exit_code, 0) << cat.Describe();
  EXPECT_EQ(cat.out, "2:     return a + b\n");

  ProcessOutcome blame = Files(out, {"blame", "geometry.py"});
  ASSERT_EQ(blame.exit_code, 0) << blame.Describe();
  EXPECT_NE(blame.out.find("instruction 2"), std::string::npos) << blame.out;

  ProcessOutcome diff = Files(out, {"diff", "1", "2"});
  ASSERT_EQ(diff.exit_code, 0) << diff.Describe();
  EXPECT_NE(diff.out.find("--- /dev/null\n+++ b/geometry.py\n"), std::string::npos) << diff.out;

  ProcessOutcome search = Files(out, {"search", "def test_", "--glob", "test_*.py"});
  ASSERT_EQ(search.exit_code, 0) << search.Describe();
  EXPECT_NE(search.out.find("test_arith.py:"), std::string::npos) << search.out;

  ProcessOutcome outline = Files(out, {"outline", "geometry.py"});
  ASSERT_EQ(outline.exit_code, 0) << outline.Describe();
  EXPECT_NE(outline.out.find("function perimeter"), std::string::npos) << outline.out;

  // Git export: one git commit per store commit, and a repository git itself accepts.
  const auto repo = harness.root() / "exported";
  ProcessOutcome exported = Files(out, {"export", "--git", repo.string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.Describe();
  ProcessOutcome fsck = Git(repo, "fsck --strict");
  EXPECT_EQ(fsck.exit_code, 0) << fsck.out;
  EXPECT_EQ(Git(repo, "rev-list --count main").out, "3\n");
  EXPECT_EQ(ReadText(repo / "report.py"), ReadText(out / "report.py"));

  ProcessOutcome snapshot =
      Files(out, {"export", (harness.root() / "first").string(), "--at", "1"});
  ASSERT_EQ(snapshot.exit_code, 0) << snapshot.Describe();
  EXPECT_TRUE(std::filesystem::exists(harness.root() / "first" / "arith.py"));
  EXPECT_FALSE(std::filesystem::exists(harness.root() / "first" / "geometry.py"));

  // A user edit survives checkout and becomes a "user" commit on import.
  ASSERT_TRUE(WriteText(out / "arith.py", "def add(a, b):\n    return b + a\n"));
  std::filesystem::remove(out / "report.py");
  ProcessOutcome checkout = Files(out, {"checkout"});
  ASSERT_EQ(checkout.exit_code, 0) << checkout.Describe();
  EXPECT_NE(checkout.out.find("kept your edit of arith.py"), std::string::npos) << checkout.out;
  EXPECT_TRUE(std::filesystem::exists(out / "report.py"));
  EXPECT_EQ(ReadText(out / "arith.py"), "def add(a, b):\n    return b + a\n");
  ProcessOutcome imported = Files(out, {"import", "-m", "my fix"});
  ASSERT_EQ(imported.exit_code, 0) << imported.Describe();
  EXPECT_NE(imported.out.find("1 modified"), std::string::npos) << imported.out;
  ProcessOutcome user_log = Files(out, {"log", "arith.py", "-n", "1"});
  EXPECT_NE(user_log.out.find("author: user"), std::string::npos) << user_log.out;
  EXPECT_NE(user_log.out.find("my fix"), std::string::npos) << user_log.out;
}

TEST(FilesCommandScenario, ErrorsNameTheProblemAndExitWithTheDocumentedStatus) {
  ScenarioHarness harness("files-errors");
  ProcessOutcome missing = Files(harness.root() / "none", {"ls"});
  EXPECT_EQ(missing.exit_code, 6) << missing.Describe();
  EXPECT_NE(missing.err.find("l2mac: error:"), std::string::npos);
  EXPECT_NE(missing.err.find("no l2mac file store"), std::string::npos) << missing.err;

  std::filesystem::create_directories(harness.root() / "code");
  ASSERT_TRUE(WriteText(harness.root() / "code" / "main.py", "print(1)\n"));
  ProcessOutcome created = Files(harness.root() / "code", {"import"});
  ASSERT_EQ(created.exit_code, 0) << created.Describe();
  ProcessOutcome unknown = Files(harness.root() / "code", {"cat", "main.py", "--at", "7"});
  EXPECT_EQ(unknown.exit_code, 6) << unknown.Describe();
  EXPECT_NE(unknown.err.find("names no commit"), std::string::npos) << unknown.err;
  ProcessOutcome usage = Files(harness.root() / "code", {"frobnicate"});
  EXPECT_EQ(usage.exit_code, 2) << usage.Describe();
  ProcessOutcome help = RunL2mac({"files", "x", "blame", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--at"), std::string::npos) << help.out;
}

// Regression: `l2mac files DIR search -E '(a|b)*c'` over a file with one 40 KB line died
// with a segfault (exit 139: the standard library regex engine overflowed the stack). It answers
// now, and a bad or oversized pattern is a bad argument (exit 3) that names RE2.
TEST(FilesCommandScenario, RegexSearchIsLinearAndBadPatternsAreBadArguments) {
  ScenarioHarness harness("files-regex");
  const auto code = harness.root() / "code";
  std::filesystem::create_directories(code / "src");
  std::string line;
  for (int i = 0; i < 20000; ++i) line += "ab";
  ASSERT_TRUE(WriteText(code / "long.txt", "first\n" + line + "\n"));
  ASSERT_TRUE(WriteText(code / "src" / "app.py", "abc = 1\n"));
  ProcessOutcome imported = Files(code, {"import"});
  ASSERT_EQ(imported.exit_code, 0) << imported.Describe();

  ProcessOutcome none = Files(code, {"search", "-E", "(a|b)*c", "--glob", "*.txt"});
  EXPECT_EQ(none.exit_code, 0) << none.Describe();
  EXPECT_EQ(none.out, "");
  ProcessOutcome found = Files(code, {"search", "-E", "(a|b)*c"});
  EXPECT_EQ(found.exit_code, 0) << found.Describe();
  EXPECT_EQ(found.out, "src/app.py:1: abc = 1\n");

  ProcessOutcome bad = Files(code, {"search", "-E", "(a"});
  EXPECT_EQ(bad.exit_code, 3) << bad.Describe();
  EXPECT_NE(bad.err.find("RE2 syntax"), std::string::npos) << bad.err;
  ProcessOutcome long_pattern = Files(code, {"search", std::string(2000, 'a')});
  EXPECT_EQ(long_pattern.exit_code, 3) << long_pattern.Describe();
  EXPECT_NE(long_pattern.err.find("above the limit of 1024 bytes"), std::string::npos)
      << long_pattern.err;
}

}  // namespace
}  // namespace l2mac::scenario
