#include "core/llm/transcript.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/json_text.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

ChatResponse ResponseWithArguments(std::string arguments) {
  ChatResponse response;
  response.message =
      ChatMessage::Assistant("", {ToolCall{"c1", "write_file", std::move(arguments)}});
  response.finish_reason = "tool_calls";
  response.usage = {100, 20};
  response.model = "gpt-test";
  return response;
}

TEST(TranscriptTest, CompactObjectArgumentsAreWrittenAsObjectsAndRoundTrip) {
  ChatResponse response = ResponseWithArguments(R"j({"content":"print(1)","path":"a.py"})j");
  json written = ResponseToTranscriptJson(response);
  EXPECT_TRUE(written["tool_calls"][0]["arguments"].is_object());
  EXPECT_EQ(written["tool_calls"][0]["arguments"]["path"], "a.py");
  Result<ChatResponse> back = ResponseFromTranscriptJson(json::parse(written.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, response);
}

// Regression: a model's tool call whose arguments nest 200 000 arrays deep parsed, then
// overflowed the stack when the exchange log serialized it (every run logs every
// exchange). Such arguments are kept as the text they are.
TEST(TranscriptTest, ArgumentsNestedTooDeepAreKeptAsText) {
  const std::string deep =
      "{\"path\": " + std::string(200000, '[') + std::string(200000, ']') + "}";
  ChatResponse response = ResponseWithArguments(deep);
  json written = ResponseToTranscriptJson(response);
  ASSERT_TRUE(written["tool_calls"][0]["arguments"].is_string());
  const std::string text = written.dump();
  Result<ChatResponse> back = ResponseFromTranscriptJson(json::parse(text));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->message.tool_calls[0].arguments, deep);
  EXPECT_EQ(JsonNestingDepth(deep), 200001u);
  EXPECT_EQ(JsonNestingDepth(R"({"a": "[[[[", "b": "\"{{"})"), 1u);
  EXPECT_EQ(JsonNestingDepth("42"), 0u);
}

TEST(TranscriptTest, ArgumentsThatWouldChangeAreKeptAsStrings) {
  // Spacing and key order that re-serializing would alter stay byte-exact.
  for (std::string arguments : {std::string(R"({"path": "a.py"})"), std::string(R"({"z":1,"a":2})"),
                                std::string("[1,2]")}) {
    ChatResponse response = ResponseWithArguments(arguments);
    json written = ResponseToTranscriptJson(response);
    EXPECT_TRUE(written["tool_calls"][0]["arguments"].is_string()) << arguments;
    Result<ChatResponse> back = ResponseFromTranscriptJson(json::parse(written.dump()));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->message.tool_calls[0].arguments, arguments);
  }
}

TEST(TranscriptTest, InvalidJsonArgumentsReplayVerbatim) {
  ChatResponse response = ResponseWithArguments(R"({"path": "a.py", "content": "unterminated)");
  json written = ResponseToTranscriptJson(response);
  EXPECT_TRUE(written["tool_calls"][0]["arguments"].is_string());
  Result<ChatResponse> back = ResponseFromTranscriptJson(json::parse(written.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, response);
}

TEST(TranscriptTest, HandWrittenObjectArgumentsAreSerializedCompactly) {
  json hand = {{"tool_calls",
                {{{"id", "c1"},
                  {"name", "write_file"},
                  {"arguments", {{"path", "a.py"}, {"content", "x = 1\n"}}}}}}};
  Result<ChatResponse> response = ResponseFromTranscriptJson(hand);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->message.tool_calls.size(), 1u);
  EXPECT_EQ(response->message.tool_calls[0].arguments, R"({"content":"x = 1\n","path":"a.py"})");
  EXPECT_EQ(response->message.role, Role::kAssistant);
  EXPECT_EQ(response->finish_reason, "tool_calls");  // defaulted from the tool calls
  EXPECT_EQ(response->usage, (Usage{0, 0}));
}

TEST(TranscriptTest, HandWrittenTextResponseDefaults) {
  Result<ChatResponse> response = ResponseFromTranscriptJson({{"content", "all done"}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "all done");
  EXPECT_TRUE(response->message.tool_calls.empty());
  EXPECT_EQ(response->finish_reason, "stop");
}

TEST(TranscriptTest, ToolCallWithoutIdGetsAPositionalOne) {
  Result<ChatResponse> response = ResponseFromTranscriptJson(
      {{"tool_calls", {{{"name", "list_files"}}, {{"name", "read_file"}}}}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.tool_calls[0].id, "call_0");
  EXPECT_EQ(response->message.tool_calls[1].id, "call_1");
  EXPECT_EQ(response->message.tool_calls[0].arguments, "{}");
}

TEST(TranscriptTest, ExchangeHasRequestMessagesToolNamesAndResponse) {
  ChatRequest request;
  request.messages = {ChatMessage::System("sys"), ChatMessage::User("go")};
  request.tools = {ToolSchema{"read_file", "Read", json::object()},
                   ToolSchema{"write_file", "Write", json::object()}};
  ChatResponse response = ResponseWithArguments("{}");
  json exchange = ExchangeToTranscriptJson(request, response);
  EXPECT_EQ(exchange["request"]["messages"][1], (json{{"role", "user"}, {"content", "go"}}));
  EXPECT_EQ(exchange["request"]["tools"], (json{"read_file", "write_file"}));
  EXPECT_EQ(exchange["response"], ResponseToTranscriptJson(response));
  EXPECT_EQ(exchange["response"]["usage"]["prompt_tokens"], 100);
  EXPECT_EQ(exchange["response"]["model"], "gpt-test");
}

TEST(TranscriptTest, RejectsMalformedResponses) {
  struct Case {
    json response;
    const char* mention;
  };
  const Case cases[] = {
      {json::array(), "`response` is an array"},
      {json{{"finish_reason", "stop"}}, "`response.content` is missing"},
      {json{{"content", 3}}, "`response.content` is a number"},
      {json{{"tool_calls", "x"}}, "`response.tool_calls` is a string"},
      {json{{"tool_calls", {{{"id", "c"}}}}}, "`response.tool_calls[0].name` is missing"},
      {json{{"tool_calls", {{{"name", "f"}, {"arguments", {1, 2}}}}}},
       "`response.tool_calls[0].arguments` is an array"},
      {json{{"content", "x"}, {"usage", {{"completion_tokens", 1.5}}}},
       "`response.usage.completion_tokens` is a number"},
  };
  for (const Case& c : cases) {
    Result<ChatResponse> response = ResponseFromTranscriptJson(c.response);
    ASSERT_FALSE(response.ok()) << c.response.dump();
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(response.status().message(), HasSubstr(c.mention));
  }
}

}  // namespace
}  // namespace l2mac::llm
