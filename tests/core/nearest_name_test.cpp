#include "core/nearest_name.hpp"

#include <gtest/gtest.h>

namespace l2mac {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("run", "run"), 0u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("rn", "run"), 1u);          // insertion
  EXPECT_EQ(EditDistance("--outt", "--out"), 1u);    // deletion
  EXPECT_EQ(EditDistance("bok", "book"), 1u);        // insertion
  EXPECT_EQ(EditDistance("olama", "ollama"), 1u);    // insertion
  EXPECT_EQ(EditDistance("statys", "status"), 1u);   // substitution
  EXPECT_EQ(EditDistance("stauts", "status"), 1u);   // adjacent swap
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);  // the textbook case
  EXPECT_EQ(EditDistance("ca", "abc"), 3u);          // restricted: no edit inside a swap
}

TEST(EditDistanceTest, IsSymmetric) {
  const char* words[] = {"", "run", "resume", "rn", "ollama", "olama", "abc", "ca"};
  for (const char* a : words) {
    for (const char* b : words) EXPECT_EQ(EditDistance(a, b), EditDistance(b, a)) << a << " " << b;
  }
}

TEST(NearestNameTest, SuggestsALikelyTypo) {
  const std::vector<std::string> commands = {"run",    "resume", "status",
                                             "doctor", "files",  "transcript"};
  EXPECT_EQ(NearestName("rn", commands), "run");
  EXPECT_EQ(NearestName("resme", commands), "resume");
  EXPECT_EQ(NearestName("stauts", commands), "status");
  EXPECT_EQ(NearestName("transcirpt", commands), "transcript");
  EXPECT_EQ(NearestName("olama", {"openai", "ollama", "llamacpp", "vllm"}), "ollama");
  EXPECT_EQ(NearestName("bok", {"codebase", "book", "custom"}), "book");
  EXPECT_EQ(NearestName("--outt", {"--out", "--task", "--program"}), "--out");
}

TEST(NearestNameTest, SuggestsNothingWhenNothingIsNear) {
  const std::vector<std::string> commands = {"run", "resume", "status", "ls"};
  EXPECT_EQ(NearestName("build", commands), std::nullopt);
  EXPECT_EQ(NearestName("ab", commands), std::nullopt);  // two edits from "ls": too many
  EXPECT_EQ(NearestName("x", commands), std::nullopt);
  EXPECT_EQ(NearestName("", commands), std::nullopt);
  EXPECT_EQ(NearestName("rn", {}), std::nullopt);
  EXPECT_EQ(NearestName("run", commands), std::nullopt);  // not a typo
}

TEST(NearestNameTest, PrefersTheNearestThenTheFirst) {
  EXPECT_EQ(NearestName("vlm", {"llm", "vllm"}), "llm");            // both one edit: first
  EXPECT_EQ(NearestName("resum", {"result", "resume"}), "resume");  // one edit beats two
}

TEST(DidYouMeanTest, FormatsTheSuggestionOrNothing) {
  EXPECT_EQ(DidYouMean("rn", {"run"}), "; did you mean run?");
  EXPECT_EQ(DidYouMean("zzz", {"run"}), "");
}

}  // namespace
}  // namespace l2mac
