// Reading which requirements a test covers from its name (the convention of
// agents/toolchains/requirement_tests.hpp), for the names each runner reports.
#include "agents/toolchains/requirement_tests.hpp"

#include <gtest/gtest.h>

namespace l2mac::toolchains {
namespace {

const std::vector<std::string> kIds = {"F1", "F3", "F4", "F10", "R2"};

std::vector<std::string> Named(std::string_view name) { return RequirementsNamedBy(name, kIds); }

TEST(RequirementTestsTest, EachLanguagesConventionIsRead) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Named("test_F3_resolves_known_code"), V{"F3"});          // pytest
  EXPECT_EQ(Named("test_F3_resolves_known_code[alias]"), V{"F3"});   // parametrized
  EXPECT_EQ(Named("F3 resolves a known code"), V{"F3"});             // node --test
  EXPECT_EQ(Named("F3: resolves a known code"), V{"F3"});            // with a colon
  EXPECT_EQ(Named("Test_F3_ResolvesKnownCode"), V{"F3"});            // go
  EXPECT_EQ(Named("f3_resolves_known_code"), V{"F3"});               // rust, any case
  EXPECT_EQ(Named("Shortener.F3_ResolvesKnownCode"), V{"F3"});       // googletest via ctest
  EXPECT_EQ(Named("test_F3_F4_click_is_counted"), (V{"F3", "F4"}));  // several, program order
  EXPECT_EQ(Named("test_F10_and_F1"), (V{"F1", "F10"}));
  EXPECT_EQ(Named("test_r2"), V{"R2"});
}

TEST(RequirementTestsTest, IdsGluedToOtherWordsOrNumbersAreNotRead) {
  EXPECT_TRUE(Named("test_F30_other").empty());  // F3 is not F30
  EXPECT_TRUE(Named("test_F10x").empty());       // nor F10 inside F10x
  EXPECT_TRUE(Named("TestF3Resolve").empty());   // glued: ambiguous, not read
  EXPECT_TRUE(Named("test_xF1_y").empty());      // preceded by a letter
  EXPECT_TRUE(Named("test_2F1").empty());        // preceded by a digit
  EXPECT_TRUE(Named("test_\xc3\xa9"
                    "F1")
                  .empty());  // preceded by a non-ASCII letter
  EXPECT_TRUE(Named("").empty());
  EXPECT_TRUE(RequirementsNamedBy("test_F1", {}).empty());
}

TEST(RequirementTestsTest, MatchesEveryReportedTestAgainstTheRequirements) {
  ProfileTests python;
  python.profile = "python";
  TestResult shorten;
  shorten.id = "tests/test_service.py::test_F1_shortens";
  shorten.name = "test_F1_shortens";
  shorten.file = "tests/test_service.py";
  TestResult both = shorten;
  both.id = "tests/test_service.py::test_F3_F4_counts";
  both.name = "test_F3_F4_counts";
  both.outcome = TestOutcome::kSkipped;
  TestResult unnamed = shorten;
  unnamed.id = "tests/test_service.py::test_helpers";
  unnamed.name = "test_helpers";
  python.tests = {shorten, both, unnamed};

  auto matches = MatchRequirementTests({python}, kIds);
  ASSERT_EQ(matches.size(), 3u);
  EXPECT_EQ(matches[0].requirement, "F1");
  EXPECT_EQ(matches[0].test_id, "tests/test_service.py::test_F1_shortens");
  EXPECT_EQ(matches[0].profile, "python");
  EXPECT_EQ(matches[0].file, "tests/test_service.py");
  EXPECT_EQ(matches[0].outcome, TestOutcome::kPassed);
  EXPECT_EQ(matches[1].requirement, "F3");
  EXPECT_EQ(matches[2].requirement, "F4");
  EXPECT_EQ(matches[2].outcome, TestOutcome::kSkipped);
  EXPECT_TRUE(MatchRequirementTests({python}, {}).empty());
}

}  // namespace
}  // namespace l2mac::toolchains
