// The acceptance gate: the checks an instruction's output must pass before it commits.
//
// RunGate() runs the checks that fit the domain and the files on a materialized snapshot
// of the store (the committed head plus the instruction's staged writes), each check in a
// subprocess with a timeout. A timeout is a failure, never a pass. The report is written
// for the model: each failure with file, line and message where known, long output cut in
// the middle, bounded in size.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agents/toolchains/profile.hpp"
#include "agents/toolchains/test_results.hpp"
#include "core/sandbox.hpp"
#include "core/status.hpp"

namespace l2mac::toolchains {

enum class GateDomain { kCodebase, kBook };

struct GateOptions {
  std::chrono::milliseconds timeout{120000};  // per check
  size_t max_report_bytes = 6000;
  std::string python;  // interpreter with pytest; empty: FindPythonWithPytest()
  // Store paths of the tests to run (the run_tests tool's "paths"); empty: every test.
  // Each must exist in the snapshot. step_complete always runs every test.
  std::vector<std::string> test_paths;
  // The instruction being checked; the book domain reads the length it asks for.
  std::string instruction_text;
  // Where every check runs; null: Sandbox::Create() with the default settings.
  std::shared_ptr<const Sandbox> sandbox;
  // The toolchain profiles; empty: BuiltinProfiles().
  std::vector<ToolchainProfile> profiles;
  // The tests that passed at the last commit (see test_protection.hpp). Their profiles run
  // whatever the instruction touched, and a "protected tests" check fails when one of them
  // is no longer collected, is skipped or xfailed, or lost assertions, unless
  // `instruction_text` names it (see CheckProtectedTests).
  std::vector<ProtectedTest> protected_tests;
  // Tests that already failed before the run (l2mac run on an existing codebase, see
  // control_unit/existing_code.hpp): a test step whose only failed tests are among these
  // (and not protected, so not passed since) passes, its summary saying how many. Any
  // other failure, a timeout or a cut-short report fails the step as usual.
  std::vector<ProtectedTest> preexisting_failures;
  // Borrowed; when cancelled, the check in flight is killed and RunGate returns kCancelled.
  const CancelToken* cancel = nullptr;
  // The snapshot's files as the store has them (store paths), when the caller knows
  // them; null: RunGate lists the folder. Borrowed for the call: a kept folder (the check
  // tree) passes its own set rather than a copy, and nothing walks the folder.
  const std::set<std::string>* files = nullptr;
  // The caller keeps the snapshot handed to the sandbox's uid (Sandbox::HandOver), so no
  // command walks it to do so (SandboxCommand::root_handed_over).
  bool snapshot_handed_over = false;
};

struct CheckOutcome {
  std::string name;  // "python syntax", "pytest", "markdown files"
  bool passed = false;
  bool timed_out = false;
  std::string detail;  // bounded, for the model
  // A few words for OneLine(), e.g. "timed out after 5s", "1 failed, 3 passed"; may be empty.
  std::string summary;
};

struct GateReport {
  bool passed = true;
  std::vector<CheckOutcome> checks;  // empty when nothing applied
  // The tests each profile that ran reported, with their outcomes, files and assertion
  // counts; what the control unit protects after a commit.
  std::vector<ProfileTests> test_runs;

  // Text sent to the model: the failing checks with their details, at most `max_bytes`.
  std::string FailureText(size_t max_bytes) const;
  // One line for logs and the status report, a clause per check:
  // "python syntax: passed; pytest: failed (timed out after 5s)"; "no checks applied".
  std::string OneLine() const;
};

// `touched` lists the store paths the instruction wrote or deleted. The profiles of the
// domain run whose detect globs match a touched path (every file of the snapshot when
// `touched` is empty), each step in order until one fails; every command runs in the
// sandbox on the snapshot. Python: a syntax check of every .py file, pyflakes (undefined
// names only, when installed), then pytest when there are test files (test_*.py or
// *_test.py), its JUnit XML read into per-test findings. JavaScript, C/C++, Go and Rust:
// see profiles/builtin.json; a step whose tool is missing is skipped and says so. For
// kBook, every touched Markdown file that exists must be non-empty, at least one must have
// been written, and their structure must hold (see CheckMarkdownStructure). With
// options.protected_tests, the profiles they belong to run too, and a "protected tests"
// check comes last when one of them was weakened.
// Errors (as opposed to failing checks) mean the gate could not run, e.g. no Python with
// pytest installed: kFailedPrecondition with the fix.
Result<GateReport> RunGate(GateDomain domain, const std::filesystem::path& snapshot,
                           const std::vector<std::string>& touched, const GateOptions& options);

// The first of $L2MAC_PYTHON, python3 on PATH, /usr/bin/python3 that can import pytest,
// as the interpreter's absolute path. A success is cached per value of $L2MAC_PYTHON (a
// failure is not, so installing pytest later works); safe to call from several threads.
Result<std::string> FindPythonWithPytest();

// The same probe over an explicit candidate list (names are looked up in PATH), uncached.
// kFailedPrecondition naming every candidate and why it was rejected when none fits.
Result<std::string> FindPythonWithPytestAmong(const std::vector<std::string>& candidates);

// Keeps the first and last parts of `text` so the result is at most `max_bytes`, with a
// marker saying how many bytes were elided. Never splits a UTF-8 sequence.
std::string ElideMiddle(const std::string& text, size_t max_bytes);

}  // namespace l2mac::toolchains
