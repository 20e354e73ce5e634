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

json AllImplemented() {
  return json::array(
      {Entry("F1", "implemented"), Entry("F2", "implemented"), Entry("F3", "implemented")});
}

TEST(JudgeVerdictTest, AConsistencyCheckListsInconsistenciesThatCiteTheirPlaces) {
  json sent = {{"requirements", AllImplemented()},
               {"inconsistencies",
                {{{"what", "Mara Venn in chapter 1, Mara Fenn in chapter 2; Venn stands"},
                  {"evidence", "chapters/01-keeper.md:3; chapters/02-storm.md:5"}}}}};
  auto verdict = ParseVerdict(sent, ThreeRequirements(), /*consistency=*/true);
  ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
  ASSERT_EQ(verdict->inconsistencies.size(), 1u);
  EXPECT_DOUBLE_EQ(verdict->FeaturesPct(), 100.0);  // Features % is the requirements' alone
  EXPECT_TRUE(verdict->Unmet().empty());
  EXPECT_FALSE(verdict->Settled());
  auto again = ParseVerdict(verdict->ToJson(), ThreeRequirements(), true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *verdict);

  // Without inconsistencies the verdict is settled, and its JSON has no such key.
  auto clean =
      ParseVerdict({{"requirements", AllImplemented()}, {"inconsistencies", json::array()}},
                   ThreeRequirements(), true);
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->Settled());
  EXPECT_FALSE(clean->ToJson().contains("inconsistencies"));
}

TEST(JudgeVerdictTest, RefusesInconsistenciesWithoutPlacesOrWhereNoneAreAsked) {
  auto with = [](json inconsistencies, bool consistency = true) {
    return ParseVerdict({{"requirements", AllImplemented()}, {"inconsistencies", inconsistencies}},
                        ThreeRequirements(), consistency);
  };
  auto no_place = with(json::array({{{"what", "two names"}, {"evidence", "chapter one and two"}}}));
  ASSERT_FALSE(no_place.ok());
  EXPECT_NE(no_place.status().message().find("cites no place: name each place as path:line"),
            std::string::npos);
  auto no_what = with(json::array({{{"what", " "}, {"evidence", "a.md:1"}}}));
  ASSERT_FALSE(no_what.ok());
  EXPECT_NE(no_what.status().message().find("inconsistency 1 has no \"what\""), std::string::npos);
  auto long_what = with(json::array(
      {{{"what", std::string(kMaxInconsistencyBytes + 1, 'x')}, {"evidence", "a.md:1"}}}));
  ASSERT_FALSE(long_what.ok());
  json many = json::array();
  for (size_t i = 0; i <= kMaxInconsistencies; ++i) {
    many.push_back({{"what", "x"}, {"evidence", "a.md:1"}});
  }
  auto too_many = with(many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("report at most 20"), std::string::npos);
  EXPECT_FALSE(with("not a list").ok());
  // A codebase's judge is not asked for consistency: the key is refused, not ignored.
  auto codebase = with(json::array(), /*consistency=*/false);
  ASSERT_FALSE(codebase.ok());
  EXPECT_NE(codebase.status().message().find("takes no \"inconsistencies\""), std::string::npos);
}

TEST(JudgeVerdictTest, CitedPlacesFindsEachPathAndLine) {
  using Places = std::vector<std::pair<std::string, int>>;
  EXPECT_EQ(CitedPlaces("chapters/01-keeper.md:3; chapters/02-storm.md:5"),
            (Places{{"chapters/01-keeper.md", 3}, {"chapters/02-storm.md", 5}}));
  EXPECT_EQ(CitedPlaces("see (book/ch 1.md:2), `notes.txt:14` and README.md:7."),
            (Places{{"1.md", 2}, {"notes.txt", 14}, {"README.md", 7}}));
  EXPECT_EQ(CitedPlaces("chapter 3, line 4"), Places{});
  EXPECT_EQ(CitedPlaces("`my book/ch 1, draft.md:12` and ch2.md:3"),
            (Places{{"my book/ch 1, draft.md", 12}, {"ch2.md", 3}}));
  EXPECT_EQ(CitedPlaces("version 1.2:3"), Places{});  // an extension starts with a letter
}

}  // namespace
}  // namespace l2mac::agents
