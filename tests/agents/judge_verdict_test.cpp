// The judge's verdict: strict validation (every requirement once, known scores, bounded
// evidence) and Features % (implemented 1, partial 0.5, missing 0).
#include "agents/judge_verdict.hpp"

#include <gtest/gtest.h>

namespace l2mac::agents {
namespace {

using nlohmann::json;

std::vector<registry::Requirement> ThreeRequirements() {
  return {{"F1", "adds"}, {"F2", "subtracts"}, {"F3", "multiplies"}};
}

json Entry(const std::string& id, const std::string& score,
           const std::string& evidence = "a.py:1") {
  return {{"id", id}, {"score", score}, {"evidence", evidence}};
}

TEST(JudgeVerdictTest, FeaturesPercentCountsPartialAsHalf) {
  auto verdict =
      ParseVerdict({{"requirements",
                     {Entry("F3", "missing", "nothing multiplies"), Entry("f1", "implemented"),
                      Entry("F2", "partial", "b.py:3 subtracts ints only")}}},
                   ThreeRequirements());
  ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
  // The program's ids and order, whatever the judge sent.
  ASSERT_EQ(verdict->requirements.size(), 3u);
  EXPECT_EQ(verdict->requirements[0].id, "F1");
  EXPECT_EQ(verdict->requirements[2].id, "F3");
  EXPECT_DOUBLE_EQ(verdict->FeaturesPct(), 50.0);
  auto unmet = verdict->Unmet();
  ASSERT_EQ(unmet.size(), 2u);
  EXPECT_EQ(unmet[0].id, "F2");
  EXPECT_EQ(unmet[0].score, RequirementScore::kPartial);
  EXPECT_EQ(unmet[1].evidence, "nothing multiplies");
  // It round-trips through its JSON form.
  auto again = ParseVerdict(verdict->ToJson(), ThreeRequirements());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *verdict);
}

TEST(JudgeVerdictTest, RefusesAVerdictThatDoesNotScoreEachRequirementOnce) {
  const auto requirements = ThreeRequirements();
  struct Case {
    json verdict;
    std::string says;
  } cases[] = {
      {json::object(), "no \"requirements\" array"},
      {{{"requirements", {Entry("F1", "implemented"), Entry("F2", "implemented")}}},
       "does not score F3"},
      {{{"requirements",
         {Entry("F1", "implemented"), Entry("F1", "missing"), Entry("F2", "implemented"),
          Entry("F3", "implemented")}}},
       "given twice"},
      {{{"requirements",
         {Entry("F1", "implemented"), Entry("F2", "implemented"), Entry("F3", "implemented"),
          Entry("F9", "implemented")}}},
       "names no requirement"},
      {{{"requirements",
         {Entry("F1", "done"), Entry("F2", "implemented"), Entry("F3", "implemented")}}},
       "no valid \"score\""},
      {{{"requirements",
         {Entry("F1", "implemented", " "), Entry("F2", "implemented"),
          Entry("F3", "implemented")}}},
       "no \"evidence\""},
      {{{"requirements",
         {Entry("F1", "implemented", std::string(kMaxEvidenceBytes + 1, 'x')),
          Entry("F2", "implemented"), Entry("F3", "implemented")}}},
       "bytes of evidence"},
  };
  for (const auto& c : cases) {
    auto verdict = ParseVerdict(c.verdict, requirements);
    ASSERT_FALSE(verdict.ok()) << c.verdict.dump();
    EXPECT_EQ(verdict.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(verdict.status().message().find(c.says), std::string::npos)
        << verdict.status().message();
  }
  // Far more entries than requirements is refused before anything is read.
  json many = {{"requirements", json::array()}};
  for (int i = 0; i < 100; ++i) many["requirements"].push_back(Entry("F1", "implemented"));
  EXPECT_FALSE(ParseVerdict(many, requirements).ok());
}

}  // namespace
}  // namespace l2mac::agents
