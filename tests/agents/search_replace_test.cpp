#include "agents/search_replace.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace l2mac::agents
