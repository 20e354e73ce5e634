// The protection rules on collected tests: what names a test, what counts as weakened,
// what the next baseline holds, and what the user's own edits release.
#include "agents/toolchains/test_protection.hpp"

#include <gtest/gtest.h>

namespace l2mac::toolchains {
namespace {

using Lines = std::vector<std::string>;

ProtectedTest Protected(const std::string& id, const std::string& name, const std::string& file,
                        int assertions = 1, const std::string& profile = "python") {
  return ProtectedTest{profile, id, name, file, assertions};
}

TEST(TestProtectionTest, AnInstructionNamesATestByIdFileOrDistinctiveName) {
  const ProtectedTest pytest =
      Protected("tests/test_app.py::test_create", "test_create", "tests/test_app.py");
  EXPECT_TRUE(InstructionNamesTest("Remove tests/test_app.py::test_create.", pytest));
  EXPECT_TRUE(InstructionNamesTest("Rewrite tests/test_app.py for the new API.", pytest));
  EXPECT_TRUE(InstructionNamesTest("Drop test_create, it tests nothing.", pytest));
  EXPECT_FALSE(InstructionNamesTest("Add test_create_many.", pytest));
  EXPECT_FALSE(InstructionNamesTest("Add tests/test_app.py::test_create_many.", pytest));
  EXPECT_FALSE(InstructionNamesTest("Add tests/test_app.py.bak and more.", pytest));
  EXPECT_FALSE(InstructionNamesTest("Add a delete endpoint with tests.", pytest));
  const ProtectedTest ctest = Protected("adds", "adds", "", 1, "c-cpp");
  EXPECT_FALSE(InstructionNamesTest("Add a multiply function; it adds nothing new.", ctest));
  EXPECT_TRUE(InstructionNamesTest("Replace the ctest test `adds` by two tests.", ctest));
  const ProtectedTest node =
      Protected("test/a.test.js::suite > adds two numbers", "adds two numbers", "test/a.test.js");
  EXPECT_TRUE(InstructionNamesTest("The test 'adds two numbers' is obsolete.", node));
}

TEST(TestProtectionTest, WeakenedProtectedTestsAreFindingsUnlessNamed) {
  std::vector<ProtectedTest> protected_tests = {
      Protected("t.py::test_kept", "test_kept", "t.py", 2),
      Protected("t.py::test_skipped", "test_skipped", "t.py"),
      Protected("t.py::test_xfailed", "test_xfailed", "t.py"),
      Protected("t.py::test_gone", "test_gone", "t.py"),
      Protected("t.py::test_fewer", "test_fewer", "t.py", 2),
      Protected("t.py::test_failing", "test_failing", "t.py"),
      Protected("t.py::test_named", "test_named", "t.py"),
      Protected("example.com/x::TestGo", "TestGo", "x_test.go", 1, "go"),
      Protected("other", "other", "", 1, "c-cpp"),
  };
  auto result = [](const std::string& id, TestOutcome outcome, int assertions) {
    TestResult test;
    test.id = id;
    test.outcome = outcome;
    test.assertions = assertions;
    return test;
  };
  std::vector<ProfileTests> runs = {
      {"python",
       TestCollection::kComplete,
       {result("t.py::test_kept", TestOutcome::kPassed, 3),
        result("t.py::test_skipped", TestOutcome::kSkipped, 1),
        result("t.py::test_xfailed", TestOutcome::kXfailed, 1),
        result("t.py::test_fewer", TestOutcome::kPassed, 1),
        result("t.py::test_failing", TestOutcome::kFailed, 1),
        result("t.py::test_named", TestOutcome::kSkipped, 1)}},
      // go's run stopped early: a test it did not report may not have run.
      {"go", TestCollection::kPartial, {}},
      {"c-cpp", TestCollection::kUnavailable, {}},
  };
  auto findings = FindWeakenedTests(protected_tests, runs, "Skip test_named for now.");
  std::vector<std::string> lines;
  for (const Finding& finding : findings) lines.push_back(finding.Format());
  EXPECT_EQ(lines, (Lines{"t.py::test_skipped: passed at the last commit and is now skipped",
                          "t.py::test_xfailed: passed at the last commit and is now marked as "
                          "expected to fail (xfail/todo)",
                          "t.py::test_gone: passed at the last commit and is no longer collected: "
                          "it was deleted, renamed, or deselected (by conftest.py, pytest.ini, "
                          "package.json, CMakeLists.txt, go.mod, Cargo.toml, or a test file "
                          "renamed out of the runner's file patterns)",
                          "t.py::test_fewer: had 2 assertions at the last commit and has 1 now: "
                          "assertions of a protected test may be changed but not removed"}));

  // The same go run complete, and without the run: the go test is missing either way.
  runs[1].collection = TestCollection::kComplete;
  EXPECT_EQ(FindWeakenedTests({protected_tests[7]}, runs, "").size(), 1u);
  EXPECT_EQ(FindWeakenedTests({protected_tests[7]}, {}, "").size(), 1u);
  EXPECT_EQ(FindWeakenedTests({protected_tests[7]}, {}, "").front().Format(),
            "x_test.go: example.com/x::TestGo: passed at the last commit and is no longer "
            "collected: it was deleted, renamed, or deselected (by conftest.py, pytest.ini, "
            "package.json, CMakeLists.txt, go.mod, Cargo.toml, or a test file renamed out of the "
            "runner's file patterns)");

  auto check = CheckProtectedTests(protected_tests, runs, "");
  ASSERT_TRUE(check.has_value());
  EXPECT_FALSE(check->passed);
  EXPECT_EQ(check->summary, "6 weakened");
  EXPECT_NE(check->detail.find("may not be skipped, removed or weakened unless the instruction "
                               "names them"),
            std::string::npos)
      << check->detail;
  auto kept = CheckProtectedTests({protected_tests[0], protected_tests[8]}, runs, "");
  ASSERT_TRUE(kept.has_value());
  EXPECT_TRUE(kept->passed);
  EXPECT_EQ(kept->summary, "1 kept, 1 not checked (their runner is unavailable)");
  // All judged, none weakened: nothing to report.
  EXPECT_FALSE(CheckProtectedTests({protected_tests[0]}, runs, "").has_value());
}

TEST(TestProtectionTest, NextBaselineIsWhatPassedPlusWhatCouldNotBeJudged) {
  auto passed = [](const std::string& id) {
    TestResult test;
    test.id = id;
    test.name = id;
    test.assertions = 2;
    return test;
  };
  TestResult skipped = passed("s");
  skipped.outcome = TestOutcome::kSkipped;
  std::vector<ProfileTests> runs = {
      {"python", TestCollection::kComplete, {passed("a"), skipped}},
      {"javascript", TestCollection::kPartial, {passed("j1")}},
      {"c-cpp", TestCollection::kUnavailable, {}},
  };
  std::vector<ProtectedTest> previous = {
      Protected("a", "a", "", 1),
      Protected("gone", "gone", ""),
      Protected("s", "s", ""),
      Protected("j2", "j2", "", 1, "javascript"),
      Protected("c", "c", "", 1, "c-cpp"),
      Protected("g", "g", "", 1, "go"),
  };
  std::vector<std::string> next;
  for (const ProtectedTest& test : NextProtectedTests(runs, previous)) {
    next.push_back(test.profile + ":" + test.id + ":" + std::to_string(test.assertions));
  }
  EXPECT_EQ(next, (Lines{"c-cpp:c:1", "javascript:j1:2", "javascript:j2:1", "python:a:2"}));
}

TEST(TestProtectionTest, TheUsersOwnEditsReleaseTheTestsTheyTouch) {
  std::vector<ProtectedTest> tests = {
      Protected("tests/test_a.py::test_x", "test_x", "tests/test_a.py"),
      Protected("tests/test_b.py::test_y", "test_y", "tests/test_b.py"),
      Protected("adds", "adds", "", 1, "c-cpp"),
      Protected("x::TestGo", "TestGo", "", 1, "go"),
  };
  auto kept =
      WithoutTestsEditedByUser(tests, {"tests/test_a.py", "CMakeLists.txt"}, BuiltinProfiles());
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].id, "tests/test_b.py::test_y");
  EXPECT_EQ(kept[1].id, "x::TestGo");
}

}  // namespace
}  // namespace l2mac::toolchains
