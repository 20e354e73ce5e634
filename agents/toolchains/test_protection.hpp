// Test protection: the tests that passed at the last commit must, at every later gate,
// still be collected, still pass and keep their assert-like statements, unless the
// instruction names them. Judged from what the runners report (see test_results.hpp), so
// it covers every runner and every way of weakening a test that a report shows: a test
// deleted, renamed or deselected (conftest.py, pytest.ini, CMakeLists.txt, a file renamed
// out of the runner's patterns), skipped, marked xfail or todo; and, from the test's body
// (see test_bodies.hpp), an assertion removed from a test that still passes.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "agents/toolchains/profile.hpp"
#include "agents/toolchains/result_parsers.hpp"
#include "agents/toolchains/test_results.hpp"

namespace l2mac::toolchains {

// True when `instruction_text` names the test: its id; its file's store path; or its name
// as a whole word. A name of lowercase letters only ("adds") is too common a word to
// count, so it must be quoted: `adds`, 'adds' or "adds".
bool InstructionNamesTest(const std::string& instruction_text, const ProtectedTest& test);

// One finding per protected test that `runs` show weakened (not named by the instruction):
// no longer collected by a profile whose run was complete (or that did not run at all),
// skipped, xfailed, or with fewer assertions. A test that fails is the runner's own
// finding, not repeated here; tests of a profile whose run is kUnavailable are not judged.
std::vector<Finding> FindWeakenedTests(const std::vector<ProtectedTest>& protected_tests,
                                       const std::vector<ProfileTests>& runs,
                                       const std::string& instruction_text);

// The "protected tests" check of a gate: fails with the findings above, explaining the
// rule to the model; passes, saying how many, when some tests could not be checked;
// nullopt (no check to report, so the report of a gate that weakens nothing reads as
// before) when every protected test was judged and none was weakened.
std::optional<CheckOutcome> CheckProtectedTests(const std::vector<ProtectedTest>& protected_tests,
                                                const std::vector<ProfileTests>& runs,
                                                const std::string& instruction_text);

// What to protect after a commit whose passing gate reported `runs`: every test that
// passed, plus the previously protected tests the gate could not judge (their profile's
// run is kUnavailable, or kPartial and did not report them). Sorted by profile and id.
std::vector<ProtectedTest> NextProtectedTests(const std::vector<ProfileTests>& runs,
                                              const std::vector<ProtectedTest>& previous);

// The protected tests still held after the user edited `paths` by hand (the user decides
// about their own edits): those defined in one of `paths` are dropped, and so are those
// with no known file whose profile's detect globs match one of `paths` (a ctest test
// after an edit of a CMakeLists.txt or a source).
std::vector<ProtectedTest> WithoutTestsEditedByUser(const std::vector<ProtectedTest>& tests,
                                                    const std::vector<std::string>& paths,
                                                    const std::vector<ToolchainProfile>& profiles);

}  // namespace l2mac::toolchains
