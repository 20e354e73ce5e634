#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agents/toolchains/book_checks.hpp"

namespace l2mac::toolchains {
namespace {

TEST(WordTargetTest, AboutNAcceptsHalfToTwice) {
  auto target = ParseWordTarget("Write chapters/01.md, about 1,500 words, on the harbour.");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->min_words, 750u);
  EXPECT_EQ(target->max_words, 3000u);
  EXPECT_EQ(target->phrase, "1,500 words");
  auto hyphenated = ParseWordTarget("a 600-word introduction");
  ASSERT_TRUE(hyphenated.has_value());
  EXPECT_EQ(hyphenated->min_words, 300u);
}

TEST(WordTargetTest, RangesWithHyphensDashesAndTo) {
  for (const char* text : {"800-1200 words", "800 \u2013 1200 words", "800 to 1200 words"}) {
    auto target = ParseWordTarget(text);
    ASSERT_TRUE(target.has_value()) << text;
    EXPECT_EQ(target->min_words, 600u) << text;
    EXPECT_EQ(target->max_words, 1800u) << text;
  }
}

TEST(WordTargetTest, OneSidedBounds) {
  auto at_least = ParseWordTarget("Target length: at least 500 words.");
  ASSERT_TRUE(at_least.has_value());
  EXPECT_EQ(at_least->min_words, 450u);
  EXPECT_FALSE(at_least->max_words.has_value());
  auto at_most = ParseWordTarget("Keep it short: no more than 300 words.");
  ASSERT_TRUE(at_most.has_value());
  EXPECT_FALSE(at_most->min_words.has_value());
  EXPECT_EQ(at_most->max_words, 330u);
}

TEST(WordTargetTest, FirstStatementWinsAndNoTargetIsNone) {
  auto target = ParseWordTarget("About 400 words; the next chapter will be 2000 words.");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->max_words, 800u);
  EXPECT_FALSE(ParseWordTarget("Write chapter 3 on the storm in 3 sections.").has_value());
  EXPECT_FALSE(ParseWordTarget("0 words").has_value());
}

TEST(CountWordsTest, MarkdownSyntaxIsNotWords) {
  EXPECT_EQ(CountWords("# The Harbour\n\n- one two\n---\n* three\n\n> four, five.\n"), 7u);
  EXPECT_EQ(CountWords(""), 0u);
  EXPECT_EQ(CountWords("caf\xc3\xa9 na\xc3\xafve"), 2u);
}

// The planner (a model) writes the instruction text and a model writes the Markdown:
// regression for the standard library regex engine, which overflowed the stack on one long line.
TEST(WordTargetTest, LongInstructionLinesAreParsedInLinearTime) {
  std::string text(60000, '1');
  text += "x, then about 900 words";
  auto target = ParseWordTarget(text);
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->phrase, "900 words");
  EXPECT_FALSE(ParseWordTarget(std::string(60000, ' ') + "-").has_value());
}

TEST(MarkdownStructureTest, HugeHeadingsAndLinkLinesAreChecked) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("l2mac-md-structure-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string title;
  for (int i = 0; i < 20000; ++i) title += "ab";
  std::string links;
  for (int i = 0; i < 2000; ++i) links += "[x](#nowhere) ";
  {
    std::ofstream out(dir / "book.md");
    out << "# " << title << " #  \n\ntext\n\n### skipped " << std::string(40000, ' ') << "\n\n"
        << links << "\n[out](https://example.org/" << std::string(40000, 'x') << ")\n";
  }
  GateOptions options;
  CheckOutcome outcome = CheckMarkdownStructure(dir, {"book.md"}, options);
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(outcome.passed);
  EXPECT_NE(outcome.detail.find("heading level jumps from 1 to 3"), std::string::npos)
      << outcome.detail.substr(0, 500);
  EXPECT_NE(outcome.summary.find("2001 problems"), std::string::npos) << outcome.summary;
  EXPECT_LE(outcome.detail.size(), options.max_report_bytes + 100);
}

}  // namespace
}  // namespace l2mac::toolchains
