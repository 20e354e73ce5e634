#include "core/llm/openai_stream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/llm/sse_parser.hpp"
#include "tests/sim/openai_stream_frames.hpp"

namespace l2mac::llm {
namespace {

using ::testing::HasSubstr;

Result<ChatResponse> Assemble(const std::vector<std::string>& data) {
  OpenAiStreamAssembler assembler;
  for (const std::string& item : data) {
    Status status = assembler.AddData(item);
    if (!status.ok()) return status;
  }
  return assembler.Finish();
}

TEST(OpenAiStreamTest, PassesEachContentDeltaToTheCallbackButNoToolArguments) {
  std::vector<std::string> deltas;
  OpenAiStreamAssembler assembler([&deltas](std::string_view text) { deltas.emplace_back(text); });
  for (const char* data :
       {R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})",
        R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})",
        R"({"choices":[{"index":0,"delta":{"content":"lo"}}]})",
        R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1",)"
        R"("function":{"name":"f","arguments":"{\"a\":1}"}}]}}]})",
        R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})", "[DONE]"}) {
    ASSERT_TRUE(assembler.AddData(data).ok()) << data;
  }
  EXPECT_EQ(deltas, (std::vector<std::string>{"Hel", "lo"}));
  auto response = assembler.Finish();
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "Hello");
  ASSERT_EQ(response->message.tool_calls.size(), 1u);
}

TEST(OpenAiStreamTest, AssemblesContentUsageAndFinishReason) {
  auto response = Assemble({
      R"({"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})",
      R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})",
      R"({"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]})",
      R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})",
      R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,)"
      R"("prompt_tokens_details":{"cached_tokens":8}}})",
      "[DONE]",
  });
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "Hello");
  EXPECT_EQ(response->finish_reason, "stop");
  EXPECT_EQ(response->usage, (Usage{12, 3, 8}));
  EXPECT_EQ(response->model, "m");
}

TEST(OpenAiStreamTest, AssemblesInterleavedToolCallsByIndex) {
  auto response = Assemble({
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"read_file","arguments":""}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"write_file","arguments":"{\"pa"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"path\":"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"th\":\"b\"}"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"a\"}"}}]}}]})",
      R"({"choices":[{"delta":{},"finish_reason":"tool_calls"}]})",
      "[DONE]",
  });
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->message.tool_calls.size(), 2u);
  EXPECT_EQ(response->message.tool_calls[0], (ToolCall{"a", "read_file", R"({"path":"a"})"}));
  EXPECT_EQ(response->message.tool_calls[1], (ToolCall{"b", "write_file", R"({"path":"b"})"}));
}

TEST(OpenAiStreamTest, CallsWithoutIndexStartWithANewId) {
  auto response = Assemble({
      R"({"choices":[{"delta":{"tool_calls":[{"id":"x","function":{"name":"f","arguments":"{}"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"id":"y","function":{"name":"g","arguments":"{"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"}"}}]}}]})",
      R"({"choices":[{"delta":{},"finish_reason":"tool_calls"}]})",
  });
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->message.tool_calls.size(), 2u);
  EXPECT_EQ(response->message.tool_calls[1], (ToolCall{"y", "g", "{}"}));
}

TEST(OpenAiStreamTest, AStreamCutShortIsUnavailable) {
  auto response = Assemble({R"({"choices":[{"delta":{"content":"Hel"}}]})"});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("ended before the reply was complete"));
}

TEST(OpenAiStreamTest, MalformedChunksNameTheField) {
  auto not_json = Assemble({R"({"choices": [)"});
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(not_json.status().message(), HasSubstr("not valid JSON"));
  auto wrong_type = Assemble({R"({"choices":[{"delta":{"content":7}}]})"});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_THAT(wrong_type.status().message(), HasSubstr("choices[0].delta.content"));
  auto huge_index = Assemble({R"({"choices":[{"delta":{"tool_calls":[{"index":100000}]}}]})"});
  ASSERT_FALSE(huge_index.ok());
  EXPECT_THAT(huge_index.status().message(), HasSubstr("index"));
}

TEST(OpenAiStreamTest, AnErrorInTheStreamIsUnavailable) {
  auto response = Assemble({R"({"error":{"message":"overloaded"}})"});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("overloaded"));
}

TEST(OpenAiStreamTest, DataAfterDoneIsAnError) {
  OpenAiStreamAssembler assembler;
  ASSERT_TRUE(assembler.AddData("[DONE]").ok());
  EXPECT_FALSE(assembler.AddData("{}").ok());
  // " [DONE]" is not the end marker: only the exact payload is.
  OpenAiStreamAssembler other;
  EXPECT_FALSE(other.AddData(" [DONE] ").ok());
}

// The simulated server's frames, parsed by the SSE parser in pieces of every size,
// assemble back to the reply they were made from.
TEST(OpenAiStreamTest, RoundTripsTheSimulatedServersFrames) {
  ChatResponse original;
  original.message = ChatMessage::Assistant(
      "Writing two files — ünïcödé included.",
      {ToolCall{"c1", "write_file", R"({"path":"a.py","content":"print('hi')\n"})"},
       ToolCall{"c2", "write_file", R"({"path":"b.py","content":"x = 1"})"}});
  original.finish_reason = "tool_calls";
  original.usage = {100, 20, 64};
  original.model = "sim";
  std::string stream;
  for (const std::string& frame : sim::OpenAiStreamFrames(original, 5)) stream += frame;
  for (size_t piece : {size_t{1}, size_t{3}, size_t{7}, size_t{64}, stream.size()}) {
    SseParser parser;
    OpenAiStreamAssembler assembler;
    for (size_t at = 0; at < stream.size(); at += piece) {
      ASSERT_TRUE(parser.Feed(std::string_view(stream).substr(at, piece), [&](const SseEvent& e) {
        EXPECT_TRUE(assembler.AddData(e.data).ok());
        return true;
      }));
    }
    auto assembled = assembler.Finish();
    ASSERT_TRUE(assembled.ok()) << assembled.status().ToString();
    EXPECT_EQ(*assembled, original) << "piece " << piece;
  }
}

}  // namespace
}  // namespace l2mac::llm
