#include "core/llm/prices.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace l2mac::llm {
namespace {

using ::testing::HasSubstr;

TEST(PriceTableTest, MatchesExactThenLongestPrefixIgnoringARouterPrefix) {
  PriceTable table = PriceTable::BuiltIn();
  ASSERT_TRUE(table.Find("gpt-4o").has_value());
  EXPECT_EQ(table.Find("gpt-4o-2024-08-06"), table.Find("gpt-4o"));
  EXPECT_EQ(table.Find("gpt-4o-mini-2024-07-18"), table.Find("gpt-4o-mini"));
  EXPECT_NE(table.Find("gpt-4o-mini"), table.Find("gpt-4o"));
  EXPECT_EQ(table.Find("openai/gpt-4o"), table.Find("gpt-4o"));
  EXPECT_EQ(table.Find("llama3.1:8b"), std::nullopt);
}

TEST(PriceTableTest, CostsFreshCachedAndOutputTokensSeparately) {
  PriceTable table;
  ASSERT_TRUE(table
                  .Override({{"m",
                              {{"input_per_mtok", 2.0},
                               {"cached_input_per_mtok", 0.5},
                               {"output_per_mtok", 10.0}}}})
                  .ok());
  // 1M fresh + 1M cached + 0.5M output = 2 + 0.5 + 5 dollars.
  EXPECT_DOUBLE_EQ(table.Cost("m", Usage{2'000'000, 500'000, 1'000'000}), 7.5);
  EXPECT_DOUBLE_EQ(table.Cost("unknown", Usage{1000, 1000, 0}), 0.0);
}

TEST(PriceTableTest, OverridesReplaceBuiltInsAndCachedDefaultsToInput) {
  PriceTable table = PriceTable::BuiltIn();
  ASSERT_TRUE(
      table.Override({{"gpt-4o", {{"input_per_mtok", 1.0}, {"output_per_mtok", 2.0}}}}).ok());
  EXPECT_EQ(table.Find("gpt-4o"), (ModelPrice{1.0, 1.0, 2.0}));
}

TEST(PriceTableTest, BadOverridesNameTheModelAndKey) {
  PriceTable table;
  Status negative = table.Override({{"m", {{"input_per_mtok", -1}}}});
  EXPECT_THAT(negative.message(), HasSubstr("prices.m.input_per_mtok"));
  Status unknown = table.Override({{"m", {{"inptu_per_mtok", 1}}}});
  EXPECT_THAT(unknown.message(), HasSubstr("inptu_per_mtok is not a known key"));
  EXPECT_FALSE(table.Override({{"m", 3}}).ok());
}

}  // namespace
}  // namespace l2mac::llm
