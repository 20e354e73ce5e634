#include "core/llm/sse_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace l2mac::llm {
namespace {

using Events = std::vector<std::pair<std::string, std::string>>;

// Feeds `text` in pieces of `piece` bytes and collects (type, data) of every event.
Events Parse(const std::string& text, size_t piece = 0) {
  SseParser parser;
  Events events;
  auto collect = [&](const SseEvent& event) {
    events.emplace_back(std::string(event.type), std::string(event.data));
    return true;
  };
  if (piece == 0) piece = text.size() + 1;
  for (size_t at = 0; at < text.size(); at += piece) {
    EXPECT_TRUE(parser.Feed(std::string_view(text).substr(at, piece), collect));
  }
  return events;
}

TEST(SseParserTest, SplitsEventsOnBlankLines) {
  EXPECT_EQ(Parse("data: a\n\ndata: b\n\n"), (Events{{"", "a"}, {"", "b"}}));
}

TEST(SseParserTest, JoinsMultiLineDataWithNewlines) {
  EXPECT_EQ(Parse("data: one\ndata: two\ndata:three\n\n"), (Events{{"", "one\ntwo\nthree"}}));
}

TEST(SseParserTest, IgnoresCommentsKeepAlivesAndOtherFields) {
  EXPECT_EQ(Parse(": keep-alive\n\n:\n\nid: 7\nretry: 100\ndata: x\n\n\n\n"), (Events{{"", "x"}}));
}

TEST(SseParserTest, ReportsTheEventType) {
  EXPECT_EQ(Parse("event: message_start\ndata: {}\n\nevent: ping\ndata: {}\n\n"),
            (Events{{"message_start", "{}"}, {"ping", "{}"}}));
}

TEST(SseParserTest, AcceptsEveryLineEnding) {
  EXPECT_EQ(Parse("data: a\r\n\r\ndata: b\r\rdata: c\n\n"),
            (Events{{"", "a"}, {"", "b"}, {"", "c"}}));
}

TEST(SseParserTest, GivesTheSameEventsWhateverThePieceSize) {
  const std::string text =
      "event: e\r\ndata: {\"k\": \"v\"}\r\n\r\n: comment\n\ndata: x\rdata: y\r\r"
      "data:  two spaces\n\ndata\n\n";
  const Events whole = Parse(text);
  ASSERT_EQ(whole, (Events{{"e", "{\"k\": \"v\"}"}, {"", "x\ny"}, {"", " two spaces"}, {"", ""}}));
  for (size_t piece = 1; piece < text.size(); ++piece) {
    EXPECT_EQ(Parse(text, piece), whole) << "piece " << piece;
  }
}

TEST(SseParserTest, DoneIsJustDataAndAnUnfinishedEventIsNotReported) {
  SseParser parser;
  Events events;
  auto collect = [&](const SseEvent& event) {
    events.emplace_back(std::string(event.type), std::string(event.data));
    return true;
  };
  EXPECT_TRUE(parser.Feed("data: [DONE]\n\ndata: partial", collect));
  EXPECT_EQ(events, (Events{{"", "[DONE]"}}));
  EXPECT_TRUE(parser.HasPartialEvent());
}

TEST(SseParserTest, TheCallbackCanStopParsing) {
  SseParser parser;
  int seen = 0;
  EXPECT_FALSE(parser.Feed("data: 1\n\ndata: 2\n\n", [&](const SseEvent&) {
    ++seen;
    return false;
  }));
  EXPECT_EQ(seen, 1);
}

TEST(SseParserTest, AnEndlessLineIsRefused) {
  SseParser parser;
  std::string chunk(1 << 20, 'x');
  bool ok = true;
  for (int i = 0; i < 17 && ok; ++i) {
    ok = parser.Feed(chunk, [](const SseEvent&) { return true; });
  }
  EXPECT_FALSE(ok);
  EXPECT_TRUE(parser.overflowed());
}

}  // namespace
}  // namespace l2mac::llm
