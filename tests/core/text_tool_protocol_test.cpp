#include "core/llm/text_tool_protocol.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "core/llm/openai_provider.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

ChatRequest WithTools() {
  ChatRequest request;
  request.messages = {
      ChatMessage::System("You write code."),
      ChatMessage::User("the task"),
      ChatMessage::Assistant("", {ToolCall{"c1", "read_file", R"({"path":"a"})"},
                                  ToolCall{"c2", "read_file", R"({"path":"b"})"}}),
      ChatMessage::ToolResult("c1", "A"),
      ChatMessage::ToolResult("c2", "B"),
  };
  request.tools = {{"read_file", "Read a file", json{{"type", "object"}}}};
  return request;
}

TEST(TextToolProtocolTest, DescribesToolsAndRendersEarlierCallsAsFencedBlocks) {
  ChatRequest text = ToTextProtocolRequest(WithTools());
  EXPECT_TRUE(text.tools.empty());
  ASSERT_EQ(text.messages.size(), 4u);
  EXPECT_THAT(text.messages[0].content, HasSubstr("You write code."));
  EXPECT_THAT(text.messages[0].content, HasSubstr("## read_file\nRead a file"));
  EXPECT_EQ(text.messages[2].content,
            "```tool read_file\n{\"path\":\"a\"}\n```\n\n```tool read_file\n{\"path\":\"b\"}\n```");
  EXPECT_TRUE(text.messages[2].tool_calls.empty());
  EXPECT_EQ(text.messages[3].role, Role::kUser);
  EXPECT_EQ(text.messages[3].content,
            "Result of c1 (read_file):\nA\n\nResult of c2 (read_file):\nB");
}

TEST(TextToolProtocolTest, TheRewrittenRequestKeepsTheCancelTokenAndTheCallbacks) {
  ChatRequest request = WithTools();
  CancelToken cancel;
  request.cancel = &cancel;
  int calls = 0;
  request.on_text_delta = [&](std::string_view) { ++calls; };
  request.on_retry = [&](const CallRetry&) { ++calls; };
  request.on_rate_limit_wait = [&](const RateLimitWait&) { ++calls; };
  request.on_warning = [&](std::string_view) { ++calls; };
  ChatRequest text = ToTextProtocolRequest(request);
  EXPECT_EQ(text.cancel, &cancel);
  ASSERT_TRUE(text.on_text_delta && text.on_retry && text.on_rate_limit_wait && text.on_warning);
  text.on_text_delta("a");
  text.on_retry(CallRetry{});
  text.on_rate_limit_wait(RateLimitWait{});
  text.on_warning("w");
  EXPECT_EQ(calls, 4);
}

TEST(TextToolProtocolTest, ParsesBlocksOutOfTheReplyAndKeepsTheText) {
  ChatResponse reply;
  reply.message = ChatMessage::Assistant(
      "I will write it.\n```tool write_file\n{\"path\": \"x.py\",\n \"content\": \"```\"}\n```\n"
      "Then check.\n```python\nprint(1)\n```\n```tool step_complete\n{}\n```");
  reply.finish_reason = "stop";
  ChatResponse parsed = FromTextProtocolResponse(reply);
  ASSERT_EQ(parsed.message.tool_calls.size(), 2u);
  EXPECT_EQ(parsed.message.tool_calls[0].name, "write_file");
  EXPECT_EQ(parsed.message.tool_calls[0].arguments, "{\"path\": \"x.py\",\n \"content\": \"```\"}");
  EXPECT_EQ(parsed.message.tool_calls[1].name, "step_complete");
  EXPECT_EQ(parsed.message.content, "I will write it.\nThen check.\n```python\nprint(1)\n```");
  EXPECT_EQ(parsed.finish_reason, "tool_calls");
}

TEST(TextToolProtocolTest, AutoSwitchesWhenTheServerRefusesToolsAndStaysSwitched) {
  sim::SimModelServer server([](const json& body, size_t) {
    if (body.contains("tools")) return sim::ErrorReply(400, "this model does not support tools");
    return sim::TextReply("```tool read_file\n{\"path\": \"a\"}\n```");
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options;
  options.base_url = server.base_url();
  options.max_retries = 0;
  auto provider = WithTextToolProtocol(MakeOpenAiProvider(options), TextProtocolMode::kAuto);
  ChatRequest request = WithTools();
  for (int call = 0; call < 2; ++call) {
    auto response = provider->Complete(request);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    ASSERT_EQ(response->message.tool_calls.size(), 1u);
    // Numbered on from the two calls the conversation holds.
    EXPECT_EQ(response->message.tool_calls[0].id, "text_call_3");
    EXPECT_EQ(response->message.tool_calls[0].arguments, "{\"path\": \"a\"}");
  }
  EXPECT_EQ(server.request_count(), 3u) << "one refusal, then text protocol only";
  auto never = WithTextToolProtocol(MakeOpenAiProvider(options), TextProtocolMode::kNever);
  auto refused = never->Complete(request);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace l2mac::llm
