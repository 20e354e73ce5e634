#include "agents/search_replace.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace l2mac::agents {
namespace {

TEST(SearchReplaceTest, ExactSingleMatch) {
  auto result = ApplySearchReplace("a = 1\nb = 2\nc = 3\n", "b = 2\n", "b = 20\nb2 = 4\n");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->content, "a = 1\nb = 20\nb2 = 4\nc = 3\n");
  EXPECT_EQ(result->lines_removed, 1);
  EXPECT_EQ(result->lines_added, 2);
  EXPECT_FALSE(result->whitespace_tolerant);
}

TEST(SearchReplaceTest, AmbiguousMatchAsksForContext) {
  auto result = ApplySearchReplace("x\nx\n", "x", "y");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("matches 2 places"), std::string::npos);
}

TEST(SearchReplaceTest, ToleratesIndentationDifferences) {
  std::string file = "def f():\n    if x:\n        return 1\n    return 2\n";
  auto result = ApplySearchReplace(file, "if x:\n    return 1", "    if x:\n        return 10");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->whitespace_tolerant);
  EXPECT_EQ(result->content, "def f():\n    if x:\n        return 10\n    return 2\n");
}

TEST(SearchReplaceTest, NoMatchShowsClosestRegionWithLineNumbers) {
  std::string file = "import os\n\ndef total(items):\n    return sum(items)\n\nprint(1)\n";
  auto result = ApplySearchReplace(file, "def totl(items):\n    return sum(item)", "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  std::string message = result.status().message();
  EXPECT_NE(message.find("3: def total(items):"), std::string::npos) << message;
  EXPECT_NE(message.find("read_file"), std::string::npos);
}

TEST(SearchReplaceTest, EmptySearchIsRefused) {
  auto result = ApplySearchReplace("abc", "", "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

TEST(SearchReplaceTest, DeletionWithEmptyReplace) {
  auto result = ApplySearchReplace("keep\ndrop\nkeep2\n", "drop\n", "");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->content, "keep\nkeep2\n");
}

// Regression: the whitespace-tolerant match compared every start line with every search
// line, and the hint scored every place in the file against the whole search: with a
// model's search of many identical lines in a file of them, both were the product of the
// sizes (hours). Both are linear now; the bound is a guard far above what they need.
TEST(SearchReplaceTest, RepetitiveSearchOverRepetitiveFileIsLinear) {
  std::string file;
  for (int i = 0; i < 200000; ++i) file += "a\n";
  std::string search;
  for (int i = 0; i < 100000; ++i) search += "  a\n";
  search += "b\n";
  const auto start = std::chrono::steady_clock::now();
  auto missing = ApplySearchReplace(file, search, "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_LT(missing.status().message().size(), 4000u);  // the hint shows a bounded region
  // The exact search's worst case for std::string::find: "aaa...ab" in "aaa...a".
  auto exact = ApplySearchReplace(std::string(400000, 'a'), std::string(200000, 'a') + "b", "x");
  EXPECT_FALSE(exact.ok());
  auto many = ApplySearchReplace(std::string(400000, 'a'), "aa", "x");
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.status().message().find("matches 100 or more places"), std::string::npos)
      << many.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(SearchReplaceTest, WhitespaceTolerantRunsAreFoundByWholeLines) {
  // A run that overlaps itself, and one found only after a partial match falls back.
  auto unique = ApplySearchReplace("x\nx\ny\nx\nx\nx\nz\n", "  x\n  x\n  z", "w");
  ASSERT_TRUE(unique.ok()) << unique.status().ToString();
  EXPECT_EQ(unique->content, "x\nx\ny\nx\nw\n");
  auto several = ApplySearchReplace("x\n y\nx\n  y\n", "x \ny", "w");
  ASSERT_FALSE(several.ok());
  EXPECT_NE(several.status().message().find("matches several places"), std::string::npos);
}

}  // namespace
}  // namespace l2mac::agents
