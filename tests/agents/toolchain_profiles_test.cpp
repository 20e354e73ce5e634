// The toolchain profiles through RunGate: each language's checks on real toolchains, in
// the sandbox, with findings (file, line, message) in what goes back to the model. Tests
// for a toolchain this machine lacks skip with the reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "agents/toolchains/profile.hpp"
#include "core/config.hpp"

namespace l2mac::toolchains {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string list = path != nullptr ? path : "";
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    if (::access((list.substr(start, end - start) + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

class ProfileGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("l2mac_profile_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.timeout = milliseconds(120000);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& path, const std::string& content) {
    const fs::path full = dir_ / path;
    fs::create_directories(full.parent_path());
    std::ofstream out(full, std::ios::binary);
    out << content;
  }

  GateReport Run(const std::vector<std::string>& touched,
                 GateDomain domain = GateDomain::kCodebase) {
    Result<GateReport> report = RunGate(domain, dir_, touched, options_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : GateReport{};
  }

  fs::path dir_;
  GateOptions options_;
};

TEST(ProfilesTest, TheBuiltinTableParsesAndCoversEveryLanguage) {
  std::vector<std::string> names;
  for (const ToolchainProfile& profile : BuiltinProfiles()) names.push_back(profile.name);
  for (const char* expected : {"python", "javascript", "c-cpp", "go", "rust", "markdown"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  EXPECT_EQ(names.front(), "python");
}

TEST(ProfilesTest, GlobsMatchNamesPathsAndTheRoot) {
  EXPECT_TRUE(MatchesGlob("*.py", "pkg/mod.py"));
  EXPECT_FALSE(MatchesGlob("*.py", "pkg/mod.pyc"));
  EXPECT_TRUE(MatchesGlob("test/*.js", "test/a.js"));
  EXPECT_FALSE(MatchesGlob("test/*.js", "src/test/a.js"));
  EXPECT_TRUE(MatchesGlob("/CMakeLists.txt", "CMakeLists.txt"));
  EXPECT_FALSE(MatchesGlob("/CMakeLists.txt", "sub/CMakeLists.txt"));
  // The one dialect (core/glob.hpp) adds "**" to what the profiles could say.
  EXPECT_TRUE(MatchesGlob("test/**/*.js", "test/unit/deep/a.js"));
  EXPECT_FALSE(MatchesGlob("test/**/*.js", "src/test/a.js"));
  EXPECT_TRUE(MatchesGlob("*.test.[cm]js", "a/b.test.mjs"));
  EXPECT_FALSE(MatchesGlob("", "a.py"));
}

// Regression: fnmatch backtracks; a profile glob over a model's deep path must not stall
// the gate.
TEST(ProfilesTest, GlobsAreLinearAndCheckedWhenParsed) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(MatchesGlob("*a*a*a*a*a*a*a*a*b", std::string(61, 'a')));
  EXPECT_FALSE(MatchesGlob("x/*a*a*a*a*a*a*a*a*a*a*a*a*b", "x/" + std::string(4000, 'a')));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));

  auto parsed = Config::Parse(
      R"({"toolchains": {"x": {"detect": ["*.x", ""], "steps": [{"name": "a", "command": ["a"]}]}}})",
      "bad.json");
  ASSERT_TRUE(parsed.ok());
  auto result = ProfilesFromConfig(*parsed->Section("toolchains"));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(Contains(result.status().message(), "detect[1]")) << result.status().message();
  EXPECT_TRUE(Contains(result.status().message(), "the glob is empty"))
      << result.status().message();
}

TEST(ProfilesTest, ConfigReplacesAddsAndDisablesProfiles) {
  auto config = Config::Parse(R"({"toolchains": {
      "go": {"enabled": false},
      "python": {"detect": ["*.py"], "steps": [{"name": "lint", "command": ["true"]}]},
      "shell": {"detect": ["*.sh"], "steps": [{"name": "sh -n", "command": ["sh", "-n", "{file}"],
                "per_file": true, "files": ["*.sh"], "parser": "compiler"}]}}})",
                              "test.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto profiles = ProfilesFromConfig(*config->Section("toolchains"));
  ASSERT_TRUE(profiles.ok()) << profiles.status().ToString();
  auto find = [&](const std::string& name) -> const ToolchainProfile* {
    for (const auto& p : *profiles) {
      if (p.name == name) return &p;
    }
    return nullptr;
  };
  EXPECT_EQ(find("go"), nullptr);
  ASSERT_NE(find("python"), nullptr);
  EXPECT_EQ(find("python")->steps.size(), 1U);
  ASSERT_NE(find("shell"), nullptr);
  EXPECT_TRUE(find("shell")->steps[0].per_file);
  EXPECT_NE(find("rust"), nullptr);

  for (
      const char* bad :
      {R"({"toolchains": {"x": {"detect": ["*.x"], "steps": [{"name": "a"}]}}})",
       R"({"toolchains": {"x": {"detect": ["*.x"], "steps": [{"name": "a", "command": ["a"], "parser": "xml"}]}}})",
       R"({"toolchains": {"x": {"detcet": ["*.x"], "steps": [{"name": "a", "command": ["a"]}]}}})"}) {
    auto parsed = Config::Parse(bad, "bad.json");
    ASSERT_TRUE(parsed.ok());
    auto result = ProfilesFromConfig(*parsed->Section("toolchains"));
    EXPECT_FALSE(result.ok()) << bad;
    if (!result.ok()) {
      EXPECT_TRUE(Contains(result.status().message(), "toolchains.x")) << result.status().message();
    }
  }
}

TEST_F(ProfileGateTest, AUserProfileRunsAndAMissingToolIsSkippedWithTheReason) {
  auto config = Config::Parse(R"({"toolchains": {
      "shell": {"detect": ["*.sh"], "steps": [{"name": "sh -n", "command": ["sh", "-n", "{file}"],
                "per_file": true, "files": ["*.sh"], "parser": "compiler"}]},
      "fortran": {"detect": ["*.f90"], "steps": [{"name": "gfortran-check",
                  "command": ["l2mac-no-such-compiler", "{files}"], "files": ["*.f90"]}]}}})",
                              "test.json");
  ASSERT_TRUE(config.ok());
  auto profiles = ProfilesFromConfig(*config->Section("toolchains"));
  ASSERT_TRUE(profiles.ok());
  options_.profiles = *profiles;
  Write("run.sh", "echo ok\nif then\n");
  Write("a.f90", "program a\nend program a\n");
  GateReport report = Run({"run.sh", "a.f90"});
  EXPECT_FALSE(report.passed);
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## sh -n")) << text;
  EXPECT_TRUE(Contains(text, "run.sh: 2: Syntax error")) << text;
  EXPECT_TRUE(Contains(report.OneLine(), "skipped: `l2mac-no-such-compiler` is not installed"))
      << report.OneLine();
}

