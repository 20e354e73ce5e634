#include "core/token_estimator.hpp"

#include <gtest/gtest.h>

namespace l2mac {
namespace {

TEST(TokenEstimatorTest, AsciiIsAboutFourBytesPerToken) {
  EXPECT_EQ(EstimateTokens(""), 0);
  EXPECT_EQ(EstimateTokens("abc"), 1);
  EXPECT_EQ(EstimateTokens("abcd"), 1);
  EXPECT_EQ(EstimateTokens("abcde"), 2);
  EXPECT_EQ(EstimateTokens(std::string(4000, 'x')), 1000);
}

TEST(TokenEstimatorTest, NonAsciiCodePointsCountOneEach) {
  // Three CJK characters (9 bytes) and one accented letter (2 bytes).
  EXPECT_EQ(EstimateTokens("\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97"), 3);
  EXPECT_EQ(EstimateTokens("caf\xc3\xa9"), 2);  // "caf" + "é"
}

TEST(TokenEstimatorTest, MessagesCountContentToolCallsAndFraming) {
  llm::ChatMessage message =
      llm::ChatMessage::Assistant("abcd", {{"id1", "write_file", "{\"path\":\"a\"}"}});
  // 4 framing + 1 content + (4 framing + 3 name + 3 arguments) for the call.
  EXPECT_EQ(EstimateMessageTokens(message), 15);
  std::vector<llm::ToolSchema> tools = {{"t", "d", nlohmann::json::object()}};
  EXPECT_EQ(EstimateRequestTokens({message}, tools), 15 + 4 + 1 + 1 + 1);
}

}  // namespace
}  // namespace l2mac
