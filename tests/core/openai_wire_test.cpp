#include "core/llm/openai_wire.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/sim/server_wire.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

ChatRequest SampleRequest() {
  ChatRequest request;
  request.messages = {
      ChatMessage::System("be brief"),
      ChatMessage::User("write hello.py"),
      ChatMessage::Assistant("", {ToolCall{"c1", "write_file", R"({"path":"hello.py"})"}}),
      ChatMessage::ToolResult("c1", "wrote hello.py"),
  };
  request.tools = {
      ToolSchema{"write_file", "Write a file",
                 json{{"type", "object"}, {"properties", {{"path", {{"type", "string"}}}}}}}};
  request.max_output_tokens = 321;
  request.temperature = 0.25;
  return request;
}

TEST(OpenAiWireTest, RequestHasModelMessagesToolsAndLimits) {
  json body = RequestToOpenAiJson(SampleRequest(), "gpt-test");
  EXPECT_EQ(body["model"], "gpt-test");
  EXPECT_EQ(body["max_tokens"], 321);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.25);
  ASSERT_EQ(body["messages"].size(), 4u);
  EXPECT_EQ(body["messages"][0], (json{{"role", "system"}, {"content", "be brief"}}));
  EXPECT_EQ(body["messages"][1], (json{{"role", "user"}, {"content", "write hello.py"}}));
  ASSERT_EQ(body["tools"].size(), 1u);
  const json& tool = body["tools"][0];
  EXPECT_EQ(tool["type"], "function");
  EXPECT_EQ(tool["function"]["name"], "write_file");
  EXPECT_EQ(tool["function"]["description"], "Write a file");
  EXPECT_EQ(tool["function"]["parameters"]["properties"]["path"]["type"], "string");
}

TEST(OpenAiWireTest, RequestOmitsToolsWhenThereAreNone) {
  ChatRequest request;
  request.messages = {ChatMessage::User("hi")};
  json body = RequestToOpenAiJson(request, "m");
  EXPECT_FALSE(body.contains("tools"));
}

TEST(OpenAiWireTest, ToolWithoutSchemaGetsAnEmptyObjectSchema) {
  ChatRequest request;
  request.messages = {ChatMessage::User("hi")};
  request.tools = {ToolSchema{"list_files", "List", json()}};
  json body = RequestToOpenAiJson(request, "m");
  EXPECT_EQ(body["tools"][0]["function"]["parameters"],
            (json{{"type", "object"}, {"properties", json::object()}}));
}

TEST(OpenAiWireTest, AssistantToolCallsSerializeWithNullContentAndStringArguments) {
  json message = MessageToOpenAiJson(
      ChatMessage::Assistant("", {ToolCall{"c1", "write_file", R"({"path":"a.py"})"}}));
  EXPECT_EQ(message["role"], "assistant");
  EXPECT_TRUE(message["content"].is_null());
  ASSERT_EQ(message["tool_calls"].size(), 1u);
  EXPECT_EQ(message["tool_calls"][0],
            (json{{"id", "c1"},
                  {"type", "function"},
                  {"function", {{"name", "write_file"}, {"arguments", R"({"path":"a.py"})"}}}}));
  EXPECT_FALSE(message.contains("tool_call_id"));
}

TEST(OpenAiWireTest, AssistantTextWithToolCallsKeepsText) {
  json message =
      MessageToOpenAiJson(ChatMessage::Assistant("thinking", {ToolCall{"c1", "f", "{}"}}));
  EXPECT_EQ(message["content"], "thinking");
}

TEST(OpenAiWireTest, ToolMessageCarriesToolCallId) {
  json message = MessageToOpenAiJson(ChatMessage::ToolResult("c9", "ok"));
  EXPECT_EQ(message, (json{{"role", "tool"}, {"content", "ok"}, {"tool_call_id", "c9"}}));
}

