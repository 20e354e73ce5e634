// The Python checks of the acceptance gate: a syntax check of every .py file, then pytest.
// Internal to the toolchains module; RunGate() is the public entry point. Each check runs
// the given interpreter in options.sandbox with a clean environment and options.timeout; a
// returned Status means the check could not run at all (e.g. the interpreter is missing),
// never that it failed.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "core/status.hpp"

namespace l2mac::toolchains {

// The .py files under `snapshot`, relative, with '/' separators, sorted. Hidden folders
// (such as .l2mac), hidden files and __pycache__ are skipped.
Result<std::vector<std::string>> ListPythonFiles(const std::filesystem::path& snapshot);

// test_*.py or *_test.py, judged on the file name alone.
bool IsPythonTestFile(const std::string& relative_path);

// Compiles every file in `files` (relative to `snapshot`); the detail lists each failure as
// "path:line:col: SyntaxError: message".
Result<CheckOutcome> RunPythonSyntaxCheck(const std::string& python,
                                          const std::filesystem::path& snapshot,
                                          const std::vector<std::string>& files,
                                          const GateOptions& options);

// Runs pytest in `snapshot` with the snapshot on PYTHONPATH. "No tests collected" passes;
// a timeout fails. When `tests` is given, every test pytest reported is added to it,
// passing or not (none when it was stopped before writing its report).
Result<CheckOutcome> RunPytest(const std::string& python, const std::filesystem::path& snapshot,
                               const GateOptions& options,
                               std::vector<TestResult>* tests = nullptr);

// pyflakes over `files`, failing only on undefined names (its style warnings are not
// reported). Passes with a "skipped" summary when pyflakes is not installed.
Result<CheckOutcome> RunPyflakes(const std::string& python, const std::filesystem::path& snapshot,
                                 const std::vector<std::string>& files, const GateOptions& options);

// "5s", "2.5s", "0.3s": a timeout for a message.
std::string FormatSeconds(std::chrono::milliseconds duration);

}  // namespace l2mac::toolchains
