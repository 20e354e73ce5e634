#include "agents/toolchains/gate.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace l2mac::toolchains {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// A fresh snapshot folder per test, removed afterwards.
class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("l2mac_gate_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.timeout = milliseconds(30000);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& path, const std::string& content) {
    const fs::path full = dir_ / path;
    fs::create_directories(full.parent_path());
    std::ofstream out(full, std::ios::binary);
    out << content;
  }

  GateReport Run(GateDomain domain, const std::vector<std::string>& touched = {}) {
    Result<GateReport> report = RunGate(domain, dir_, touched, options_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : GateReport{};
  }

  static const CheckOutcome* Find(const GateReport& report, const std::string& name) {
    for (const CheckOutcome& check : report.checks) {
      if (check.name == name) return &check;
    }
    return nullptr;
  }

  fs::path dir_;
  GateOptions options_;
};

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// True when `text` is well-formed UTF-8.
bool IsValidUtf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 1;
    if (lead >= 0xF0) {
      length = 4;
    } else if (lead >= 0xE0) {
      length = 3;
    } else if (lead >= 0xC0) {
      length = 2;
    } else if (lead >= 0x80) {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

const char kCalculator[] = "def add(a, b):\n    return a + b\n";

TEST_F(GateTest, CleanPackageWithPassingTestsPasses) {
  Write("calc/__init__.py", "");
  Write("calc/ops.py", kCalculator);
  Write("tests/test_ops.py",
        "from calc.ops import add\n\n"
        "def test_add():\n    assert add(2, 3) == 5\n\n"
        "def test_add_negative():\n    assert add(-1, 1) == 0\n");
  GateReport report = Run(GateDomain::kCodebase);
  EXPECT_TRUE(report.passed) << report.FailureText(10000);
  ASSERT_EQ(report.checks.size(), 3U);
  EXPECT_EQ(report.checks[0].name, "python syntax");
  EXPECT_TRUE(report.checks[0].passed);
  EXPECT_EQ(report.checks[1].name, "pyflakes");
  EXPECT_TRUE(report.checks[1].passed);
  EXPECT_EQ(report.checks[2].name, "pytest");
  EXPECT_TRUE(report.checks[2].passed);
  EXPECT_EQ(report.FailureText(1000), "");
  EXPECT_EQ(report.OneLine(), "python syntax: passed; pyflakes: passed; pytest: passed (2 passed)");
  // The run leaves no bytecode or pytest cache behind in the snapshot.
  EXPECT_FALSE(fs::exists(dir_ / "calc" / "__pycache__"));
  EXPECT_FALSE(fs::exists(dir_ / "tests" / "__pycache__"));
  EXPECT_FALSE(fs::exists(dir_ / ".pytest_cache"));
}

TEST_F(GateTest, SyntaxErrorFailsNamingFileAndLineWithoutRunningPytest) {
  Write("app.py", kCalculator);
  Write("broken.py", "x = 1\ndef oops(:\n    pass\n");
  Write("test_app.py", "import app\n\ndef test_add():\n    assert app.add(1, 1) == 2\n");
  GateReport report = Run(GateDomain::kCodebase);
  EXPECT_FALSE(report.passed);
  ASSERT_EQ(report.checks.size(), 1U);
  EXPECT_EQ(report.checks[0].name, "python syntax");
  EXPECT_FALSE(report.checks[0].passed);
  EXPECT_EQ(Find(report, "pytest"), nullptr);
  const std::string text = report.FailureText(6000);
  EXPECT_EQ(text.rfind("Checks failed:\n", 0), 0U) << text;
  EXPECT_TRUE(Contains(text, "## python syntax")) << text;
  EXPECT_TRUE(Contains(text, "broken.py:2:")) << text;
  EXPECT_TRUE(Contains(text, "SyntaxError")) << text;
  EXPECT_TRUE(Contains(text, "pytest was not run")) << text;
  EXPECT_FALSE(Contains(text, "app.py:")) << text;
  EXPECT_EQ(report.OneLine(), "python syntax: failed (1 file with errors)");
}

TEST_F(GateTest, IndentationErrorIsReported) {
  Write("pkg/mod.py", "def f():\nreturn 1\n");
  GateReport report = Run(GateDomain::kCodebase);
  EXPECT_FALSE(report.passed);
  EXPECT_TRUE(Contains(report.FailureText(6000), "pkg/mod.py:2:")) << report.FailureText(6000);
  EXPECT_TRUE(Contains(report.FailureText(6000), "IndentationError")) << report.FailureText(6000);
}

TEST_F(GateTest, FailingAssertionFailsWithTheTestName) {
  Write("app.py", kCalculator);
  Write("test_app.py",
        "import app\n\n"
        "def test_add_ok():\n    assert app.add(1, 1) == 2\n\n"
        "def test_add_is_wrong():\n    assert app.add(2, 2) == 5\n");
  GateReport report = Run(GateDomain::kCodebase);
  EXPECT_FALSE(report.passed);
  const CheckOutcome* pytest = Find(report, "pytest");
  ASSERT_NE(pytest, nullptr);
  EXPECT_FALSE(pytest->passed);
  EXPECT_FALSE(pytest->timed_out);
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "## pytest")) << text;
  EXPECT_TRUE(Contains(text, "test_add_is_wrong")) << text;
  EXPECT_TRUE(Contains(text, "assert 4 == 5")) << text;
  EXPECT_EQ(report.OneLine(),
            "python syntax: passed; pyflakes: passed; pytest: failed (1 failed, 1 passed)");
}

