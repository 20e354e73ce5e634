// One end-to-end scenario per toolchain profile, through the real binary and the simulated
// model server: the model writes code with a bug, the gate (in the sandbox) reports it
// with file, line and message, the model fixes it, the gate passes and the fix commits.
// Also: the sandbox's fallback warning, the configuration's gate settings, `l2mac doctor`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  const std::string list = path != nullptr ? path : "";
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    if (::access((list.substr(start, end - start) + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

struct LanguageCase {
  std::vector<ToolUse> buggy;  // the first writes
  Turn fix;                    // the edit that fixes the bug
  std::string fixed_path;      // a file whose final content is checked
  std::string fixed_content;
  std::vector<std::string> expected;  // pieces of the gate failure the model must see
  std::vector<std::string> run_args;  // extra flags (e.g. --domain book)
  std::string instruction = "Write the code and its tests.";
};

ScriptedModel ModelFor(const LanguageCase& c) {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", c.instruction)});
  model.instructions["1"].turns = {Tools(c.buggy), StepComplete("written"), c.fix,
                                   StepComplete("fixed")};
  return model;
}

void RunBuggyThenFixed(const std::string& name, const LanguageCase& c) {
  ScenarioHarness harness(name);
  harness.Serve(ModelFor(c));
  ProcessOutcome run = harness.Run(c.run_args, {}, std::chrono::milliseconds(300000));
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  auto requests = RequestsFor(harness.requests(), "1");
  ASSERT_EQ(requests.size(), 4u);
  auto verdict = requests[2].LastToolResult();
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->value("ok", true), false) << verdict->dump(2);
  const std::string failures = verdict->value("failures", "");
  for (const std::string& piece : c.expected) {
    EXPECT_NE(failures.find(piece), std::string::npos) << "missing: " << piece << "\n" << failures;
  }
  // Structured and short: never the whole log.
  EXPECT_LT(failures.size(), 6500u);

  nlohmann::json instruction = StatusOf(StatusJson(harness.out()), "1");
  EXPECT_EQ(instruction["status"], "committed") << instruction.dump();
  EXPECT_EQ(instruction["attempts"], 1) << instruction.dump();
  EXPECT_EQ(ReadText(harness.out() / c.fixed_path), c.fixed_content);
  EXPECT_TRUE(harness.LeftoverSnapshots().empty());
}

TEST(ToolchainScenario, PythonUndefinedNameFoundByPyflakesThenFixed) {
  LanguageCase c;
  c.buggy = {WriteFileUse("geometry.py", "def area(r):\n    return pi * r * r\n")};
  c.fix = EditFile("geometry.py", "def area(r):", "from math import pi\n\n\ndef area(r):");
  c.fixed_path = "geometry.py";
  c.fixed_content = "from math import pi\n\n\ndef area(r):\n    return pi * r * r\n";
  c.expected = {"## pyflakes", "geometry.py:2", "undefined name 'pi'"};
  RunBuggyThenFixed("tc-python", c);
}

TEST(ToolchainScenario, JavaScriptFailingNodeTestThenFixed) {
  if (!OnPath("node")) GTEST_SKIP() << "node is not installed";
  LanguageCase c;
  c.buggy = {
      WriteFileUse("src/sum.js",
                   "function sum(a, b) {\n  return a - b;\n}\nmodule.exports = { sum };\n"),
      WriteFileUse("test/sum.test.js",
                   "const test = require('node:test');\nconst assert = require('node:assert');\n"
                   "const { sum } = require('../src/sum');\n"
                   "test('adds two numbers', () => {\n  assert.strictEqual(sum(2, 3), 5);\n});\n")};
  c.fix = EditFile("src/sum.js", "a - b", "a + b");
  c.fixed_path = "src/sum.js";
  c.fixed_content = "function sum(a, b) {\n  return a + b;\n}\nmodule.exports = { sum };\n";
  c.expected = {"## node --test", "test/sum.test.js:5", "adds two numbers"};
  RunBuggyThenFixed("tc-js", c);
}

TEST(ToolchainScenario, TypeScriptTypeErrorThenFixed) {
  if (!OnPath("tsc")) GTEST_SKIP() << "tsc is not installed (Debian: node-typescript)";
  LanguageCase c;
  c.buggy = {WriteFileUse("src/total.ts",
                          "export function total(prices: number[]): number {\n"
                          "  return prices.join(',');\n}\n")};
  c.fix = EditFile("src/total.ts", "prices.join(',')", "prices.reduce((a, b) => a + b, 0)");
  c.fixed_path = "src/total.ts";
  c.fixed_content =
      "export function total(prices: number[]): number {\n"
      "  return prices.reduce((a, b) => a + b, 0);\n}\n";
  c.expected = {"## tsc --noEmit", "src/total.ts:2", "not assignable to type 'number'"};
  RunBuggyThenFixed("tc-ts", c);
}

TEST(ToolchainScenario, CMakeProjectFailingCtestThenFixed) {
  if (!OnPath("cmake") || !OnPath("c++")) GTEST_SKIP() << "cmake or c++ is not installed";
  LanguageCase c;
  c.buggy = {
      WriteFileUse("CMakeLists.txt",
                   "cmake_minimum_required(VERSION 3.16)\nproject(calc CXX)\nenable_testing()\n"
                   "add_executable(calc_test calc_test.cpp)\n"
                   "add_test(NAME calc_test COMMAND calc_test)\n"),
      WriteFileUse("calc.hpp", "inline int twice(int x) { return x + 2; }\n"),
      WriteFileUse("calc_test.cpp",
                   "#include <cassert>\n#include \"calc.hpp\"\nint main() {\n"
                   "  assert(twice(3) == 6);\n  return 0;\n}\n")};
  c.fix = EditFile("calc.hpp", "x + 2", "x * 2");
  c.fixed_path = "calc.hpp";
  c.fixed_content = "inline int twice(int x) { return x * 2; }\n";
  c.expected = {"## ctest", "calc_test", "calc_test.cpp:4"};
  RunBuggyThenFixed("tc-cmake", c);
}

TEST(ToolchainScenario, CSingleFileSyntaxErrorThenFixed) {
  if (!OnPath("cc")) GTEST_SKIP() << "cc is not installed";
  LanguageCase c;
  c.buggy = {WriteFileUse(
      "hello.c", "#include <stdio.h>\nint main(void) {\n  puts(\"hi\")\n  return 0;\n}\n")};
  c.fix = EditFile("hello.c", "puts(\"hi\")", "puts(\"hi\");");
  c.fixed_path = "hello.c";
  c.fixed_content = "#include <stdio.h>\nint main(void) {\n  puts(\"hi\");\n  return 0;\n}\n";
  c.expected = {"## cc -fsyntax-only", "hello.c:3: error: expected"};
  RunBuggyThenFixed("tc-c", c);
}

TEST(ToolchainScenario, GoFailingTestThenFixed) {
  if (!OnPath("go")) GTEST_SKIP() << "go is not installed";
  LanguageCase c;
  c.buggy = {
      WriteFileUse("go.mod", "module example.com/calc\n\ngo 1.19\n"),
      WriteFileUse("calc.go", "package calc\n\nfunc Add(a, b int) int { return a - b }\n"),
      WriteFileUse(
          "calc_test.go",
          "package calc\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n"
          "\tif got := Add(2, 3); got != 5 {\n\t\tt.Errorf(\"Add(2, 3) = %d, want 5\", got)\n"
          "\t}\n}\n")};
  c.fix = EditFile("calc.go", "a - b", "a + b");
  c.fixed_path = "calc.go";
  c.fixed_content = "package calc\n\nfunc Add(a, b int) int { return a + b }\n";
  c.expected = {"## go test", "calc_test.go:7: TestAdd: Add(2, 3) = -1, want 5"};
  RunBuggyThenFixed("tc-go", c);
}

TEST(ToolchainScenario, RustFailingCargoTestThenFixed) {
  if (!OnPath("cargo")) GTEST_SKIP() << "cargo is not installed (rustup is not a Debian package)";
  LanguageCase c;
  c.buggy = {
      WriteFileUse("Cargo.toml",
                   "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
      WriteFileUse(
          "src/lib.rs",
          "pub fn add(a: i32, b: i32) -> i32 {\n    a - b\n}\n\n#[cfg(test)]\nmod tests {\n"
          "    #[test]\n    fn adds() {\n        assert_eq!(super::add(2, 3), 5);\n    }\n}\n")};
  c.fix = EditFile("src/lib.rs", "    a - b", "    a + b");
  c.fixed_path = "src/lib.rs";
  c.fixed_content =
      "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n"
      "    #[test]\n    fn adds() {\n        assert_eq!(super::add(2, 3), 5);\n    }\n}\n";
  c.expected = {"## cargo test", "src/lib.rs:9: tests::adds:"};
  RunBuggyThenFixed("tc-rust", c);
}

TEST(ToolchainScenario, MarkdownBrokenLinkThenFixed) {
  LanguageCase c;
  c.buggy = {
      WriteFileUse("chapters/01.md",
                   "# The Keeper\n\nThe lamp burns. Continue with [the storm](02-storm.md).\n")};
  c.fix =
      EditFile("chapters/01.md", "Continue with [the storm](02-storm.md).", "The night is long.");
  c.fixed_path = "chapters/01.md";
  c.fixed_content = "# The Keeper\n\nThe lamp burns. The night is long.\n";
  c.expected = {"## markdown structure", "chapters/01.md:3: link to \"02-storm.md\""};
  c.run_args = {"--domain", "book"};
  RunBuggyThenFixed("tc-markdown", c);
}

TEST(ToolchainScenario, MarkdownChapterShorterThanItsOutlineThenExpanded) {
  std::string longer;
  for (int i = 0; i < 12; ++i) longer += " The keeper climbs the stairs and trims the wick again.";
  LanguageCase c;
  c.instruction = "Write chapters/01.md, about 150 words, on the keeper's night.";
  c.buggy = {WriteFileUse("chapters/01.md", "# The Keeper\n\nThe lamp burns.\n")};
  c.fix = EditFile("chapters/01.md", "The lamp burns.", "The lamp burns." + longer);
  c.fixed_path = "chapters/01.md";
  c.fixed_content = "# The Keeper\n\nThe lamp burns." + longer + "\n";
  c.expected = {"## markdown length", "asks for 150 words", "has 5 words (at least 75 needed)"};
  c.run_args = {"--domain", "book"};
  RunBuggyThenFixed("tc-markdown-length", c);
}

TEST(ToolchainScenario, MissingBubblewrapWarnsOnceAndTheRunStillCompletes) {
  ScenarioHarness harness("tc-fallback");
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write calc.py."), PlanStep("2", "Write more.", {"1"})});
  model.instructions["1"].turns = {WriteFile("calc.py", "def add(a, b):\n    return a + b\n"),
                                   StepComplete("done")};
  model.instructions["2"].turns = {WriteFile("more.py", "X = 1\n"), StepComplete("done")};
  harness.Serve(std::move(model));
  ChildEnv env;
  env.set["L2MAC_BWRAP"] = (harness.root() / "no-bwrap-here").string();
  ProcessOutcome run = harness.Run({}, env);
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  const std::string warning =
      "sandbox: bubblewrap (`" + (harness.root() / "no-bwrap-here").string() + "`) was not found";
  const size_t first = run.err.find(warning);
  EXPECT_NE(first, std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(warning, first + 1), std::string::npos) << "warned more than once\n"
                                                                 << run.err;
}

TEST(ToolchainScenario, ConfigRequiringBubblewrapThatIsMissingStopsWithExitStatus8) {
  ScenarioHarness harness("tc-required");
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write calc.py.")});
  harness.Serve(std::move(model));
  const std::filesystem::path config = harness.root() / "config.json";
  ASSERT_TRUE(
      WriteText(config, R"({"sandbox": {"mode": "bubblewrap", "bwrap": "/nonexistent/bwrap"}})"));
  ProcessOutcome run = harness.Run({"--config", config.string()});
  EXPECT_EQ(run.exit_code, 8) << run.Describe();
  EXPECT_NE(run.err.find("l2mac: error: bubblewrap (`/nonexistent/bwrap`) was not found"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(harness.server().request_count(), 0u);
  EXPECT_FALSE(std::filesystem::exists(harness.out()));
}

TEST(ToolchainScenario, ConfigDisablesAProfileAndTightensTheSandbox) {
  // Python disabled: the broken Python file commits unchecked. The memory limit is read.
  ScenarioHarness harness("tc-config");
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write broken.py.")});
  model.instructions["1"].turns = {WriteFile("broken.py", "def (:\n"), StepComplete("done")};
  harness.Serve(std::move(model));
  const std::filesystem::path config = harness.root() / "config.json";
  ASSERT_TRUE(WriteText(config, R"({"toolchains": {"python": {"enabled": false}},
                                    "sandbox": {"memory_mb": 512, "max_processes": 64}})"));
  ProcessOutcome run = harness.Run({"--config", config.string()});
  EXPECT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadText(harness.out() / "broken.py"), "def (:\n");

  ASSERT_TRUE(WriteText(config, R"({"sandbox": {"memory_mb": "lots"}})"));
  ScenarioHarness bad("tc-config-bad");
  bad.Serve(ScriptedModel{});
  ProcessOutcome refused = bad.Run({"--config", config.string()});
  EXPECT_EQ(refused.exit_code, 3) << refused.Describe();
  EXPECT_NE(refused.err.find("sandbox.memory_mb"), std::string::npos) << refused.err;
}

TEST(DoctorScenario, ReportsTheSandboxModeAndTheToolchains) {
  ProcessOutcome doctor = RunL2mac({"doctor"});
  EXPECT_EQ(doctor.exit_code, 0) << doctor.Describe();
  EXPECT_NE(doctor.out.find("sandbox: bubblewrap ("), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find("python (required): "), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find("pytest"), std::string::npos) << doctor.out;
  for (const char* tool : {"node", "cmake", "ctest", "cc", "c++", "go", "cargo"}) {
    EXPECT_NE(doctor.out.find(std::string(" ") + tool + ": "), std::string::npos) << tool << "\n"
                                                                                  << doctor.out;
  }

  ProcessOutcome json = RunL2mac({"doctor", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.Describe();
  nlohmann::json report = nlohmann::json::parse(json.out);
  EXPECT_EQ(report["sandbox"]["mode"], "bubblewrap");
  EXPECT_EQ(report["ok"], true);
  EXPECT_TRUE(report["python"].contains("path"));

  // bubblewrap missing: the fallback is reported, which is not an error by itself.
  ChildEnv env;
  env.set["L2MAC_BWRAP"] = "/nonexistent/l2mac/bwrap";
  ProcessOutcome fallback = RunL2mac({"doctor"}, env);
  EXPECT_EQ(fallback.exit_code, 0) << fallback.Describe();
  EXPECT_NE(fallback.out.find("sandbox: fallback: resource limits and a process group"),
            std::string::npos)
      << fallback.out;
}

TEST(DoctorScenario, ExitsWith8WhenSomethingRequiredIsMissingAnd3OnABadConfig) {
  TempDir dir("doctor");
  const std::filesystem::path config = dir.path() / "config.json";
  ASSERT_TRUE(
      WriteText(config, R"({"sandbox": {"mode": "bubblewrap", "bwrap": "/nonexistent/bwrap"}})"));
  ProcessOutcome missing = RunL2mac({"doctor", "--config", config.string()});
  EXPECT_EQ(missing.exit_code, 8) << missing.Describe();
  EXPECT_NE(missing.out.find("sandbox: UNAVAILABLE"), std::string::npos) << missing.out;

  ASSERT_TRUE(WriteText(config, R"({"toolchains": {"go": {"steps": []}}})"));
  ProcessOutcome bad = RunL2mac({"doctor", "--config", config.string()});
  EXPECT_EQ(bad.exit_code, 3) << bad.Describe();
  EXPECT_NE(bad.err.find("toolchains.go"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace l2mac::scenario
