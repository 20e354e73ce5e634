#include "filestore/text_diff.hpp"

#include <gtest/gtest.h>

#include <random>

#include "filestore/patch.hpp"

namespace l2mac::filestore {
namespace {

TEST(TextDiffTest, MatchLinesFindsALongestCommonSubsequence) {
  auto a = SplitLinesKeepEnds("a\nb\nc\nd\ne\n");
  auto b = SplitLinesKeepEnds("a\nx\nc\nd\ny\ne\n");
  auto matches = MatchLines(a, b);
  std::vector<std::pair<size_t, size_t>> expected = {{0, 0}, {2, 2}, {3, 3}, {4, 5}};
  EXPECT_EQ(matches, expected);
}

TEST(TextDiffTest, CountsAddedAndRemovedLines) {
  LineCounts counts = CountChangedLines("a\nb\nc\n", "a\nB\nc\nd\n");
  EXPECT_EQ(counts.added, 2);
  EXPECT_EQ(counts.removed, 1);
}

TEST(TextDiffTest, UnifiedDiffHasHunkHeadersAndContext) {
  std::string before;
  std::string after;
  for (int i = 1; i <= 20; ++i) {
    before += "line " + std::to_string(i) + "\n";
    after += (i == 10 ? std::string("changed 10") : "line " + std::to_string(i)) + "\n";
  }
  std::string diff = UnifiedDiff(before, after, "a/f.txt", "b/f.txt");
  EXPECT_EQ(diff,
            "--- a/f.txt\n+++ b/f.txt\n@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line 10\n"
            "+changed 10\n line 11\n line 12\n line 13\n");
  EXPECT_EQ(UnifiedDiff(before, before, "a", "b"), "");
}

TEST(TextDiffTest, UnifiedDiffMarksAMissingFinalNewline) {
  std::string diff = UnifiedDiff("", "x", "", "b/new.txt");
  EXPECT_EQ(diff,
            "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,1 @@\n+x\n\\ No newline at end of file\n");
}

// Every diff we produce applies back to give the new text exactly.
TEST(TextDiffTest, DiffThenApplyRoundTripsRandomEdits) {
  std::mt19937 random(42);
  for (int round = 0; round < 200; ++round) {
    std::string before;
    std::string after;
    int lines = static_cast<int>(random() % 30);
    for (int i = 0; i < lines; ++i) {
      std::string line = "l" + std::to_string(random() % 8);
      before += line + "\n";
      int action = static_cast<int>(random() % 6);
      if (action == 0) continue;                                   // delete
      if (action == 1) after += "new" + std::to_string(i) + "\n";  // insert
      after += line + "\n";
    }
    if (random() % 3 == 0 && !after.empty()) after.pop_back();  // no final newline
    std::string diff = UnifiedDiff(before, after, "a/f", "b/f");
    if (before == after) continue;
    auto files = ParseUnifiedDiff(diff);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    auto applied = ApplyHunks(before, (*files)[0].hunks);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString() << "\n" << diff;
    EXPECT_EQ(applied->content, after) << diff;
    LineCounts counts = CountChangedLines(before, after);
    EXPECT_EQ(applied->lines_added, counts.added);
    EXPECT_EQ(applied->lines_removed, counts.removed);
  }
}

TEST(TextDiffTest, PatchAppliesAtShiftedPositionAndToleratesIndentation) {
  std::string file = "header\nextra\ndef f():\n    return 1\n";
  std::string hunks = "@@ -1,2 +1,2 @@\n def f():\n-  return 1\n+    return 2\n";
  auto applied = ApplyHunks(file, hunks);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->content, "header\nextra\ndef f():\n    return 2\n");
  EXPECT_EQ(applied->lines_added, 1);
  EXPECT_EQ(applied->lines_removed, 1);
}

TEST(TextDiffTest, PatchThatMatchesNowhereShowsTheClosestRegion) {
  auto applied = ApplyHunks("alpha\nbeta\ngamma\n", "@@ -2,1 +2,1 @@\n-betta\n+delta\n");
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().code(), StatusCode::kNotFound);
  EXPECT_NE(applied.status().message().find("2: beta"), std::string::npos)
      << applied.status().message();
}

TEST(TextDiffTest, ParseRejectsHunkWithoutHeader) {
  EXPECT_FALSE(ParseUnifiedDiff("@@ -1 +1 @@\n-a\n+b\n").ok());
  EXPECT_FALSE(ParseUnifiedDiff("nothing here\n").ok());
}

TEST(Merge3Test, TakesNonOverlappingChangesFromBothSides) {
  std::string base = "a\nb\nc\nd\ne\n";
  std::string ours = "A\nb\nc\nd\ne\n";
  std::string theirs = "a\nb\nc\nd\nE\n";
  MergeResult merged = Merge3(base, ours, theirs);
  EXPECT_TRUE(merged.clean());
  EXPECT_EQ(merged.content, "A\nb\nc\nd\nE\n");
}

TEST(Merge3Test, IdenticalChangesMergeOnce) {
  MergeResult merged = Merge3("a\nb\n", "a\nX\nb\n", "a\nX\nb\n");
  EXPECT_TRUE(merged.clean());
  EXPECT_EQ(merged.content, "a\nX\nb\n");
}

TEST(Merge3Test, OverlappingChangesAreConflictRegions) {
  MergeResult merged = Merge3("a\nb\nc\n", "a\nours\nc\n", "a\ntheirs\nc\n");
  ASSERT_EQ(merged.conflicts.size(), 1u);
  const MergeConflict& conflict = merged.conflicts[0];
  EXPECT_EQ(conflict.base_begin, 2u);
  EXPECT_EQ(conflict.base_end, 3u);
  EXPECT_EQ(conflict.ours_begin, 2u);
  EXPECT_EQ(conflict.theirs_end, 3u);
  EXPECT_EQ(merged.content, "a\n<<<<<<< ours\nours\n=======\ntheirs\n>>>>>>> theirs\nc\n");
}

TEST(Merge3Test, InsertionsAtBothEndsMerge) {
  MergeResult merged = Merge3("m\n", "top\nm\n", "m\nbottom\n");
  EXPECT_TRUE(merged.clean());
  EXPECT_EQ(merged.content, "top\nm\nbottom\n");
}

}  // namespace
}  // namespace l2mac::filestore