TEST_F(GateTest, TestPathsRestrictWhichTestsRun) {
  Write("app.py", kCalculator);
  Write("test_good.py", "import app\n\ndef test_ok():\n    assert app.add(1, 1) == 2\n");
  Write("test_bad.py", "import app\n\ndef test_wrong():\n    assert app.add(2, 2) == 5\n");
  options_.test_paths = {"test_good.py"};
  GateReport only_good = Run(GateDomain::kCodebase);
  EXPECT_TRUE(only_good.passed) << only_good.FailureText(6000);
  EXPECT_EQ(only_good.OneLine(),
            "python syntax: passed; pyflakes: passed; pytest: passed (1 passed)");
  options_.test_paths.clear();
  GateReport all = Run(GateDomain::kCodebase);
  EXPECT_FALSE(all.passed);
}

TEST_F(GateTest, ImportErrorInATestFails) {
  Write("test_app.py", "import module_that_does_not_exist\n\ndef test_x():\n    pass\n");
  GateReport report = Run(GateDomain::kCodebase);
  EXPECT_FALSE(report.passed);
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "module_that_does_not_exist")) << text;
  EXPECT_TRUE(Contains(text, "collection error")) << text;
}

TEST_F(GateTest, HangingTestTimesOutAndFails) {
  Write("test_slow.py",
        "import time\n\n"
        "def test_fast():\n    assert True\n\n"
        "def test_sleeps():\n    time.sleep(60)\n");
  options_.timeout = milliseconds(2000);
  const auto start = std::chrono::steady_clock::now();
  GateReport report = Run(GateDomain::kCodebase);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  EXPECT_FALSE(report.passed);
  const CheckOutcome* pytest = Find(report, "pytest");
  ASSERT_NE(pytest, nullptr);
  EXPECT_FALSE(pytest->passed);
  EXPECT_TRUE(pytest->timed_out);
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "did not finish within 2s")) << text;
  EXPECT_TRUE(Contains(text, "timeout counts as a failure")) << text;
  EXPECT_TRUE(Contains(text, "infinite loops")) << text;
  EXPECT_TRUE(Contains(text, "test_slow.py::test_sleeps")) << text;
  EXPECT_EQ(report.OneLine(),
            "python syntax: passed; pyflakes: passed; pytest: failed (timed out after 2s)");
}

TEST_F(GateTest, PythonWithoutTestFilesPassesOnSyntaxAlone) {
  Write("app.py", kCalculator);
  GateReport report = Run(GateDomain::kCodebase);
  EXPECT_TRUE(report.passed);
  ASSERT_EQ(report.checks.size(), 2U);
  EXPECT_EQ(report.checks[0].name, "python syntax");
  EXPECT_EQ(report.OneLine(), "python syntax: passed; pyflakes: passed");
}

TEST_F(GateTest, TestFileWithoutTestsPassesAsNoTestsCollected) {
  Write("app.py", kCalculator);
  Write("app_test.py", "import app\n\nVALUE = app.add(1, 2)\n");
  GateReport report = Run(GateDomain::kCodebase);
  EXPECT_TRUE(report.passed) << report.FailureText(6000);
  const CheckOutcome* pytest = Find(report, "pytest");
  ASSERT_NE(pytest, nullptr);
  EXPECT_TRUE(pytest->passed);
  EXPECT_EQ(pytest->detail, "no tests collected");
}

TEST_F(GateTest, NoPythonFilesMeansNoChecks) {
  Write("README.md", "# Hello\n");
  Write("data/config.json", "{}\n");
  Write(".l2mac/broken.py", "def (:\n");
  Write("pkg/__pycache__/stale.py", "def (:\n");
  Write(".hidden/test_hidden.py", "def test_x():\n    assert False\n");
  GateReport report = Run(GateDomain::kCodebase);
  EXPECT_TRUE(report.passed);
  EXPECT_TRUE(report.checks.empty());
  EXPECT_EQ(report.OneLine(), "no checks applied");
}