TEST_F(ProfileGateTest, OnlyTheLanguagesTouchedAreChecked) {
  Write("broken.py", "def (:\n");
  Write("app.js", "console.log('ok');\n");
  GateReport js_only = Run({"app.js"});
  EXPECT_TRUE(js_only.passed) << js_only.FailureText(6000);
  EXPECT_TRUE(Contains(js_only.OneLine(), "node --check")) << js_only.OneLine();
  EXPECT_FALSE(Contains(js_only.OneLine(), "python")) << js_only.OneLine();
  GateReport python = Run({"broken.py"});
  EXPECT_FALSE(python.passed);
}

TEST_F(ProfileGateTest, PytestFailuresComeFromTheJunitReportWithFileAndLine) {
  Write("app.py", "def add(a, b):\n    return a - b\n");
  Write("test_app.py",
        "import app\n\n\ndef test_ok():\n    assert app.add(0, 0) == 0\n\n\n"
        "def test_add():\n    assert app.add(2, 2) == 4\n");
  GateReport report = Run({"app.py"});
  EXPECT_FALSE(report.passed);
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "Failing tests: 1 problem:")) << text;
  EXPECT_TRUE(Contains(text, "- test_app.py:9: test_app::test_add: assert 0 == 4")) << text;
  EXPECT_FALSE(fs::exists(dir_ / ".l2mac-junit.xml"));
}

TEST_F(ProfileGateTest, PyflakesFailsOnAnUndefinedName) {
  Write("app.py", "def area(r):\n    return pi * r * r\n");
  GateReport report = Run({"app.py"});
  EXPECT_FALSE(report.passed);
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## pyflakes")) << text;
  EXPECT_TRUE(Contains(text, "app.py:2")) << text;
  EXPECT_TRUE(Contains(text, "undefined name 'pi'")) << text;
}

TEST_F(ProfileGateTest, PyflakesStyleWarningsAndStarImportsDoNotFail) {
  Write("arith.py", "import os\n\n\ndef add(a, b):\n    return a + b\n");
  Write("test_arith.py", "from arith import *\n\n\ndef test_add():\n    assert add(2, 3) == 5\n");
  GateReport report = Run({"arith.py", "test_arith.py"});
  EXPECT_TRUE(report.passed) << report.FailureText(6000);
}

