// The tests a runner collected, each with its outcome, read from the runner's own report:
// pytest's JUnit XML, node --test's TAP, ctest's progress lines, go test -json, cargo test.
// The gate's test protection compares these between a commit and the next gate, so every
// id is stable: store-relative paths and the runner's own names, never a snapshot path.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "agents/toolchains/profile.hpp"

namespace l2mac::toolchains {

enum class TestOutcome {
  kPassed,   // passed (pytest's non-strict XPASS included: it did not fail)
  kFailed,   // failed or errored
  kSkipped,  // skipped, ignored, disabled (pytest skip, TAP # SKIP, t.Skip, #[ignore], ctest)
  kXfailed,  // expected to fail and failed (pytest xfail, TAP # TODO)
};

// "passed", "failed", "skipped", "xfailed".
const char* TestOutcomeName(TestOutcome outcome);

// Which runner reported a test: it decides how the test's body is found in its file.
enum class TestFramework { kPytest, kNodeTest, kCtest, kGoTest, kCargoTest };

struct TestResult {
  // Unique within the runner's report and stable across gate runs:
  //   pytest    tests/test_app.py::TestGroup::test_create[param]  (pytest's node id)
  //   node      test/app.test.js::suite > adds two numbers
  //   ctest     the test's name
  //   go        example.com/calc::TestAdd, example.com/calc::TestAdd/case
  //   cargo     src/lib.rs::tests::adds, tests/api.rs::works, doc::src/lib.rs - add
  std::string id;
  // The test's own name, what an instruction calls it: test_create, adds two numbers,
  // TestAdd (for its subtests too), adds.
  std::string name;
  // The store path of the file defining it; empty when the report does not say (go, cargo
  // and ctest tests are located later, see LocateTests).
  std::string file;
  TestOutcome outcome = TestOutcome::kPassed;
  TestFramework framework = TestFramework::kPytest;
  // Assert-like statements in its body (see CountAssertions); -1 when the body was not
  // found.
  int assertions = -1;
};

// A test that passed at the last commit, which later gates hold to: still collected, still
// passing, no fewer assertions, unless the instruction names it.
struct ProtectedTest {
  std::string profile;  // the toolchain profile whose runner reported it ("python", "go")
  std::string id;       // TestResult::id
  std::string name;     // TestResult::name
  std::string file;     // TestResult::file; may be empty
  int assertions = -1;  // TestResult::assertions at the last commit
};

// How much one profile's gate run says about its tests.
enum class TestCollection {
  // Every step ran and passed: a test it did not report is no longer collected.
  kComplete,
  // A step failed or was cut short, or only some tests ran: what it reported is true, but
  // a test it did not report may simply not have run.
  kPartial,
  // A tool is missing, or the profile is gone from the configuration: nothing is known.
  kUnavailable,
};

// The tests one profile's runners reported in a gate run. A profile with no entry did not
// run (no file it detects, or no step that applies): it collected nothing.
struct ProfileTests {
  std::string profile;
  TestCollection collection = TestCollection::kComplete;
  std::vector<TestResult> tests;
};

// The tests in a runner's output. `root` is the snapshot path, stripped from file names;
// `file` is the test file the invocation ran (per-file steps, which is how node --test
// runs, since its reports do not name a passing test's file), empty otherwise. Parsers
// without tests (compiler, node --check, exit code) return none. Ids that a report
// repeats (two JavaScript tests of one name) get " #2", " #3" in order.
std::vector<TestResult> ParseTestResults(ResultParser parser, const std::string& output,
                                         const std::string& root, const std::string& file = "");

// pytest's JUnit XML (junit_family=xunit1, which carries file and line).
std::vector<TestResult> ParseJunitTestResults(const std::string& xml, const std::string& root);

}  // namespace l2mac::toolchains