TEST(OpenAiWireTest, MessagesRoundTrip) {
  for (const ChatMessage& message : SampleRequest().messages) {
    Result<ChatMessage> back = MessageFromOpenAiJson(MessageToOpenAiJson(message));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, message);
  }
}

TEST(OpenAiWireTest, MessageFromJsonAcceptsTextParts) {
  json message = {{"role", "user"},
                  {"content", json::array({{{"type", "text"}, {"text", "a"}},
                                           {{"type", "text"}, {"text", "b"}}})}};
  Result<ChatMessage> parsed = MessageFromOpenAiJson(message);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->content, "ab");
}

TEST(OpenAiWireTest, MessageFromJsonRejectsUnknownRoleAndToolWithoutId) {
  Result<ChatMessage> bad_role = MessageFromOpenAiJson({{"role", "wizard"}, {"content", "x"}});
  ASSERT_FALSE(bad_role.ok());
  EXPECT_EQ(bad_role.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_role.status().message(), HasSubstr("wizard"));

  Result<ChatMessage> no_id = MessageFromOpenAiJson({{"role", "tool"}, {"content", "x"}});
  ASSERT_FALSE(no_id.ok());
  EXPECT_THAT(no_id.status().message(), HasSubstr("tool_call_id"));

  Result<ChatMessage> not_object = MessageFromOpenAiJson(json::array());
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.status().code(), StatusCode::kInvalidArgument);
}

TEST(OpenAiWireTest, ParsesResponseWithToolCalls) {
  std::string body = R"({
    "id": "x", "model": "gpt-test",
    "choices": [{"index": 0, "finish_reason": "tool_calls",
      "message": {"role": "assistant", "content": null,
        "tool_calls": [{"id": "call_1", "type": "function",
          "function": {"name": "read_file", "arguments": "{\"path\": \"a.py\"}"}}]}}],
    "usage": {"prompt_tokens": 120, "completion_tokens": 7, "total_tokens": 127}})";
  Result<ChatResponse> response = ParseOpenAiResponse(body);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.role, Role::kAssistant);
  EXPECT_EQ(response->message.content, "");
  ASSERT_EQ(response->message.tool_calls.size(), 1u);
  EXPECT_EQ(response->message.tool_calls[0],
            (ToolCall{"call_1", "read_file", R"({"path": "a.py"})"}));
  EXPECT_EQ(response->finish_reason, "tool_calls");
  EXPECT_EQ(response->usage, (Usage{120, 7}));
  EXPECT_EQ(response->model, "gpt-test");
}

TEST(OpenAiWireTest, ObjectArgumentsAreSerialized) {
  std::string body = R"({"choices": [{"message": {"role": "assistant",
      "tool_calls": [{"id": "c", "type": "function",
        "function": {"name": "f", "arguments": {"b": 2, "a": [1]}}}]}}]})";
  Result<ChatResponse> response = ParseOpenAiResponse(body);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->message.tool_calls.size(), 1u);
  EXPECT_EQ(json::parse(response->message.tool_calls[0].arguments), (json{{"a", {1}}, {"b", 2}}));
}

TEST(OpenAiWireTest, ToolCallWithoutIdGetsAPositionalOne) {
  std::string body = R"({"choices": [{"message": {"role": "assistant",
      "tool_calls": [{"function": {"name": "f", "arguments": "{}"}},
                     {"function": {"name": "g", "arguments": "{}"}}]}}]})";
  Result<ChatResponse> response = ParseOpenAiResponse(body);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->message.tool_calls.size(), 2u);
  EXPECT_EQ(response->message.tool_calls[0].id, "call_0");
  EXPECT_EQ(response->message.tool_calls[1].id, "call_1");
}

TEST(OpenAiWireTest, MissingUsageMeansZero) {
  Result<ChatResponse> response = ParseOpenAiResponse(
      R"({"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]})");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->usage, (Usage{0, 0}));
  EXPECT_EQ(response->message.content, "hi");
  EXPECT_EQ(response->model, "");
}