TEST_F(ProfileGateTest, GeneratedTestsRunInTheSandbox) {
  // A test that tries to write outside its folder and reach the network fails.
  // /var/tmp is world-writable on the host; /tmp inside the sandbox is a private tmpfs.
  const fs::path outside = fs::path("/var/tmp") / (dir_.filename().string() + "_outside.txt");
  const fs::path in_tmp = fs::path("/tmp") / (dir_.filename().string() + "_tmp.txt");
  Write("test_escape.py",
        "import socket\n\n"
        "def test_write_outside():\n    open('" +
            outside.string() +
            "', 'w').write('x')\n\n"
            "def test_write_tmp():\n    open('" +
            in_tmp.string() +
            "', 'w').write('x')\n\n"
            "def test_network():\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n");
  GateReport report = Run({"test_escape.py"});
  EXPECT_FALSE(report.passed);
  EXPECT_FALSE(fs::exists(outside));
  EXPECT_FALSE(fs::exists(in_tmp));  // written to the private /tmp, gone with it
  EXPECT_TRUE(Contains(report.OneLine(), "2 failed, 1 passed")) << report.OneLine();
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "test_write_outside")) << text;
  EXPECT_TRUE(Contains(text, "test_network")) << text;
}

TEST_F(ProfileGateTest, JavaScriptSyntaxErrorAndFailingNodeTest) {
  if (!OnPath("node")) GTEST_SKIP() << "node is not installed";
  Write("src/sum.js", "function sum(a, b) {\n  return a + b;\n\nmodule.exports = { sum };\n");
  GateReport syntax = Run({"src/sum.js"});
  EXPECT_FALSE(syntax.passed);
  std::string text = syntax.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## node --check")) << text;
  EXPECT_TRUE(Contains(text, "src/sum.js:")) << text;
  EXPECT_TRUE(Contains(text, "SyntaxError")) << text;

  Write("src/sum.js", "function sum(a, b) {\n  return a - b;\n}\nmodule.exports = { sum };\n");
  Write("test/sum.test.js",
        "const test = require('node:test');\nconst assert = require('node:assert');\n"
        "const { sum } = require('../src/sum');\n"
        "test('adds two numbers', () => {\n  assert.strictEqual(sum(2, 3), 5);\n});\n");
  GateReport failing = Run({"src/sum.js", "test/sum.test.js"});
  EXPECT_FALSE(failing.passed);
  text = failing.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## node --test")) << text;
  EXPECT_TRUE(Contains(text, "adds two numbers")) << text;
  EXPECT_TRUE(Contains(text, "test/sum.test.js:5")) << text;

  Write("src/sum.js", "function sum(a, b) {\n  return a + b;\n}\nmodule.exports = { sum };\n");
  GateReport fixed = Run({"src/sum.js"});
  EXPECT_TRUE(fixed.passed) << fixed.FailureText(6000);
  EXPECT_EQ(fixed.OneLine(), "node --check: passed; node --test: passed");
}

TEST_F(ProfileGateTest, TypeScriptTypeErrorsAreFindingsWithFileAndLine) {
  if (!OnPath("tsc")) GTEST_SKIP() << "tsc is not installed (Debian: node-typescript)";
  Write("src/total.ts",
        "export function total(prices: number[]): number {\n"
        "  const sum: number = prices.join(',');\n  return sum;\n}\n");
  GateReport typed = Run({"src/total.ts"});
  EXPECT_FALSE(typed.passed);
  std::string text = typed.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## tsc --noEmit")) << text;
  EXPECT_TRUE(Contains(text, "src/total.ts:2")) << text;
  EXPECT_TRUE(Contains(text, "not assignable to type 'number'")) << text;

  Write("src/total.ts",
        "export function total(prices: number[]): number {\n"
        "  return prices.reduce((sum, price) => sum + price, 0);\n}\n");
  GateReport fixed = Run({"src/total.ts"});
  EXPECT_TRUE(fixed.passed) << fixed.FailureText(6000);
  EXPECT_EQ(fixed.OneLine(), "tsc --noEmit: passed");
}

TEST_F(ProfileGateTest, CSingleFileIsCheckedWithFsyntaxOnly) {
  if (!OnPath("cc")) GTEST_SKIP() << "cc is not installed";
  Write("main.c", "#include <stdio.h>\nint main(void) {\n  printf(\"hi\\n\")\n  return 0;\n}\n");
  GateReport report = Run({"main.c"});
  EXPECT_FALSE(report.passed);
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## cc -fsyntax-only")) << text;
  EXPECT_TRUE(Contains(text, "main.c:3: error: expected")) << text;
}

