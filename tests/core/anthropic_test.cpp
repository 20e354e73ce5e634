// Anthropic's Messages API: request translation (system, tool_use, tool_result, prompt
// caching marks), response and stream parsing, and the provider against the simulated
// server in both streaming and whole-reply modes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "core/llm/anthropic_wire.hpp"
#include "core/llm/openai_provider.hpp"
#include "core/llm/sse_parser.hpp"
#include "tests/sim/anthropic_stream_frames.hpp"
#include "tests/sim/server_wire.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey = "sk-ant-test-SECRET-9";

ChatRequest Conversation() {
  ChatRequest request;
  request.messages = {
      ChatMessage::System("you write code"),
      ChatMessage::User("the task"),
      ChatMessage::Assistant("Reading both.", {ToolCall{"t1", "read_file", R"({"path":"a"})"},
                                               ToolCall{"t2", "read_file", "not json"}}),
      ChatMessage::ToolResult("t1", "A"),
      ChatMessage::ToolResult("t2", "B"),
      ChatMessage::User("go on"),
  };
  request.tools = {{"read_file", "Read", json{{"type", "object"}}},
                   {"write_file", "Write", json{{"type", "object"}}}};
  request.max_output_tokens = 300;
  return request;
}

TEST(AnthropicWireTest, TranslatesTheConversationAndMarksTheStablePrefixForCaching) {
  json body = RequestToAnthropicJson(Conversation(), "claude-x");
  EXPECT_EQ(body["model"], "claude-x");
  EXPECT_EQ(body["max_tokens"], 300);
  ASSERT_EQ(body["system"].size(), 1u);
  EXPECT_EQ(body["system"][0]["text"], "you write code");
  EXPECT_EQ(body["system"][0]["cache_control"]["type"], "ephemeral");
  EXPECT_FALSE(body["tools"][0].contains("cache_control"));
  EXPECT_EQ(body["tools"][1]["cache_control"]["type"], "ephemeral");
  EXPECT_EQ(body["tools"][1]["input_schema"], (json{{"type", "object"}}));
  const json& messages = body["messages"];
  ASSERT_EQ(messages.size(), 3u) << messages.dump(2);
  EXPECT_EQ(messages[0]["role"], "user");
  EXPECT_EQ(messages[0]["content"][0]["cache_control"]["type"], "ephemeral");
  EXPECT_EQ(messages[1]["role"], "assistant");
  EXPECT_EQ(messages[1]["content"][1]["type"], "tool_use");
  EXPECT_EQ(messages[1]["content"][1]["input"], (json{{"path", "a"}}));
  EXPECT_EQ(messages[1]["content"][2]["input"]["_unparsed_arguments"], "not json");
  // Both tool results and the next user text share one user turn.
  EXPECT_EQ(messages[2]["role"], "user");
  ASSERT_EQ(messages[2]["content"].size(), 3u);
  EXPECT_EQ(messages[2]["content"][0]["type"], "tool_result");
  EXPECT_EQ(messages[2]["content"][0]["tool_use_id"], "t1");
  EXPECT_EQ(messages[2]["content"][2]["text"], "go on");
  EXPECT_FALSE(messages[2]["content"][2].contains("cache_control"));

  // The simulated server's inverse translation gives the conversation back.
  auto back = sim::RequestFromAnthropicJson(body);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->messages, Conversation().messages);
}

// Regression: deeply nested tool-call arguments became an "input" object, and dumping the
// request body overflowed the stack. They travel as an unparsed string instead.
TEST(AnthropicWireTest, ArgumentsNestedTooDeepTravelAsText) {
  ChatRequest request;
  const std::string deep = "{\"a\": " + std::string(200000, '[') + std::string(200000, ']') + "}";
  request.messages = {ChatMessage::User("go"),
                      ChatMessage::Assistant("", {ToolCall{"t1", "read_file", deep}}),
                      ChatMessage::ToolResult("t1", "no")};
  json body = RequestToAnthropicJson(request, "claude-x");
  const std::string text = body.dump();
  EXPECT_THAT(text, HasSubstr("_unparsed_arguments"));
}

TEST(AnthropicWireTest, ParsesAMessageWithUsageAndStopReason) {
  auto response = ParseAnthropicResponse(R"({
    "content": [{"type": "text", "text": "Writing."},
                {"type": "tool_use", "id": "toolu_1", "name": "write_file",
                 "input": {"path": "a.py"}}],
    "model": "claude-x", "stop_reason": "tool_use",
    "usage": {"input_tokens": 10, "cache_creation_input_tokens": 5,
              "cache_read_input_tokens": 100, "output_tokens": 7}})");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "Writing.");
  ASSERT_EQ(response->message.tool_calls.size(), 1u);
  EXPECT_EQ(response->message.tool_calls[0],
            (ToolCall{"toolu_1", "write_file", R"({"path":"a.py"})"}));
  EXPECT_EQ(response->finish_reason, "tool_calls");
  EXPECT_EQ(response->usage, (Usage{115, 7, 100}));
  auto bad = ParseAnthropicResponse(R"({"content": 3})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("`content`"));
}