TEST_F(GateTest, MissingSnapshotIsAnError) {
  Result<GateReport> report = RunGate(GateDomain::kCodebase, dir_ / "does-not-exist", {}, options_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kNotFound);
}

TEST_F(GateTest, MissingInterpreterIsAnError) {
  Write("app.py", kCalculator);
  options_.python = "/nonexistent/python3";
  Result<GateReport> report = RunGate(GateDomain::kCodebase, dir_, {}, options_);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(Contains(report.status().message(), "/nonexistent/python3"))
      << report.status().ToString();
}

TEST_F(GateTest, BookEmptyChapterFails) {
  Write("book/ch01.md", "# One\n\nText.\n");
  Write("book/ch02.md", "  \n\t\n");
  GateReport report = Run(GateDomain::kBook, {"book/ch01.md", "book/ch02.md"});
  EXPECT_FALSE(report.passed);
  ASSERT_EQ(report.checks.size(), 1U);
  EXPECT_EQ(report.checks[0].name, "markdown files");
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "book/ch02.md")) << text;
  EXPECT_FALSE(Contains(text, "book/ch01.md")) << text;
}

TEST_F(GateTest, BookNonEmptyChapterPasses) {
  Write("book/ch01.md", "# One\n\nText.\n");
  Write("book/notes.txt", "");
  GateReport report = Run(GateDomain::kBook, {"book/ch01.md", "book/notes.txt", "old.md"});
  EXPECT_TRUE(report.passed) << report.FailureText(6000);
  EXPECT_EQ(report.OneLine(),
            "markdown files: passed (1 file); markdown structure: passed; markdown length: "
            "passed (no length target)");
}

TEST_F(GateTest, BookWithoutMarkdownWrittenFails) {
  Write("notes.txt", "text\n");
  GateReport report = Run(GateDomain::kBook, {"notes.txt", "deleted.md", "../escape.md"});
  EXPECT_FALSE(report.passed);
  const std::string text = report.FailureText(6000);
  EXPECT_TRUE(Contains(text, "this instruction wrote no Markdown file")) << text;
  EXPECT_TRUE(Contains(text, "step_complete")) << text;
}

TEST_F(GateTest, BookIgnoresPythonFiles) {
  Write("ch01.md", "# One\n\nText.\n");
  Write("broken.py", "def (:\n");
  GateReport report = Run(GateDomain::kBook, {"ch01.md"});
  EXPECT_TRUE(report.passed);
  EXPECT_EQ(Find(report, "python syntax"), nullptr);
}

TEST(GateReportTest, FailureTextIsBounded) {
  GateReport report;
  report.passed = false;
  report.checks.push_back({"python syntax", true, false, "", ""});
  report.checks.push_back({"pytest", false, false, std::string(20000, 'x') + "END", "1 failed"});
  const std::string text = report.FailureText(500);
  EXPECT_LE(text.size(), 500U);
  EXPECT_EQ(text.rfind("Checks failed:\n", 0), 0U);
  EXPECT_TRUE(Contains(text, "bytes elided"));
  EXPECT_TRUE(Contains(text, "END"));
  EXPECT_FALSE(Contains(text, "## python syntax"));
}

TEST(ElideMiddleTest, ShortTextIsUnchanged) {
  EXPECT_EQ(ElideMiddle("hello", 5), "hello");
  EXPECT_EQ(ElideMiddle("", 0), "");
}

TEST(ElideMiddleTest, KeepsHeadAndTailWithinTheBound) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line " + std::to_string(i) + "\n";
  for (size_t max : {64U, 100U, 257U, 1000U, 5000U}) {
    const std::string result = ElideMiddle(text, max);
    EXPECT_LE(result.size(), max) << max;
    EXPECT_EQ(result.rfind("line 0\n", 0), 0U) << max;
    EXPECT_EQ(result.substr(result.size() - 9), "line 999\n") << max;
    // The marker states exactly how many bytes are missing.
    const size_t open = result.find("[... ");
    ASSERT_NE(open, std::string::npos) << max;
    const size_t elided = std::stoul(result.substr(open + 5));
    const std::string marker = "\n[... " + std::to_string(elided) + " bytes elided ...]\n";
    EXPECT_EQ(result.size() - marker.size() + elided, text.size()) << max;
  }
}

TEST(ElideMiddleTest, TinyBoundStillHoldsAndStaysValid) {
  const std::string text(100, 'a');
  for (size_t max = 0; max < 40; ++max) EXPECT_LE(ElideMiddle(text, max).size(), max);
}

