#include "core/token_estimator.hpp"

#include <gtest/gtest.h>

#include "core/llm/request_tokens.hpp"

namespace l2mac {
namespace {

TEST(TokenEstimatorTest, AsciiIsAboutFourBytesPerToken) {
  EXPECT_EQ(EstimateTokens(nullptr, ""), 0);
  EXPECT_EQ(EstimateTokens(nullptr, "abc"), 1);
  EXPECT_EQ(EstimateTokens(nullptr, "abcd"), 1);
  EXPECT_EQ(EstimateTokens(nullptr, "abcde"), 2);
  EXPECT_EQ(EstimateTokens(nullptr, std::string(4000, 'x')), 1000);
}

TEST(TokenEstimatorTest, NonAsciiCodePointsCountOneEach) {
  // Three CJK characters (9 bytes) and one accented letter (2 bytes).
  EXPECT_EQ(EstimateTokens(nullptr, "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97"), 3);
  EXPECT_EQ(EstimateTokens(nullptr, "caf\xc3\xa9"), 2);  // "caf" + "é"
}

TEST(TokenEstimatorTest, MessagesCountContentToolCallsAndFraming) {
  llm::ChatMessage message =
      llm::ChatMessage::Assistant("abcd", {{"id1", "write_file", "{\"path\":\"a\"}"}});
  // 4 framing + 1 content + (4 framing + 3 name + 3 arguments) for the call.
  EXPECT_EQ(llm::EstimateMessageTokens(nullptr, message), 15);
  std::vector<llm::ToolSchema> tools = {{"t", "d", nlohmann::json::object()}};
  EXPECT_EQ(llm::EstimateRequestTokens(nullptr, {message}, tools), 15 + 4 + 1 + 1 + 1);
}

// Counts every byte of a text as a token.
class ByteCounter final : public TokenCounter {
 public:
  int64_t CountTokens(std::string_view text) const override {
    return static_cast<int64_t>(text.size());
  }
};

TEST(TokenEstimatorTest, EachCallCountsWithTheCounterItIsGiven) {
  const ByteCounter bytes;
  llm::ChatMessage message = llm::ChatMessage::User("abcdefgh");
  // Alternating between a counter and none: nothing carries over from one call to the
  // next, as a process-wide counter would make it.
  EXPECT_EQ(EstimateTokens(&bytes, "abcdefgh"), 8);
  EXPECT_EQ(EstimateTokens(nullptr, "abcdefgh"), 2);
  EXPECT_EQ(llm::EstimateMessageTokens(&bytes, message), 4 + 8);
  EXPECT_EQ(llm::EstimateMessageTokens(nullptr, message), 4 + 2);
  EXPECT_EQ(llm::EstimateRequestTokens(&bytes, {message}, {}), 12);
  EXPECT_EQ(llm::EstimateRequestTokens(nullptr, {message}, {}), 6);
}

}  // namespace
}  // namespace l2mac
