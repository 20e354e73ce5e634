// Test protection through RunGate on real runners: a snapshot passes and its passing tests
// become protected (as a commit does), then each way of weakening them fails the
// "protected tests" check, unless the instruction names the test. Runners this machine
// lacks skip with the reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "agents/toolchains/test_protection.hpp"

namespace l2mac::toolchains {
namespace {

namespace fs = std::filesystem;

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

class ProtectionGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() / ("l2mac_protection_test_" + std::to_string(::getpid()) +
                                        "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.timeout = std::chrono::milliseconds(120000);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& path, const std::string& content) {
    const fs::path full = dir_ / path;
    fs::create_directories(full.parent_path());
    std::ofstream out(full, std::ios::binary);
    out << content;
  }
  void Remove(const std::string& path) { fs::remove(dir_ / path); }

  GateReport Run(const std::vector<std::string>& touched, const std::string& instruction = "") {
    options_.protected_tests = protected_;
    options_.instruction_text = instruction;
    Result<GateReport> report = RunGate(GateDomain::kCodebase, dir_, touched, options_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : GateReport{};
  }

  // The gate passes on the snapshot as it is, and what passed is protected from now on:
  // what committing an instruction does.
  void Commit(const std::vector<std::string>& touched = {}) {
    GateReport report = Run(touched);
    ASSERT_TRUE(report.passed) << report.FailureText(10000);
    protected_ = NextProtectedTests(report.test_runs, protected_);
  }

  std::vector<std::string> ProtectedIds() const {
    std::vector<std::string> ids;
    for (const ProtectedTest& test : protected_) {
      ids.push_back(test.profile + ":" + test.id + ":" + std::to_string(test.assertions));
    }
    return ids;
  }

  static const CheckOutcome* Protection(const GateReport& report) {
    for (const CheckOutcome& check : report.checks) {
      if (check.name == "protected tests") return &check;
    }
    return nullptr;
  }

  // The protection check failed, and its findings hold `finding`.
  static void ExpectRefused(const GateReport& report, const std::string& finding) {
    EXPECT_FALSE(report.passed);
    const CheckOutcome* check = Protection(report);
    ASSERT_NE(check, nullptr) << report.OneLine();
    EXPECT_FALSE(check->passed);
    EXPECT_TRUE(Contains(check->detail, finding)) << check->detail;
    EXPECT_TRUE(Contains(report.FailureText(6000), "## protected tests"))
        << report.FailureText(6000);
    EXPECT_TRUE(Contains(report.FailureText(6000),
                         "Protected tests may not be skipped, removed or weakened unless the "
                         "instruction names them"))
        << report.FailureText(6000);
  }

  // Nothing weakened: the gate passes, and its report reads as without protection.
  static void ExpectKept(const GateReport& report) {
    EXPECT_TRUE(report.passed) << report.FailureText(6000);
    EXPECT_EQ(Protection(report), nullptr) << report.OneLine();
  }

  fs::path dir_;
  GateOptions options_;
  std::vector<ProtectedTest> protected_;
};

// --- pytest --------------------------------------------------------------------------------

constexpr const char* kApp =
    "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n";
constexpr const char* kTestAdd =
    "def test_add():\n    assert add(2, 3) == 5\n    assert add(-1, 1) == 0\n";
constexpr const char* kTestSub = "def test_sub():\n    assert sub(5, 3) == 2\n";

std::string PythonTests(const std::string& before_sub = "", const std::string& add = kTestAdd) {
  return std::string("import pytest\n\nfrom app import add, sub\n\n\n") + add + "\n\n" +
         before_sub + kTestSub;
}

class PytestProtectionTest : public ProtectionGateTest {
 protected:
  void SetUp() override {
    ProtectionGateTest::SetUp();
    Write("app.py", kApp);
    Write("tests/test_app.py", PythonTests());
    Commit();
  }
};

TEST_F(PytestProtectionTest, PassingTestsAreProtectedWithTheirAssertions) {
  EXPECT_EQ(ProtectedIds(), (std::vector<std::string>{"python:tests/test_app.py::test_add:2",
                                                      "python:tests/test_app.py::test_sub:1"}));
  // Unchanged tests, and a new one: nothing weakened.
  Write("tests/test_more.py", "def test_more():\n    assert True\n");
  GateReport report = Run({"tests/test_more.py"});
  ExpectKept(report);
  EXPECT_EQ(report.OneLine(), "python syntax: passed; pyflakes: passed; pytest: passed (3 passed)");
}

TEST_F(PytestProtectionTest, AnAddedSkipIsRefused) {
  Write("tests/test_app.py", PythonTests("@pytest.mark.skip(reason='later')\n"));
  GateReport report = Run({"tests/test_app.py"});
  ExpectRefused(report,
                "tests/test_app.py::test_sub: passed at the last commit and is now skipped");
  EXPECT_TRUE(Contains(report.OneLine(), "pytest: passed")) << report.OneLine();
  EXPECT_TRUE(Contains(report.OneLine(), "protected tests: failed (1 weakened)"))
      << report.OneLine();
}

TEST_F(PytestProtectionTest, AnAddedXfailOnABrokenTestIsRefused) {
  Write("app.py", std::string(kApp).replace(std::string(kApp).find("a - b"), 5, "a + b"));
  Write("tests/test_app.py", PythonTests("@pytest.mark.xfail(reason='sub is being rewritten')\n"));
  ExpectRefused(Run({"app.py", "tests/test_app.py"}),
                "tests/test_app.py::test_sub: passed at the last commit and is now marked as "
                "expected to fail");
}

TEST_F(PytestProtectionTest, AConftestThatIgnoresTheFileIsRefused) {
  Write("conftest.py", "collect_ignore = ['tests/test_app.py']\n");
  GateReport report = Run({"conftest.py"});
  ExpectRefused(report,
                "tests/test_app.py::test_add: passed at the last commit and is no "
                "longer collected");
  EXPECT_TRUE(Contains(report.FailureText(6000), "tests/test_app.py::test_sub"));
}

TEST_F(PytestProtectionTest, AConftestThatDeselectsATestIsRefused) {
  Write("tests/conftest.py",
        "def pytest_collection_modifyitems(config, items):\n"
        "    items[:] = [item for item in items if item.name != 'test_sub']\n");
  ExpectRefused(Run({"tests/conftest.py"}),
                "tests/test_app.py::test_sub: passed at the last commit and is no longer "
                "collected");
}

TEST_F(PytestProtectionTest, ATestConfigurationTouchingNoPythonFileStillRunsTheTests) {
  // pytest.ini is no Python file: without protected tests the Python profile would not run.
  Write("pytest.ini", "[pytest]\npython_files = check_*.py\n");
  std::vector<ProtectedTest> none;
  std::swap(none, protected_);
  EXPECT_TRUE(Run({"pytest.ini"}).checks.empty());
  std::swap(none, protected_);
  ExpectRefused(Run({"pytest.ini"}),
                "tests/test_app.py::test_add: passed at the last commit and is no longer "
                "collected");
}

TEST_F(PytestProtectionTest, ADeletedTestFunctionIsRefused) {
  Write("tests/test_app.py", "from app import add\n\n\n" + std::string(kTestAdd));
  ExpectRefused(Run({"tests/test_app.py"}),
                "tests/test_app.py::test_sub: passed at the last commit and is no longer "
                "collected");
}

TEST_F(PytestProtectionTest, ARemovedAssertIsRefusedThoughTheTestStillPasses) {
  Write("tests/test_app.py",
        PythonTests("", "def test_add():\n    assert add(2, 3) == 5\n    # add(-1, 1) == 0\n"));
  GateReport report = Run({"tests/test_app.py"});
  EXPECT_TRUE(Contains(report.OneLine(), "pytest: passed (2 passed)")) << report.OneLine();
  ExpectRefused(report,
                "tests/test_app.py::test_add: had 2 assertions at the last commit and has 1 now");
  // Changing what an assertion expects is allowed: tests follow the code they test.
  Write("tests/test_app.py",
        PythonTests("", "def test_add():\n    assert add(2, 3) == 5\n    assert add(1, 1) == 2\n"));
  ExpectKept(Run({"tests/test_app.py"}));
}

TEST_F(PytestProtectionTest, ATestTheInstructionNamesMayBeSkippedOrRemoved) {
  Write("tests/test_app.py", PythonTests("@pytest.mark.skip(reason='later')\n"));
  ExpectKept(Run({"tests/test_app.py"}, "Skip test_sub until sub() is rewritten."));
  ExpectRefused(Run({"tests/test_app.py"}, "Rewrite sub() and test_subtract."), "test_sub");
  Remove("tests/test_app.py");
  ExpectKept(Run({"tests/test_app.py"}, "Replace tests/test_app.py by tests/test_ops.py."));
}

TEST_F(PytestProtectionTest, AFailingProtectedTestIsThePytestFailureAlone) {
  Write("app.py", std::string(kApp).replace(std::string(kApp).find("a - b"), 5, "a * b"));
  GateReport report = Run({"app.py"});
  EXPECT_FALSE(report.passed);
  EXPECT_TRUE(Contains(report.OneLine(), "pytest: failed")) << report.OneLine();
  EXPECT_EQ(Protection(report), nullptr) << report.OneLine();
}

TEST_F(ProtectionGateTest, OnlyPreexistingFailuresDoNotFailTheTestStep) {
  Write("app.py", kApp);
  // test_div already failed before the run (div does not exist).
  Write(
      "tests/test_app.py",
      PythonTests() + "\n\ndef test_div():\n    from app import div\n    assert div(4, 2) == 2\n");
  GateReport before = Run({});
  ASSERT_FALSE(before.passed);
  options_.preexisting_failures = {{"python", "tests/test_app.py::test_div", "test_div", "", -1}};
  protected_ = NextProtectedTests(before.test_runs, {});
  GateReport excused = Run({"app.py"});
  EXPECT_TRUE(excused.passed) << excused.FailureText(6000);
  EXPECT_TRUE(Contains(excused.OneLine(),
                       "pytest: passed (1 pre-existing failure, not held against the run)"))
      << excused.OneLine();
  // The excused test is not protected; the others still are.
  protected_ = NextProtectedTests(excused.test_runs, protected_);
  EXPECT_EQ(ProtectedIds(), (std::vector<std::string>{"python:tests/test_app.py::test_add:2",
                                                      "python:tests/test_app.py::test_sub:1"}));

  // A new failure beside it is not excused.
  Write("app.py", std::string(kApp).replace(std::string(kApp).find("a - b"), 5, "a * b"));
  GateReport broken = Run({"app.py"});
  EXPECT_FALSE(broken.passed);
  EXPECT_TRUE(Contains(broken.FailureText(6000), "test_sub")) << broken.FailureText(6000);

  // Once it has passed (and so is protected), it is held again.
  Write("app.py", std::string(kApp) + "\n\ndef div(a, b):\n    return a // b\n");
  Commit({"app.py"});
  Write("app.py", kApp);
  GateReport regressed = Run({"app.py"});
  EXPECT_FALSE(regressed.passed);
  EXPECT_TRUE(Contains(regressed.FailureText(6000), "test_div")) << regressed.FailureText(6000);
}

// --- node --test ---------------------------------------------------------------------------

TEST_F(ProtectionGateTest, NodeTestsMayNotBeSkippedRemovedOrLoseAssertions) {
  if (!OnPath("node")) GTEST_SKIP() << "node is not installed";
  Write("src/sum.js",
        "function sum(a, b) {\n  return a + b;\n}\nfunction mul(a, b) {\n  return a * b;\n}\n"
        "module.exports = { sum, mul };\n");
  const std::string head =
      "const test = require('node:test');\nconst assert = require('node:assert');\n"
      "const { sum, mul } = require('../src/sum');\n";
  const std::string adds =
      "test('adds two numbers', () => {\n  assert.strictEqual(sum(2, 3), 5);\n"
      "  assert.strictEqual(sum(0, 0), 0);\n});\n";
  const std::string multiplies = "test('multiplies', () => {\n  assert.equal(mul(2, 3), 6);\n});\n";
  Write("test/sum.test.js", head + adds + multiplies);
  Commit();
  EXPECT_EQ(ProtectedIds(),
            (std::vector<std::string>{"javascript:test/sum.test.js::adds two numbers:2",
                                      "javascript:test/sum.test.js::multiplies:1"}));

  Write("test/sum.test.js", head + adds +
                                "test('multiplies', { skip: true }, () => {\n"
                                "  assert.equal(mul(2, 3), 6);\n});\n");
  ExpectRefused(Run({"test/sum.test.js"}),
                "test/sum.test.js::multiplies: passed at the last commit and is now skipped");
  Write("test/sum.test.js", head + adds +
                                "test.todo('multiplies', () => {\n"
                                "  assert.equal(mul(2, 3), 6);\n});\n");
  ExpectRefused(Run({"test/sum.test.js"}),
                "test/sum.test.js::multiplies: passed at the last "
                "commit and is now marked as expected to fail");
  Write("test/sum.test.js", head + adds);
  ExpectRefused(Run({"test/sum.test.js"}),
                "test/sum.test.js::multiplies: passed at the last commit and is no longer "
                "collected");
  Write("test/sum.test.js", head +
                                "test('adds two numbers', () => {\n"
                                "  assert.strictEqual(sum(2, 3), 5);\n});\n" +
                                multiplies);
  ExpectRefused(Run({"test/sum.test.js"}),
                "test/sum.test.js::adds two numbers: had 2 assertions at the last commit and has "
                "1 now");
  // The instruction names the test: it may go.
  Write("test/sum.test.js", head + adds);
  ExpectKept(Run({"test/sum.test.js"}, "Remove mul() and the 'multiplies' test."));
}

// --- go test -------------------------------------------------------------------------------

TEST_F(ProtectionGateTest, GoTestsMayNotBeSkippedRemovedOrLoseChecks) {
  if (!OnPath("go")) GTEST_SKIP() << "go is not installed";
  Write("go.mod", "module example.com/calc\n\ngo 1.19\n");
  Write("calc.go", "package calc\n\nfunc Add(a, b int) int { return a + b }\n");
  const std::string head = "package calc\n\nimport \"testing\"\n\n";
  const std::string add =
      "func TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n\t\tt.Errorf(\"Add(2, 3)\")\n\t}\n"
      "\tif Add(0, 0) != 0 {\n\t\tt.Errorf(\"Add(0, 0)\")\n\t}\n}\n\n";
  const std::string zero =
      "func TestZero(t *testing.T) {\n\tif Add(0, 1) != 1 {\n\t\tt.Fatal(\"x\")\n\t}\n}\n";
  Write("calc_test.go", head + add + zero);
  Commit();
  EXPECT_EQ(ProtectedIds(), (std::vector<std::string>{"go:example.com/calc::TestAdd:2",
                                                      "go:example.com/calc::TestZero:1"}));
  ASSERT_EQ(protected_.size(), 2u);
  EXPECT_EQ(protected_[0].file, "calc_test.go");

  Write("calc_test.go", head + add +
                            "func TestZero(t *testing.T) {\n\tt.Skip(\"later\")\n"
                            "\tif Add(0, 1) != 1 {\n\t\tt.Fatal(\"x\")\n\t}\n}\n");
  ExpectRefused(Run({"calc_test.go"}),
                "calc_test.go: example.com/calc::TestZero: passed at the last commit and is now "
                "skipped");
  Write("calc_test.go", head + add);
  ExpectRefused(Run({"calc_test.go"}),
                "example.com/calc::TestZero: passed at the last commit and is no longer "
                "collected");
  Write("calc_test.go", head +
                            "func TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n"
                            "\t\tt.Errorf(\"Add(2, 3)\")\n\t}\n}\n\n" +
                            zero);
  ExpectRefused(Run({"calc_test.go"}),
                "example.com/calc::TestAdd: had 2 assertions at the last commit and has 1 now");
  // Deleting go.mod stops go test from running at all: the tests are gone.
  Write("calc_test.go", head + add + zero);
  Remove("go.mod");
  ExpectRefused(Run({"go.mod"}),
                "example.com/calc::TestAdd: passed at the last commit and is no "
                "longer collected");
  Write("go.mod", "module example.com/calc\n\ngo 1.19\n");
  Write("calc_test.go", head + add);
  ExpectKept(Run({"calc_test.go"}, "Drop TestZero: Add(0, 1) is covered by TestAdd."));
}

// --- ctest ---------------------------------------------------------------------------------

TEST_F(ProtectionGateTest, CtestTestsMayNotBeDisabledOrRemoved) {
  if (!OnPath("cmake") || !OnPath("ctest") || !OnPath("cc")) GTEST_SKIP() << "cmake/cc missing";
  const std::string project =
      "cmake_minimum_required(VERSION 3.16)\nproject(calc C)\nenable_testing()\n"
      "add_executable(calc_test calc_test.c)\nadd_test(NAME adds COMMAND calc_test add)\n";
  Write("CMakeLists.txt", project + "add_test(NAME subtracts COMMAND calc_test sub)\n");
  Write("calc_test.c",
        "#include <assert.h>\nint main(int argc, char **argv) {\n  (void)argv;\n"
        "  assert(argc == 2);\n  return 0;\n}\n");
  Commit();
  EXPECT_EQ(ProtectedIds(), (std::vector<std::string>{"c-cpp:adds:-1", "c-cpp:subtracts:-1"}));

  Write("CMakeLists.txt", project +
                              "add_test(NAME subtracts COMMAND calc_test sub)\n"
                              "set_tests_properties(subtracts PROPERTIES DISABLED TRUE)\n");
  ExpectRefused(Run({"CMakeLists.txt"}), "subtracts: passed at the last commit and is now skipped");
  Write("CMakeLists.txt", project);
  ExpectRefused(Run({"CMakeLists.txt"}),
                "subtracts: passed at the last commit and is no longer collected");
  ExpectKept(Run({"CMakeLists.txt"}, "Remove the `subtracts` test."));
}

// --- What cannot be judged -------------------------------------------------------------------

TEST_F(ProtectionGateTest, TestsOfAProfileNoLongerConfiguredAreNotJudged) {
  protected_ = {ProtectedTest{"fortran", "adds", "adds", "", -1}};
  Write("notes.txt", "nothing to check\n");
  GateReport report = Run({"notes.txt"});
  EXPECT_TRUE(report.passed);
  ASSERT_NE(Protection(report), nullptr) << report.OneLine();
  EXPECT_EQ(Protection(report)->summary, "0 kept, 1 not checked (their runner is unavailable)");
  EXPECT_EQ(NextProtectedTests(report.test_runs, protected_).size(), 1u);
}

}  // namespace
}  // namespace l2mac::toolchains