TEST(ElideMiddleTest, NeverSplitsUtf8Sequences) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "é€😀a";  // 2, 3, 4 and 1 byte sequences
  ASSERT_TRUE(IsValidUtf8(text));
  for (size_t max = 0; max < 200; ++max) {
    const std::string result = ElideMiddle(text, max);
    EXPECT_LE(result.size(), max) << max;
    EXPECT_TRUE(IsValidUtf8(result)) << max;
  }
}

TEST(FindPythonTest, FindsAnInterpreterWithPytest) {
  Result<std::string> python = FindPythonWithPytest();
  ASSERT_TRUE(python.ok()) << python.status().ToString();
  EXPECT_EQ(python->front(), '/');
  // The same answer comes back from the cache.
  Result<std::string> again = FindPythonWithPytest();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *python);
}

TEST(FindPythonTest, SkipsCandidatesWithoutPytest) {
  Result<std::string> python =
      FindPythonWithPytestAmong({"/nonexistent/python3", "/bin/false", "/usr/bin/python3"});
  ASSERT_TRUE(python.ok()) << python.status().ToString();
  EXPECT_TRUE(Contains(*python, "python")) << *python;
}

TEST(FindPythonTest, NoCandidateIsAFailedPreconditionWithTheFix) {
  Result<std::string> python = FindPythonWithPytestAmong({"/nonexistent/python3", "/bin/false"});
  ASSERT_FALSE(python.ok());
  EXPECT_EQ(python.status().code(), StatusCode::kFailedPrecondition);
  const std::string message = python.status().message();
  EXPECT_TRUE(Contains(message, "/nonexistent/python3")) << message;
  EXPECT_TRUE(Contains(message, "/bin/false")) << message;
  EXPECT_TRUE(Contains(message, "apt-get install python3-pytest")) << message;
  EXPECT_TRUE(Contains(message, "L2MAC_PYTHON")) << message;
}

TEST(FindPythonTest, HonoursL2macPythonAndFallsBackWhenItIsWrong) {
  const char* previous = std::getenv("L2MAC_PYTHON");
  const std::string saved = previous != nullptr ? previous : "";
  ASSERT_EQ(::setenv("L2MAC_PYTHON", "/nonexistent/python3", 1), 0);
  Result<std::string> fallback = FindPythonWithPytest();
  ASSERT_EQ(::setenv("L2MAC_PYTHON", "/usr/bin/python3", 1), 0);
  Result<std::string> configured = FindPythonWithPytest();
  if (previous != nullptr) {
    ::setenv("L2MAC_PYTHON", saved.c_str(), 1);
  } else {
    ::unsetenv("L2MAC_PYTHON");
  }
  ASSERT_TRUE(fallback.ok()) << fallback.status().ToString();
  ASSERT_TRUE(configured.ok()) << configured.status().ToString();
  EXPECT_EQ(*configured, "/usr/bin/python3");
}

TEST_F(GateTest, BookChapterIsMeasuredAgainstTheLengthItsInstructionAsks) {
  std::string short_chapter = "# One\n\n";
  for (int i = 0; i < 40; ++i) short_chapter += "word ";
  Write("book/ch01.md", short_chapter + "\n");
  options_.instruction_text = "Write book/ch01.md, about 200 words, on the harbour.";
  GateReport too_short = Run(GateDomain::kBook, {"book/ch01.md"});
  EXPECT_FALSE(too_short.passed);
  const CheckOutcome* length = Find(too_short, "markdown length");
  ASSERT_NE(length, nullptr) << too_short.OneLine();
  EXPECT_TRUE(Contains(length->detail, "41 words")) << length->detail;
  EXPECT_TRUE(Contains(length->detail, "at least 100")) << length->detail;
  EXPECT_TRUE(Contains(too_short.FailureText(2000), "200 words")) << too_short.FailureText(2000);

  std::string long_enough = "# One\n\n";
  for (int i = 0; i < 150; ++i) long_enough += "word ";
  Write("book/ch01.md", long_enough + "\n");
  GateReport passes = Run(GateDomain::kBook, {"book/ch01.md"});
  EXPECT_TRUE(passes.passed) << passes.OneLine();

  options_.instruction_text = "Write book/ch01.md on the harbour.";
  Write("book/ch01.md", short_chapter + "\n");
  GateReport no_target = Run(GateDomain::kBook, {"book/ch01.md"});
  EXPECT_TRUE(no_target.passed) << no_target.OneLine();
  EXPECT_TRUE(Contains(no_target.OneLine(), "no length target")) << no_target.OneLine();
}

}  // namespace
}  // namespace l2mac::toolchains
