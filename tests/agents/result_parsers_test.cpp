// The parsers that turn a tool's output into findings, on captured output of each format.
#include "agents/toolchains/result_parsers.hpp"

#include <gtest/gtest.h>

namespace l2mac::toolchains {
namespace {

TEST(ResultParsersTest, CompilerDiagnosticsKeepErrorsAndDropWarnings) {
  const std::string output =
      "/snap/src/a.c: In function 'main':\n"
      "/snap/src/a.c:3:5: warning: unused variable 'x' [-Wunused-variable]\n"
      "/snap/src/a.c:4:12: error: expected ';' before 'return'\n"
      "./calc.go:8:2: fmt.Printf format %d has arg s of wrong type string\n";
  auto findings = ParseFindings(ResultParser::kCompiler, output, "/snap");
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].Format(), "src/a.c:4: error: expected ';' before 'return'");
  EXPECT_EQ(findings[1].Format(), "calc.go:8: fmt.Printf format %d has arg s of wrong type string");
}

TEST(ResultParsersTest, TapNotOkWithLocationAndError) {
  const std::string output =
      "TAP version 13\n"
      "# Subtest: adds two numbers\n"
      "not ok 1 - adds two numbers\n"
      "  ---\n"
      "  duration_ms: 0.9\n"
      "  location: '/snap/test/sum.test.js:4:1'\n"
      "  failureType: 'testCodeFailure'\n"
      "  error: |-\n"
      "    Expected values to be strictly equal:\n"
      "  code: 'ERR_ASSERTION'\n"
      "  ...\n"
      "ok 2 - subtracts\n";
  auto findings = ParseFindings(ResultParser::kTap, output, "/snap");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].Format(),
            "test/sum.test.js:4: adds two numbers: Expected values to be strictly equal:");
}

TEST(ResultParsersTest, GoTestJsonFailuresAndBuildErrors) {
  const std::string output =
      "{\"Action\":\"run\",\"Package\":\"x\",\"Test\":\"TestAdd\"}\n"
      "{\"Action\":\"output\",\"Package\":\"x\",\"Test\":\"TestAdd\",\"Output\":\"    "
      "calc_test.go:7: Add(2, 3) = -1, want 5\\n\"}\n"
      "{\"Action\":\"fail\",\"Package\":\"x\",\"Test\":\"TestAdd\",\"Elapsed\":0}\n"
      "# y\n"
      "y/y.go:3:1: syntax error: non-declaration statement outside function body\n";
  auto findings = ParseFindings(ResultParser::kGoTestJson, output, "/snap");
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].Format(), "calc_test.go:7: TestAdd: Add(2, 3) = -1, want 5");
  EXPECT_EQ(findings[1].file, "y/y.go");
  EXPECT_EQ(findings[1].line, 3);
}

TEST(ResultParsersTest, CargoCompileErrorsAndPanicsOldAndNew) {
  const std::string output =
      "error[E0308]: mismatched types\n"
      " --> src/lib.rs:2:5\n"
      "thread 'tests::adds' panicked at 'assertion failed: `(left == right)`', src/lib.rs:9:9\n"
      "thread 'tests::subs' (42) panicked at src/lib.rs:14:9:\n"
      "assertion `left == right` failed\n"
      "  left: -1\n"
      " right: 5\n";
  auto findings = ParseFindings(ResultParser::kCargo, output, "/snap");
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].Format(), "src/lib.rs:2: error[E0308]: mismatched types");
  EXPECT_EQ(findings[1].Format(), "src/lib.rs:9: tests::adds: assertion failed: `(left == right)`");
  EXPECT_EQ(findings[2].Format(),
            "src/lib.rs:14: tests::subs: assertion `left == right` failed left: -1 right: 5");
}

TEST(ResultParsersTest, JunitXmlFailuresAndErrorsNotPasses) {
  const std::string xml =
      "<testsuites><testsuite>"
      "<testcase classname=\"test_app\" name=\"test_ok\" file=\"test_app.py\" line=\"3\" />"
      "<testcase classname=\"test_app\" name=\"test_add\" file=\"test_app.py\" line=\"7\">"
      "<failure message=\"assert 0 == 4&#10; + where 0 = add(2, 2)\">def test_add():\n"
      "&gt;       assert add(2, 2) == 4\nE       assert 0 == 4\n\ntest_app.py:9: AssertionError"
      "</failure></testcase>"
      "<testcase classname=\"test_io\" name=\"test_read\" file=\"test_io.py\" line=\"0\">"
      "<error message=\"failed on setup with &quot;fixture 'db' not found&quot;\"/></testcase>"
      "</testsuite></testsuites>";
  auto findings = ParseJunitXml(xml, "/snap");
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].Format(), "test_app.py:9: test_app::test_add: assert 0 == 4");
  EXPECT_EQ(findings[1].Format(),
            "test_io.py:1: test_io::test_read: failed on setup with \"fixture 'db' not found\"");
}

TEST(ResultParsersTest, FindingsListIsBounded) {
  std::vector<Finding> findings(30, Finding{"a.c", 1, "", "error: x"});
  const std::string text = FormatFindings(findings, 20);
  EXPECT_NE(text.find("30 problems:"), std::string::npos);
  EXPECT_NE(text.find("- ... and 10 more"), std::string::npos);
  EXPECT_EQ(FormatFindings({}, 20), "");
}

// The output parsed comes from the generated code's tools, so a model controls it.
// Regression: the standard library regex engine overflowed the stack on a long line (the gate
// crashed), and std::stoi threw on a line number too large for an int.
TEST(ResultParsersTest, HostileOutputNeitherCrashesNorThrows) {
  std::string long_line;
  for (int i = 0; i < 20000; ++i) long_line += "ab";
  const std::string lines[] = {
      long_line,
      "a.c:" + long_line,
      "a.c:1: error: " + long_line,
      "not ok 1 - " + long_line,
      "thread '" + long_line + "' panicked at src/lib.rs:1:1:",
      "a.c:99999999999999999999: error: too big",
      "  location: '/snap/a.js:99999999999999999999:1'",
      "x.go:99999999999999999999: message",
      "src/t.cpp:99999999999999999999: Assertion failed",
      "error[E1]: x\n --> src/lib.rs:99999999999999999999:1",
  };
  for (ResultParser parser :
       {ResultParser::kCompiler, ResultParser::kNodeCheck, ResultParser::kTap, ResultParser::kCtest,
        ResultParser::kGoTestJson, ResultParser::kCargo, ResultParser::kJunitXml}) {
    std::string output;
    for (const std::string& line : lines) output += line + "\nnot ok 2 - x\n  ...\n";
    auto findings = ParseFindings(parser, output, "/snap");
    for (const Finding& finding : findings) EXPECT_GE(finding.line, 0);
  }
  auto huge = ParseFindings(ResultParser::kCompiler, "a.c:99999999999999999999: error: x\n", "");
  ASSERT_EQ(huge.size(), 1u);
  EXPECT_EQ(huge[0].line, 0);  // unknown, not a wrapped number
  auto xml = ParseJunitXml(
      "<testcase name=\"t\" file=\"t.py\" line=\"x1\"><failure message=\"m\">t.py:999999999999: "
      "E</failure></testcase>",
      "");
  ASSERT_EQ(xml.size(), 1u);
  EXPECT_EQ(xml[0].line, 0);
}

}  // namespace
}  // namespace l2mac::toolchains