struct BadBody {
  const char* body;
  const char* field;  // the name the error must mention
};

class OpenAiWireStrictTest : public ::testing::TestWithParam<BadBody> {};

TEST_P(OpenAiWireStrictTest, RejectsWithTheFieldNamedAndTheBodyQuoted) {
  Result<ChatResponse> response = ParseOpenAiResponse(GetParam().body);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr(GetParam().field));
  EXPECT_THAT(response.status().message(), HasSubstr("not a chat completion"));
  EXPECT_THAT(response.status().message(), HasSubstr(std::string(GetParam().body).substr(0, 10)));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, OpenAiWireStrictTest,
    ::testing::Values(
        BadBody{R"({"object": "list", "data": []})", "`choices` is missing"},
        BadBody{R"({"choices": {}})", "`choices` is an object"},
        BadBody{R"({"choices": []})", "`choices` is an empty array"},
        BadBody{R"({"choices": [7]})", "`choices[0]` is a number"},
        BadBody{R"({"choices": [{"finish_reason": "stop"}]})", "`choices[0].message` is missing"},
        BadBody{R"({"choices": [{"message": {"content": 5}}]})",
                "`choices[0].message.content` is a number"},
        BadBody{R"({"choices": [{"message": {"content": "x", "tool_calls": "f"}}]})",
                "`choices[0].message.tool_calls` is a string"},
        BadBody{
            R"({"choices": [{"message": {"tool_calls": [{"function": {"arguments": "{}"}}]}}]})",
            "`choices[0].message.tool_calls[0].function.name` is missing"},
        BadBody{R"({"choices": [{"message": {"content": "x"}, "finish_reason": 1}]})",
                "`choices[0].finish_reason` is a number"},
        BadBody{R"({"choices": [{"message": {"content": "x"}}], "usage": "lots"})",
                "`usage` is a string"},
        BadBody{R"({"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": "3"}})",
                "`usage.prompt_tokens` is a string"},
        BadBody{R"({"choices": [{"message": {"content": "x"}}], "model": false})",
                "`model` is a boolean"},
        BadBody{R"([1, 2, 3])", "the body is an array"},
        BadBody{R"(<html><body>502 Bad Gateway</body></html>)", "not valid JSON"}));

TEST(OpenAiWireTest, ErrorObjectInBodyIsQuoted) {
  Result<ChatResponse> response =
      ParseOpenAiResponse(R"({"error": {"message": "model overloaded, try later"}})");
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("model overloaded, try later"));
}

TEST(OpenAiWireTest, LongBodiesAreQuotedOnlyInPart) {
  std::string body = "{\"junk\": \"" + std::string(100000, 'x') + "\"}";
  Result<ChatResponse> response = ParseOpenAiResponse(body);
  ASSERT_FALSE(response.ok());
  EXPECT_LT(response.status().message().size(), 1000u);
  EXPECT_THAT(response.status().message(), HasSubstr("{\"junk\": \"xxx"));
}

TEST(OpenAiWireTest, ResponseRoundTrips) {
  ChatResponse response;
  response.message =
      ChatMessage::Assistant("let me look", {ToolCall{"c1", "read_file", R"({"path":"x"})"},
                                             ToolCall{"c2", "search", "not json at all"}});
  response.finish_reason = "tool_calls";
  response.usage = {42, 9};
  response.model = "sim";
  Result<ChatResponse> back = ParseOpenAiResponse(sim::ResponseToOpenAiJson(response).dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, response);

  ChatResponse text;
  text.message = ChatMessage::Assistant("done");
  Result<ChatResponse> text_back = ParseOpenAiResponse(sim::ResponseToOpenAiJson(text).dump());
  ASSERT_TRUE(text_back.ok()) << text_back.status().ToString();
  EXPECT_EQ(*text_back, text);
  EXPECT_THAT(sim::ResponseToOpenAiJson(text).dump(), Not(HasSubstr("tool_calls")));
}

}  // namespace
}  // namespace l2mac::llm
