// MeasureCode on real files with the real pyflakes: lines of code of the .py files outside
// dot folders and __pycache__, every pyflakes message counted (unused imports included,
// a syntax error too), and an unknown count, with the reason, when pyflakes cannot run.
#include <gtest/gtest.h>

#include <fstream>

#include "control_unit/code_metrics.hpp"
#include "tests/scenarios/temp_dir.hpp"

namespace l2mac::control_unit {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(CodeMetrics, CountsNonBlankPythonLinesAndEveryPyflakesMessage) {
  if (FindPyflakes().empty()) GTEST_SKIP() << "pyflakes is not installed";
  scenario::TempDir dir("code-metrics");
  Write(dir.path() / "app.py", "import os\n\n\ndef main():\n    return undefined_name\n");
  Write(dir.path() / "pkg" / "ok.py", "def f():\n    return 1\n\n");
  Write(dir.path() / "pkg" / "broken.py", "def f(:\n");
  Write(dir.path() / "README.md", "# not code\n\nlines\n");
  // Not the output's code: the state folder, other dot folders, bytecode caches.
  Write(dir.path() / ".l2mac" / "x.py", "import os\n");
  Write(dir.path() / ".venv" / "lib.py", "import sys\n");
  Write(dir.path() / "pkg" / "__pycache__" / "c.py", "import re\n");
  auto metrics = MeasureCode(dir.path());
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
  EXPECT_EQ(metrics->python_files, 3);
  EXPECT_EQ(metrics->loc, 3 + 2 + 1);
  ASSERT_TRUE(metrics->lint_errors.has_value()) << metrics->lint_note;
  // 'os' imported but unused, undefined name, and the syntax error.
  EXPECT_EQ(*metrics->lint_errors, 3) << ::testing::PrintToString(metrics->lint_messages);
  ASSERT_EQ(metrics->lint_messages.size(), 3u);
  int unused_import = 0;  // pyflakes writes syntax errors to stderr: any order
  for (const auto& message : metrics->lint_messages) {
    unused_import += message.rfind("app.py:1:", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(unused_import, 1) << ::testing::PrintToString(metrics->lint_messages);
  EXPECT_TRUE(metrics->lint_note.empty());
}

TEST(CodeMetrics, CleanCodeHasNoErrorsAndNoCodeNeedsNoPyflakes) {
  scenario::TempDir dir("code-metrics-clean");
  auto empty = MeasureCode(dir.path());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->loc, 0);
  EXPECT_EQ(empty->lint_errors, std::optional<int64_t>(0));
  if (FindPyflakes().empty()) GTEST_SKIP() << "pyflakes is not installed";
  Write(dir.path() / "a.py", "def f():\n    return 1\n");
  auto clean = MeasureCode(dir.path());
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->lint_errors, std::optional<int64_t>(0)) << clean->lint_note;
}

TEST(CodeMetrics, WithoutPyflakesTheCountIsUnknownAndSaysWhy) {
  scenario::TempDir dir("code-metrics-none");
  Write(dir.path() / "a.py", "import os\n");
  CodeMetricsOptions options;
  options.pyflakes = {(dir.path() / "no-such-pyflakes").string()};
  auto metrics = MeasureCode(dir.path(), options);
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->loc, 1);
  EXPECT_FALSE(metrics->lint_errors.has_value());
  EXPECT_NE(metrics->lint_note.find("pyflakes could not be started"), std::string::npos)
      << metrics->lint_note;

  // One that never finishes is stopped at the bound.
  Write(dir.path() / "slow.sh", "#!/bin/sh\nsleep 30\n");
  fs::permissions(dir.path() / "slow.sh", fs::perms::owner_all);
  options.pyflakes = {(dir.path() / "slow.sh").string()};
  options.lint_timeout = std::chrono::milliseconds(300);
  auto slow = MeasureCode(dir.path(), options);
  ASSERT_TRUE(slow.ok());
  EXPECT_FALSE(slow->lint_errors.has_value());
  EXPECT_NE(slow->lint_note.find("timed out"), std::string::npos) << slow->lint_note;
}

TEST(CodeMetrics, AMissingFolderIsNotFound) {
  auto metrics = MeasureCode("/nonexistent/l2mac-code-metrics");
  EXPECT_EQ(metrics.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace l2mac::control_unit
