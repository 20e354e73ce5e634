// The collected-test sets the runners' reports yield, on captured output of each format.
#include "agents/toolchains/test_results.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace l2mac::toolchains {
namespace {

// "id=outcome" per test, in report order.
std::vector<std::string> Summary(const std::vector<TestResult>& tests) {
  std::vector<std::string> lines;
  for (const TestResult& test : tests) {
    lines.push_back(test.id + "=" + TestOutcomeName(test.outcome));
  }
  return lines;
}

using Lines = std::vector<std::string>;

TEST(TestResultsTest, PytestJunitXmlYieldsNodeIdsAndEveryOutcome) {
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"pytest\">"
      "<testcase classname=\"tests.test_app\" name=\"test_ok\" file=\"tests/test_app.py\" "
      "line=\"2\" time=\"0.000\" />"
      "<testcase classname=\"tests.test_app\" name=\"test_skipped\" file=\"tests/test_app.py\" "
      "line=\"5\"><skipped type=\"pytest.skip\" message=\"later\">/snap/tests/test_app.py:6: "
      "later</skipped></testcase>"
      "<testcase classname=\"tests.test_app\" name=\"test_xf\" file=\"tests/test_app.py\" "
      "line=\"9\"><skipped type=\"pytest.xfail\" message=\"\" /></testcase>"
      "<testcase classname=\"tests.test_app\" name=\"test_param[1-a]\" "
      "file=\"tests/test_app.py\" line=\"21\" />"
      "<testcase classname=\"tests.test_app.TestGroup.Inner\" name=\"test_in_class\" "
      "file=\"tests/test_app.py\" line=\"26\" />"
      "<testcase classname=\"tests.test_app\" name=\"test_fail\" file=\"tests/test_app.py\" "
      "line=\"29\"><failure message=\"assert 1 == 2\">...</failure></testcase>"
      "<testcase classname=\"test_io\" name=\"test_read\" file=\"test_io.py\" line=\"0\">"
      "<error message=\"fixture 'db' not found\"/></testcase>"
      // A module that failed to import has no file: it is no test.
      "<testcase classname=\"\" name=\"tests.test_broken\" time=\"0.000\"><error "
      "message=\"collection failure\">SyntaxError</error></testcase>"
      "</testsuite></testsuites>";
  auto tests = ParseJunitTestResults(xml, "/snap");
  EXPECT_EQ(
      Summary(tests),
      (Lines{"tests/test_app.py::test_ok=passed", "tests/test_app.py::test_skipped=skipped",
             "tests/test_app.py::test_xf=xfailed", "tests/test_app.py::test_param[1-a]=passed",
             "tests/test_app.py::TestGroup::Inner::test_in_class=passed",
             "tests/test_app.py::test_fail=failed", "test_io.py::test_read=failed"}));
  ASSERT_EQ(tests.size(), 7u);
  EXPECT_EQ(tests[3].name, "test_param");
  EXPECT_EQ(tests[3].file, "tests/test_app.py");
  EXPECT_EQ(tests[4].name, "test_in_class");
  EXPECT_EQ(ParseTestResults(ResultParser::kJunitXml, xml, "/snap").size(), 7u);
}

// node 20's TAP, as `node --test --test-reporter=tap test/sum.test.js` prints it.
constexpr const char* kNodeTap =
    "TAP version 13\n"
    "# Subtest: calc\n"
    "    # Subtest: mul\n"
    "    ok 1 - mul\n"
    "      ---\n"
    "      duration_ms: 1.398409\n"
    "      ...\n"
    "    # Subtest: fails\n"
    "    not ok 2 - fails\n"
    "      ---\n"
    "      location: '/snap/test/sum.test.js:3:70'\n"
    "      error: |-\n"
    "        ok 9 - this line is inside the YAML block\n"
    "      ...\n"
    "    1..2\n"
    "not ok 1 - calc\n"
    "  ---\n"
    "  type: 'suite'\n"
    "  ...\n"
    "# Subtest: adds two numbers\n"
    "ok 2 - adds two numbers\n"
    "  ---\n"
    "  duration_ms: 1.776836\n"
    "  ...\n"
    "# Subtest: skipped one\n"
    "ok 3 - skipped one # SKIP\n"
    "# Subtest: todo one\n"
    "ok 4 - todo one # TODO\n"
    "# Subtest: a \\# in a name\n"
    "ok 5 - a \\# in a name\n"
    "# Subtest: twice\n"
    "ok 6 - twice\n"
    "# Subtest: twice\n"
    "ok 7 - twice # skip\n"
    "1..7\n"
    "# tests 8\n";

TEST(TestResultsTest, NodeTapYieldsNestedNamesUnderTheFileItRan) {
  auto tests = ParseTestResults(ResultParser::kTap, kNodeTap, "/snap", "test/sum.test.js");
  EXPECT_EQ(Summary(tests),
            (Lines{"test/sum.test.js::calc > mul=passed", "test/sum.test.js::calc > fails=failed",
                   "test/sum.test.js::calc=failed", "test/sum.test.js::adds two numbers=passed",
                   "test/sum.test.js::skipped one=skipped", "test/sum.test.js::todo one=xfailed",
                   "test/sum.test.js::a # in a name=passed", "test/sum.test.js::twice=passed",
                   "test/sum.test.js::twice #2=skipped"}));
  ASSERT_FALSE(tests.empty());
  EXPECT_EQ(tests[0].name, "mul");
  EXPECT_EQ(tests[0].file, "test/sum.test.js");
  EXPECT_EQ(tests[0].framework, TestFramework::kNodeTest);
}

TEST(TestResultsTest, NodeEighteenWrapsEachFileInATestThatIsNotOne) {
  const std::string tap =
      "TAP version 13\n"
      "# Subtest: /snap/test/sum.test.js\n"
      "    # Subtest: adds\n"
      "    ok 1 - adds\n"
      "    1..1\n"
      "ok 1 - /snap/test/sum.test.js\n"
      "1..1\n";
  EXPECT_EQ(Summary(ParseTestResults(ResultParser::kTap, tap, "/snap", "test/sum.test.js")),
            (Lines{"test/sum.test.js::adds=passed"}));
}

TEST(TestResultsTest, CtestProgressLinesYieldEveryTestAndItsOutcome) {
  const std::string output =
      "Test project /snap/.l2mac-build\n"
      "    Start 1: adds\n"
      " 1/12 Test  #1: adds .............................   Passed    0.01 sec\n"
      "2/5 Test #2: Calc.Subtracts ...................   Passed    0.01 sec\n"
      "3/5 Test #3: skipper ..........................***Skipped   0.01 sec\n"
      "4/5 Test #4: off ..............................***Not Run (Disabled)   0.00 sec\n"
      "5/5 Test #5: fails ............................Subprocess aborted***Exception:   0.01 "
      "sec\n"
      "6/6 Test #6: a_name_too_long_to_be_padded_by_ctest***Failed    0.01 sec\n"
      "calc_test: /snap/calc_test.c:5: main: Assertion `1 == 2' failed.\n"
      "The following tests did not run:\n"
      "\t  3 - skipper (Skipped)\n"
      "The following tests FAILED:\n"
      "\t  5 - fails (Subprocess aborted)\n";
  EXPECT_EQ(Summary(ParseTestResults(ResultParser::kCtest, output, "/snap")),
            (Lines{"adds=passed", "Calc.Subtracts=passed", "skipper=skipped", "off=skipped",
                   "fails=failed", "a_name_too_long_to_be_padded_by_ctest=failed"}));
}

TEST(TestResultsTest, GoTestJsonYieldsPackageScopedTestsAndSubtests) {
  const std::string output =
      "{\"Action\":\"run\",\"Package\":\"example.com/calc/sub\",\"Test\":\"TestX\"}\n"
      "{\"Action\":\"output\",\"Package\":\"example.com/calc/sub\",\"Test\":\"TestX\","
      "\"Output\":\"--- PASS\\n\"}\n"
      "{\"Action\":\"pass\",\"Package\":\"example.com/calc/sub\",\"Test\":\"TestX\"}\n"
      "{\"Action\":\"pass\",\"Package\":\"example.com/calc/sub\",\"Elapsed\":0.022}\n"
      "{\"Action\":\"skip\",\"Package\":\"example.com/calc\",\"Test\":\"TestSkip\"}\n"
      "{\"Action\":\"pass\",\"Package\":\"example.com/calc\",\"Test\":\"TestSub/one\"}\n"
      "{\"Action\":\"fail\",\"Package\":\"example.com/calc\",\"Test\":\"TestSub/two\"}\n"
      "{\"Action\":\"fail\",\"Package\":\"example.com/calc\",\"Test\":\"TestSub\"}\n"
      "# example.com/calc/broken\n"
      "broken/b.go:3:1: syntax error\n";
  auto tests = ParseTestResults(ResultParser::kGoTestJson, output, "/snap");
  EXPECT_EQ(Summary(tests),
            (Lines{"example.com/calc/sub::TestX=passed", "example.com/calc::TestSkip=skipped",
                   "example.com/calc::TestSub/one=passed", "example.com/calc::TestSub/two=failed",
                   "example.com/calc::TestSub=failed"}));
  ASSERT_EQ(tests.size(), 5u);
  EXPECT_EQ(tests[2].name, "TestSub");  // a subtest goes by its test's name
}

TEST(TestResultsTest, CargoTestYieldsTestsPerTargetAndDocTestsWithoutLines) {
  const std::string output =
      "    Finished `test` profile [unoptimized + debuginfo] target(s) in 2.56s\n"
      "     Running unittests src/lib.rs (/snap/.l2mac-target/debug/deps/calc-c6626fb655)\n"
      "\n"
      "running 3 tests\n"
      "test tests::later ... ignored\n"
      "test tests::adds ... ok\n"
      "test tests::breaks ... FAILED\n"
      "\n"
      "test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out\n"
      "     Running tests/api.rs (/snap/.l2mac-target/debug/deps/api-14943844c8)\n"
      "test works ... ok\n"
      "   Doc-tests calc\n"
      "test src/lib.rs - add (line 1) ... ok\n";
  auto tests = ParseTestResults(ResultParser::kCargo, output, "/snap");
  EXPECT_EQ(Summary(tests),
            (Lines{"src/lib.rs::tests::later=skipped", "src/lib.rs::tests::adds=passed",
                   "src/lib.rs::tests::breaks=failed", "tests/api.rs::works=passed",
                   "doc::src/lib.rs - add=passed"}));
  ASSERT_EQ(tests.size(), 5u);
  EXPECT_EQ(tests[1].name, "adds");
  EXPECT_EQ(tests[4].file, "src/lib.rs");
}

TEST(TestResultsTest, ParsersWithoutTestsYieldNone) {
  EXPECT_TRUE(ParseTestResults(ResultParser::kCompiler, "a.c:1:1: error: x\n", "/snap").empty());
  EXPECT_TRUE(ParseTestResults(ResultParser::kExitCode, "ok 1 - x\n", "/snap").empty());
}

}  // namespace
}  // namespace l2mac::toolchains
