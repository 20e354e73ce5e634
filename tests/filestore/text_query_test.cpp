#include "filestore/text_query.hpp"

#include <gtest/gtest.h>

namespace l2mac::filestore {
namespace {

TEST(TextQueryTest, NumberedLinesClampsToTheFile) {
  EXPECT_EQ(NumberedLines("a\nb\nc\nd\n", 2, 3), "2: b\n3: c\n");
  EXPECT_EQ(NumberedLines("a\nb", 2, 99), "2: b\n");
  EXPECT_EQ(NumberedLines("a\n", 5, 9), "");
}

TEST(TextQueryTest, GlobsMatchSegmentsAndDeepPaths) {
  EXPECT_TRUE(GlobMatch("*.py", "app.py"));
  EXPECT_FALSE(GlobMatch("*.py", "src/app.py"));
  EXPECT_TRUE(GlobMatch("src/**/*.py", "src/app.py"));
  EXPECT_TRUE(GlobMatch("src/**/*.py", "src/a/b/app.py"));
  EXPECT_TRUE(GlobMatch("**/test_*.py", "tests/test_x.py"));
  EXPECT_TRUE(GlobMatch("**/test_*.py", "test_x.py"));
  EXPECT_TRUE(GlobMatch("file?.[ch]", "file1.h"));
  EXPECT_FALSE(GlobMatch("file?.[ch]", "file1.o"));
}

TEST(TextQueryTest, LiteralAndRegexSearchReportLines) {
  std::vector<SearchHit> hits;
  SearchOptions options;
  auto literal = TextMatcher::Create("needle", options);
  ASSERT_TRUE(literal.ok());
  literal->Search("f.txt", "hay\nneedle one\nhay\nneedle two", 10, hits);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].line, 2);
  EXPECT_EQ(hits[0].text, "needle one");
  EXPECT_EQ(hits[1].line, 4);
  hits.clear();
  literal->Search("f.txt", "needle needle\nneedle\n", 1, hits);
  EXPECT_EQ(hits.size(), 1u);  // the limit

  options.regex = true;
  auto regex = TextMatcher::Create("def (\\w+)\\(", options);
  ASSERT_TRUE(regex.ok());
  hits.clear();
  regex->Search("a.py", "x = 1\ndef go(a):\n", 10, hits);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].line, 2);
  EXPECT_FALSE(TextMatcher::Create("(", options).ok());
}

TEST(TextQueryTest, DetectsBinaryAndInvalidUtf8) {
  EXPECT_FALSE(LooksBinary("plain text é ✓\n"));
  EXPECT_TRUE(LooksBinary(std::string("a\0b", 3)));
  EXPECT_TRUE(LooksBinary("\xff\xfe"));
  EXPECT_TRUE(LooksBinary("\xe2\x9c"));  // truncated sequence
}

TEST(OutlineTest, Python) {
  auto items = Outline("app.py",
                       "import os\n\nclass Store:\n    def get(self):\n        pass\n\n"
                       "async def main():\n    pass\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].kind, "class");
  EXPECT_EQ(items[0].name, "Store");
  EXPECT_EQ(items[1].kind, "method");
  EXPECT_EQ(items[1].name, "get");
  EXPECT_EQ(items[1].line, 4);
  EXPECT_EQ(items[2].name, "main");
  EXPECT_EQ(items[2].depth, 0);
}

TEST(OutlineTest, CppFindsNamespacesClassesAndFunctions) {
  auto items =
      Outline("a.cpp",
              "#include <x>\nnamespace app {\nclass Store {\n public:\n  int Get() const;\n"
              "};\nint Store::Get() const {\n  if (x) {\n    return f(1);\n  }\n}\n"
              "static void helper(int a) {\n}\n}  // namespace app\n");
  std::vector<std::string> names;
  for (const auto& item : items) names.push_back(item.kind + ":" + item.name);
  std::vector<std::string> expected = {"namespace:app", "class:Store", "function:Store::Get",
                                       "function:helper"};
  EXPECT_EQ(names, expected);
}

TEST(OutlineTest, JavaScriptAndTypeScript) {
  auto items = Outline("a.ts",
                       "export function handler(req) {\n}\nconst add = (a, b) => a + b;\n"
                       "export class Api {\n  async fetch(url) {\n    if (x) {\n    }\n  }\n}\n"
                       "interface Options {\n}\n");
  std::vector<std::string> names;
  for (const auto& item : items) names.push_back(item.kind + ":" + item.name);
  std::vector<std::string> expected = {"function:handler", "function:add", "class:Api",
                                       "method:fetch", "interface:Options"};
  EXPECT_EQ(names, expected);
}

TEST(OutlineTest, MarkdownHeadingsOutsideCodeFences) {
  auto items =
      Outline("README.md", "# Title\ntext\n## Usage\n```\n# not a heading\n```\n### Deep\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[1].name, "Usage");
  EXPECT_EQ(items[1].depth, 1);
  EXPECT_EQ(items[2].line, 7);
  EXPECT_TRUE(Outline("data.bin", "# x").empty());
}

}  // namespace
}  // namespace l2mac::filestore