TEST(AnthropicWireTest, ParsesWhatTheSimulatedServerWrites) {
  ChatResponse response;
  response.message =
      ChatMessage::Assistant("Writing.", {ToolCall{"toolu_1", "write_file", R"({"path":"a.py"})"}});
  response.finish_reason = "tool_calls";
  response.usage = {115, 7, 100};
  response.model = "claude-x";
  auto back = ParseAnthropicResponse(sim::ResponseToAnthropicJson(response).dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, response);
}

TEST(AnthropicWireTest, AssemblesStreamedTextAndInputJsonDeltas) {
  ChatResponse original;
  original.message = ChatMessage::Assistant(
      "Two calls — ünïcödé.",
      {ToolCall{"toolu_a", "write_file", R"({"content":"x\n","path":"a.py"})"},
       ToolCall{"toolu_b", "read_file", R"({"path":"b.py"})"}});
  original.finish_reason = "tool_calls";
  original.usage = {200, 30, 150};
  original.model = "claude-x";
  std::string stream;
  for (const auto& frame : sim::AnthropicStreamFrames(original, 3)) stream += frame;
  for (size_t piece : {size_t{1}, size_t{5}, stream.size()}) {
    SseParser parser;
    AnthropicStreamAssembler assembler;
    for (size_t at = 0; at < stream.size(); at += piece) {
      parser.Feed(std::string_view(stream).substr(at, piece), [&](const SseEvent& event) {
        EXPECT_TRUE(assembler.AddEvent(event.type, event.data).ok());
        return true;
      });
    }
    EXPECT_TRUE(assembler.done());
    auto assembled = assembler.Finish();
    ASSERT_TRUE(assembled.ok()) << assembled.status().ToString();
    EXPECT_EQ(*assembled, original) << "piece " << piece;
  }
  AnthropicStreamAssembler overloaded;
  Status error = overloaded.AddEvent(
      "error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(error.code(), StatusCode::kUnavailable);
  EXPECT_THAT(error.message(), HasSubstr("Overloaded"));
  AnthropicStreamAssembler cut;
  ASSERT_TRUE(cut.AddEvent("message_start", R"({"message":{"model":"m"}})").ok());
  EXPECT_EQ(cut.Finish().status().code(), StatusCode::kUnavailable);
}

OpenAiOptions Options(const sim::SimModelServer& server, bool stream) {
  OpenAiOptions options;
  options.base_url = server.base_url();
  options.model = "claude-x";
  options.api_key = kKey;
  options.stream = stream;
  options.max_retries = 2;
  options.initial_backoff = milliseconds(1);
  options.max_backoff = milliseconds(5);
  options.idle_timeout = milliseconds(1000);
  return options;
}

TEST(AnthropicProviderTest, StreamedAndWholeRepliesAreIdenticalAndTheKeyGoesInXApiKey) {
  sim::SimModelServer server([](const json& body, size_t) {
    EXPECT_EQ(body["messages"][0]["role"], "system");  // translated for the handler
    sim::SimReply reply = sim::ToolCallReply("write_file", json{{"path", "a.py"}}, "toolu_1");
    reply.response.message.content = "Here.";
    reply.response.usage = {120, 8, 100};
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  auto streamed = MakeAnthropicProvider(Options(server, true))->Complete(Conversation());
  auto whole = MakeAnthropicProvider(Options(server, false))->Complete(Conversation());
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(*streamed, *whole);
  EXPECT_EQ(streamed->message.tool_calls.at(0).name, "write_file");
  EXPECT_EQ(streamed->usage, (Usage{120, 8, 100}));
  ASSERT_EQ(server.targets().size(), 2u);
  EXPECT_EQ(server.targets()[0], "/v1/messages");
  for (const auto& headers : server.request_headers()) {
    EXPECT_EQ(headers.at("x-api-key"), kKey);
    EXPECT_EQ(headers.at("anthropic-version"), "2023-06-01");
    EXPECT_EQ(headers.count("authorization"), 0u);
  }
  EXPECT_EQ(server.raw_requests()[0]["stream"], true);
  EXPECT_FALSE(server.raw_requests()[0].contains("stream_options"));
  EXPECT_EQ(server.raw_requests()[0]["system"][0]["cache_control"]["type"], "ephemeral");
}

TEST(AnthropicProviderTest, FaultsAreRetriedAndErrorsNeverShowTheKey) {
  sim::SimModelServer server([](const json&, size_t index) {
    if (index == 0) return sim::ErrorReply(529, "Overloaded", {{"Retry-After", "0"}});
    if (index == 1) {
      return sim::WithStreamFault(sim::TextReply("hello there, a long enough reply"),
                                  sim::StreamFault::kReset);
    }
    if (index == 2) return sim::ErrorReply(401, std::string("bad key ") + kKey);
    return sim::TextReply("unused");
  });
  ASSERT_TRUE(server.Start().ok());
  auto response = MakeAnthropicProvider(Options(server, true))->Complete(Conversation());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(response.status().message(), HasSubstr("ANTHROPIC_API_KEY"));
  EXPECT_THAT(response.status().ToString(), Not(HasSubstr(kKey)));
  EXPECT_EQ(server.request_count(), 3u);
}

}  // namespace
}  // namespace l2mac::llm
