#include "filestore/text_query.hpp"

#include <gtest/gtest.h>

namespace l2mac::filestore {
namespace {

TEST(TextQueryTest, NumberedLinesClampsToTheFile) {
  EXPECT_EQ(NumberedLines("a\nb\nc\nd\n", 2, 3), "2: b\n3: c\n");
  EXPECT_EQ(NumberedLines("a\nb", 2, 99), "2: b\n");
  EXPECT_EQ(NumberedLines("a\n", 5, 9), "");
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

// Regression: the standard library regex engine (recursive backtracking) overflowed the stack on
// this pattern over one 40 KB line and killed the process (exit 139). RE2 runs in linear time.
TEST(TextQueryTest, RegexWithNestedRepetitionOverALongLineDoesNotCrash) {
  SearchOptions options;
  options.regex = true;
  auto regex = TextMatcher::Create("(a|b)*c", options);
  ASSERT_TRUE(regex.ok()) << regex.status().ToString();
  std::string line;
  for (int i = 0; i < 20000; ++i) line += "ab";
  std::vector<SearchHit> hits;
  regex->Search("long.txt", "first\n" + line + "\nlast\n", 10, hits);
  EXPECT_TRUE(hits.empty());
  regex->Search("long.txt", "first\n" + line + "c\n", 10, hits);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].line, 2);
}

TEST(TextQueryTest, RegexErrorsNameRe2AndWhatToDo) {
  SearchOptions options;
  options.regex = true;
  auto unbalanced = TextMatcher::Create("(a", options);
  ASSERT_FALSE(unbalanced.ok());
  EXPECT_EQ(unbalanced.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unbalanced.status().message().find("RE2 syntax"), std::string::npos)
      << unbalanced.status().message();
  // Backreferences and lookaround are not RE2: refused, not misread.
  EXPECT_FALSE(TextMatcher::Create("(a)\\1", options).ok());
  EXPECT_FALSE(TextMatcher::Create("a(?=b)", options).ok());
  // A program too large for the memory bound is refused, not built.
  auto huge = TextMatcher::Create("\\pL{1000}", options);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("fix or simplify it"), std::string::npos)
      << huge.status().message();
  options.ignore_case = true;
  auto folded = TextMatcher::Create("DEF \\w+", options);
  ASSERT_TRUE(folded.ok());
  std::vector<SearchHit> hits;
  folded->Search("a.py", "def go():\n", 10, hits);
  EXPECT_EQ(hits.size(), 1u);
}

TEST(TextQueryTest, PatternLengthIsBounded) {
  SearchOptions options;
  EXPECT_TRUE(TextMatcher::Create(std::string(kMaxSearchPatternBytes, 'x'), options).ok());
  for (bool regex : {false, true}) {
    options.regex = regex;
    auto long_pattern = TextMatcher::Create(std::string(kMaxSearchPatternBytes + 1, 'x'), options);
    ASSERT_FALSE(long_pattern.ok());
    EXPECT_EQ(long_pattern.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(long_pattern.status().message().find("above the limit of 1024 bytes"),
              std::string::npos)
        << long_pattern.status().message();
  }
}

TEST(TextQueryTest, HitTextIsCutToTheLineBoundWithoutSplittingCharacters) {
  SearchOptions options;
  options.max_line_bytes = 20;
  auto literal = TextMatcher::Create("needle", options);
  ASSERT_TRUE(literal.ok());
  std::vector<SearchHit> hits;
  std::string long_line = "needle " + std::string(100000, 'x');
  std::string accents = "needle x\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9";
  literal->Search("f.txt", "short needle\n" + long_line + "\n" + accents + "\n", 10, hits);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].text, "short needle");
  EXPECT_FALSE(hits[0].truncated);
  EXPECT_EQ(hits[1].text, "needle xxxxxxxxxx...");
  EXPECT_TRUE(hits[1].truncated);
  EXPECT_LE(hits[2].text.size(), 20u);
  EXPECT_FALSE(LooksBinary(hits[2].text)) << "cut inside a UTF-8 sequence";
  EXPECT_EQ(hits[2].line, 3);
}

// Many hits in one file: each line number is counted from the previous hit, not from the
// start of the file again (which was quadratic).
TEST(TextQueryTest, ManyLiteralHitsKeepTheirLineNumbers) {
  std::string content;
  for (int i = 0; i < 50000; ++i) content += "needle\n";
  std::vector<SearchHit> hits;
  auto literal = TextMatcher::Create("needle", SearchOptions{});
  ASSERT_TRUE(literal.ok());
  literal->Search("f.txt", content, 100000, hits);
  ASSERT_EQ(hits.size(), 50000u);
  EXPECT_EQ(hits[0].line, 1);
  EXPECT_EQ(hits[49999].line, 50000);
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
