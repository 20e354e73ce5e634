#include "core/text.hpp"

#include <gtest/gtest.h>

namespace l2mac {
namespace {

TEST(TruncateUtf8Test, ShortTextUnchanged) { EXPECT_EQ(TruncateUtf8("abc", 10), "abc"); }

TEST(TruncateUtf8Test, CutsWithEllipsisWithinBound) {
  std::string cut = TruncateUtf8("abcdefghij", 8);
  EXPECT_EQ(cut, "abcde...");
  EXPECT_LE(cut.size(), 8u);
}

TEST(TruncateUtf8Test, NeverSplitsACodePoint) {
  // "é" is two bytes; a cut between them backs up before it.
  std::string text = "ab\xc3\xa9\xc3\xa9\xc3\xa9";
  for (size_t bound = 3; bound <= text.size(); ++bound) {
    std::string cut = TruncateUtf8(text, bound);
    EXPECT_LE(cut.size(), bound);
    size_t body = cut.size() >= 3 && cut.size() < text.size() ? cut.size() - 3 : cut.size();
    if (body > 0) {
      EXPECT_NE(static_cast<unsigned char>(cut[body - 1]), 0xC3) << bound;
    }
  }
}

TEST(TrimWhitespaceTest, StripsBothEndsOnly) {
  EXPECT_EQ(TrimWhitespace("  a b\t\r\n"), "a b");
  EXPECT_EQ(TrimWhitespace(" \t "), "");
  EXPECT_EQ(TrimWhitespace("x"), "x");
}

TEST(SplitLinesTest, DropsNewlinesKeepsAFinalPartialLine) {
  EXPECT_EQ(SplitLines("a\nb\r\nc"), (std::vector<std::string_view>{"a", "b\r", "c"}));
  EXPECT_EQ(SplitLines("a\n\n"), (std::vector<std::string_view>{"a", ""}));
  EXPECT_TRUE(SplitLines("").empty());
}

TEST(PluralTest, OneIsSingularEverythingElsePlural) {
  EXPECT_EQ(Plural(1, "instruction"), "1 instruction");
  EXPECT_EQ(Plural(0, "file"), "0 files");
  EXPECT_EQ(Plural(2, "model call"), "2 model calls");
  EXPECT_EQ(Plural(-1, "failed check"), "-1 failed checks");
  EXPECT_EQ(Plural(1, "entry", "entries"), "1 entry");
  EXPECT_EQ(Plural(12, "entry", "entries"), "12 entries");
}

}  // namespace
}  // namespace l2mac
