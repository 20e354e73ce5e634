#include "core/llm/json_diff.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace l2mac::llm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(JsonDiffTest, EqualDocumentsHaveNoDifference) {
  json doc = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"tools", {"a"}}};
  EXPECT_EQ(FirstJsonDifference(doc, doc), std::nullopt);
}

TEST(JsonDiffTest, NamesThePathAndWhereStringsPart) {
  json recorded = {{"messages", {{{"content", "the same start, then A"}}}}};
  json now = {{"messages", {{{"content", "the same start, then B"}}}}};
  auto difference = FirstJsonDifference(recorded, now);
  ASSERT_TRUE(difference.has_value());
  EXPECT_THAT(*difference, HasSubstr("messages[0].content (from character 21)"));
  EXPECT_THAT(*difference, HasSubstr("recorded \"the same start, then A\""));
  EXPECT_THAT(*difference, HasSubstr("now \"the same start, then B\""));
}

TEST(JsonDiffTest, ReportsMissingKeysLengthsAndTypes) {
  EXPECT_THAT(*FirstJsonDifference(json{{"a", 1}}, json::object()),
              HasSubstr("a: recorded, now missing"));
  EXPECT_THAT(*FirstJsonDifference(json::object(), json{{"b", 1}}), HasSubstr("b: not recorded"));
  EXPECT_THAT(*FirstJsonDifference(json{{"t", {1, 2}}}, json{{"t", {1}}}),
              HasSubstr("t: recorded 2 items, now 1"));
  EXPECT_THAT(*FirstJsonDifference(json{{"x", 1}}, json{{"x", "1"}}),
              HasSubstr("x: recorded a number 1, now a string \"1\""));
}

}  // namespace
}  // namespace l2mac::llm