TEST_F(ProfileGateTest, CMakeProjectIsBuiltAndTestedWithCtest) {
  if (!OnPath("cmake") || !OnPath("ctest") || !OnPath("c++")) GTEST_SKIP() << "cmake/c++ missing";
  Write("CMakeLists.txt",
        "cmake_minimum_required(VERSION 3.16)\nproject(calc CXX)\nenable_testing()\n"
        "add_executable(calc_test calc_test.cpp)\nadd_test(NAME calc_test COMMAND calc_test)\n");
  Write("calc.hpp", "inline int twice(int x) { return x + 2; }\n");
  Write("calc_test.cpp",
        "#include <cassert>\n#include \"calc.hpp\"\nint main() {\n  assert(twice(3) == 6);\n"
        "  return 0;\n}\n");
  GateReport failing = Run({"calc.hpp", "calc_test.cpp", "CMakeLists.txt"});
  EXPECT_FALSE(failing.passed);
  const std::string text = failing.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## ctest")) << text;
  EXPECT_TRUE(Contains(text, "calc_test")) << text;
  EXPECT_TRUE(Contains(text, "calc_test.cpp:4")) << text;

  Write("calc.hpp", "inline int twice(int x) { return x * 2; }\n");
  GateReport fixed = Run({"calc.hpp"});
  EXPECT_TRUE(fixed.passed) << fixed.FailureText(6000);
  EXPECT_EQ(fixed.OneLine(), "cmake configure: passed; cmake build: passed; ctest: passed");
}

TEST_F(ProfileGateTest, GoVetAndGoTest) {
  if (!OnPath("go")) GTEST_SKIP() << "go is not installed";
  Write("go.mod", "module example.com/calc\n\ngo 1.19\n");
  Write("calc.go", "package calc\n\nfunc Add(a, b int) int { return a - b }\n");
  Write(
      "calc_test.go",
      "package calc\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n"
      "\tif got := Add(2, 3); got != 5 {\n\t\tt.Errorf(\"Add(2, 3) = %d, want 5\", got)\n\t}\n}\n");
  GateReport failing = Run({"calc.go"});
  EXPECT_FALSE(failing.passed);
  const std::string text = failing.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## go test")) << text;
  EXPECT_TRUE(Contains(text, "calc_test.go:7: TestAdd: Add(2, 3) = -1, want 5")) << text;

  Write("calc.go", "package calc\n\nfunc Add(a, b int) int { return a + b }\n");
  GateReport fixed = Run({"calc.go"});
  EXPECT_TRUE(fixed.passed) << fixed.FailureText(6000);
  EXPECT_EQ(fixed.OneLine(), "go vet: passed; go test: passed");
}

TEST_F(ProfileGateTest, CargoCheckAndCargoTest) {
  if (!OnPath("cargo")) GTEST_SKIP() << "cargo is not installed (rustup is not a Debian package)";
  Write("Cargo.toml", "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
  Write("src/lib.rs",
        "pub fn add(a: i32, b: i32) -> i32 {\n    a - b\n}\n\n#[cfg(test)]\nmod tests {\n"
        "    #[test]\n    fn adds() {\n        assert_eq!(super::add(2, 3), 5);\n    }\n}\n");
  GateReport failing = Run({"src/lib.rs"});
  EXPECT_FALSE(failing.passed);
  const std::string text = failing.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## cargo test")) << text;
  EXPECT_TRUE(Contains(text, "src/lib.rs:9: tests::adds:")) << text;

  Write("src/lib.rs", "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n");
  GateReport fixed = Run({"src/lib.rs"});
  EXPECT_TRUE(fixed.passed) << fixed.FailureText(6000);
}

TEST_F(ProfileGateTest, MarkdownStructureProblemsAreListed) {
  Write("book/ch01.md",
        "# One\n\nIntro.\n\n### Too deep\n\nText.\n\n## Empty\n\n## Links\n\n"
        "See [two](ch02.md), [gone](ch09.md), [here](#links) and [nowhere](#nope).\n");
  Write("book/ch02.md", "# Two\n\nText.\n");
  GateReport report = Run({"book/ch01.md"}, GateDomain::kBook);
  EXPECT_FALSE(report.passed);
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "book/ch01.md:5: heading level jumps from 1 to 3")) << text;
  EXPECT_TRUE(Contains(text, "book/ch01.md:9: section \"Empty\" is empty")) << text;
  EXPECT_TRUE(Contains(text, "book/ch09.md does not exist")) << text;
  EXPECT_TRUE(Contains(text, "\"#nope\"")) << text;
  EXPECT_FALSE(Contains(text, "\"#links\"")) << text;
  EXPECT_FALSE(Contains(text, "ch02.md does not exist")) << text;
}

}  // namespace
}  // namespace l2mac::toolchains
