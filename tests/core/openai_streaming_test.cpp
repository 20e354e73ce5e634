// The OpenAI provider in its default streaming mode against the simulated server, with
// the faults a real server shows: stalls, resets, malformed events, streams cut short,
// replies cut at the token limit in the middle of a tool call.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/llm/openai_provider.hpp"
#include "core/llm/openai_wire.hpp"
#include "tests/sim/server_wire.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey = "sk-stream-SECRET-42";

OpenAiOptions StreamingOptions(const std::string& base_url) {
  OpenAiOptions options;
  options.base_url = base_url;
  options.model = "sim-model";
  options.api_key = kKey;
  options.max_retries = 3;
  options.initial_backoff = milliseconds(1);
  options.max_backoff = milliseconds(5);
  options.connect_timeout = milliseconds(2000);
  options.request_timeout = milliseconds(10000);
  options.idle_timeout = milliseconds(1000);
  return options;
}

ChatRequest Request() {
  ChatRequest request;
  request.messages = {ChatMessage::System("you write code"), ChatMessage::User("write a.py")};
  request.tools = {ToolSchema{"write_file", "Write a file", json{{"type", "object"}}}};
  request.max_output_tokens = 100;
  return request;
}

sim::SimReply TwoCalls() {
  sim::SimReply reply = sim::ToolCallsReply(
      {ToolCall{"c1", "write_file", R"({"path":"a.py","content":"print('a')\n"})"},
       ToolCall{"c2", "write_file", R"({"path":"b.py","content":"print('b')\n"})"}});
  reply.response.message.content = "Two files — here they come.";
  reply.response.usage = {321, 45, 256};
  return reply;
}

TEST(OpenAiStreamingTest, StreamingAndNotStreamingGiveTheSameResponse) {
  sim::SimModelServer server([](const json&, size_t) { return TwoCalls(); });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions streaming = StreamingOptions(server.base_url());
  OpenAiOptions whole = streaming;
  whole.stream = false;
  auto streamed = MakeOpenAiProvider(streaming)->Complete(Request());
  auto plain = MakeOpenAiProvider(whole)->Complete(Request());
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*streamed, *plain);
  EXPECT_EQ(streamed->message.tool_calls.size(), 2u);
  EXPECT_EQ(streamed->usage, (Usage{321, 45, 256}));

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["stream"], true);
  EXPECT_EQ(requests[0]["stream_options"], (json{{"include_usage", true}}));
  EXPECT_FALSE(requests[1].contains("stream"));
  json without_stream = requests[0];
  without_stream.erase("stream");
  without_stream.erase("stream_options");
  EXPECT_EQ(without_stream, requests[1]);
}

TEST(OpenAiStreamingTest, AServerThatIgnoresStreamIsUnderstood) {
  sim::SimModelServer server([](const json&, size_t) {
    sim::SimReply reply;
    reply.raw_body = sim::ResponseToOpenAiJson(sim::TextReply("plain body").response).dump();
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  auto response = MakeOpenAiProvider(StreamingOptions(server.base_url()))->Complete(Request());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "plain body");
}

struct FaultCase {
  const char* name;
  sim::StreamFault fault;
};

class StreamFaultTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(StreamFaultTest, IsRetriedAndTheRetrySucceeds) {
  const sim::StreamFault fault = GetParam().fault;
  sim::SimModelServer server([fault](const json&, size_t index) {
    if (index == 0) return sim::WithStreamFault(TwoCalls(), fault, milliseconds(4000));
    return TwoCalls();
  });
  ASSERT_TRUE(server.Start().ok());
  auto start = std::chrono::steady_clock::now();
  auto response = MakeOpenAiProvider(StreamingOptions(server.base_url()))->Complete(Request());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.tool_calls.size(), 2u);
  EXPECT_EQ(server.request_count(), 2u);
  if (fault == sim::StreamFault::kStall) {
    // The idle timeout (1 s), not the 4 s stall or the 10 s request timeout, ended it.
    EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(3900));
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, StreamFaultTest,
                         ::testing::Values(FaultCase{"Stall", sim::StreamFault::kStall},
                                           FaultCase{"Reset", sim::StreamFault::kReset},
                                           FaultCase{"Malformed", sim::StreamFault::kMalformedSse},
                                           FaultCase{"CutShort", sim::StreamFault::kCutShort}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(OpenAiStreamingTest, PersistentlyMalformedStreamsSuggestNoStream) {
  sim::SimModelServer server([](const json&, size_t) {
    return sim::WithStreamFault(TwoCalls(), sim::StreamFault::kMalformedSse);
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = StreamingOptions(server.base_url());
  options.max_retries = 1;
  auto response = MakeOpenAiProvider(options)->Complete(Request());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("--no-stream"));
  EXPECT_THAT(response.status().message(), HasSubstr("gave up after 2 attempts"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr(kKey)));
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(OpenAiStreamingTest, AStallWithoutRetriesIsADeadline) {
  sim::SimModelServer server([](const json&, size_t) {
    return sim::WithStreamFault(TwoCalls(), sim::StreamFault::kStall, milliseconds(5000));
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = StreamingOptions(server.base_url());
  options.max_retries = 0;
  auto response = MakeOpenAiProvider(options)->Complete(Request());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(response.status().message(), HasSubstr("stalled"));
  EXPECT_THAT(response.status().message(), HasSubstr("idle timeout"));
}

TEST(OpenAiStreamingTest, FirstByteTimeoutEndsASilentServer) {
  sim::SimModelServer server([](const json&, size_t) {
    sim::SimReply reply = TwoCalls();
    reply.delay = milliseconds(5000);
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = StreamingOptions(server.base_url());
  options.max_retries = 0;
  options.first_byte_timeout = milliseconds(500);
  auto response = MakeOpenAiProvider(options)->Complete(Request());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(response.status().message(), HasSubstr("first-byte timeout"));
}

TEST(OpenAiStreamingTest, HttpDateRetryAfterIsHonoured) {
  sim::SimModelServer server([](const json&, size_t index) {
    // A date in the past: retry at once.
    if (index == 0) {
      return sim::ErrorReply(429, "slow down", {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}});
    }
    return TwoCalls();
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = StreamingOptions(server.base_url());
  options.initial_backoff = milliseconds(60000);  // only the Retry-After keeps this fast
  options.max_backoff = milliseconds(60000);
  auto start = std::chrono::steady_clock::now();
  auto response = MakeOpenAiProvider(options)->Complete(Request());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(30000));
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(OpenAiStreamingTest, TotalRetryWaitIsBounded) {
  sim::SimModelServer server([](const json&, size_t) {
    return sim::ErrorReply(503, "down", {{"Retry-After", "1"}});
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = StreamingOptions(server.base_url());
  options.max_retries = 50;
  options.max_backoff = milliseconds(10000);
  options.max_total_retry_wait = milliseconds(2500);
  auto response = MakeOpenAiProvider(options)->Complete(Request());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(server.request_count(), 3u) << "two waits of 1 s fit in 2.5 s, a third does not";
  EXPECT_THAT(response.status().message(), HasSubstr("after 3 attempts"));
}

TEST(OpenAiStreamingTest, ClientErrorsAreNotRetried) {
  for (int code : {400, 401, 403, 404, 422}) {
    sim::SimModelServer server([code](const json&, size_t) { return sim::ErrorReply(code, "no"); });
    ASSERT_TRUE(server.Start().ok());
    auto response = MakeOpenAiProvider(StreamingOptions(server.base_url()))->Complete(Request());
    EXPECT_FALSE(response.ok());
    EXPECT_EQ(server.request_count(), 1u) << code;
  }
}

sim::SimReply CutMidCall(std::string content) {
  sim::SimReply reply = sim::ToolCallsReply(
      {ToolCall{"c1", "write_file", R"({"path":"a.py","content":"ok"})"},
       ToolCall{"c2", "write_file", R"({"path":"big.py","content":"def f():\n    re)"}});
  reply.response.message.content = std::move(content);
  reply.response.finish_reason = "length";
  return reply;
}

TEST(OpenAiStreamingTest, ACallCutByTheTokenLimitIsAskedAgainWithALargerLimit) {
  sim::SimModelServer server([](const json&, size_t index) {
    if (index == 0) return CutMidCall("");
    return TwoCalls();
  });
  ASSERT_TRUE(server.Start().ok());
  auto response = MakeOpenAiProvider(StreamingOptions(server.base_url()))->Complete(Request());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.tool_calls.size(), 2u);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["max_tokens"], 100);
  EXPECT_EQ(requests[1]["max_tokens"], 200);
}

TEST(OpenAiStreamingTest, ACallStillCutIsDroppedWithANoteNeverPassedOnBroken) {
  sim::SimModelServer server([](const json&, size_t) { return CutMidCall("Writing."); });
  ASSERT_TRUE(server.Start().ok());
  auto response = MakeOpenAiProvider(StreamingOptions(server.base_url()))->Complete(Request());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->message.tool_calls.size(), 1u);
  EXPECT_EQ(response->message.tool_calls[0].id, "c1");
  EXPECT_THAT(response->message.content, HasSubstr("Writing."));
  EXPECT_THAT(response->message.content, HasSubstr("output token limit"));
  EXPECT_THAT(response->message.content, HasSubstr("write_file"));
  EXPECT_EQ(response->finish_reason, "length");
}

TEST(OpenAiStreamingTest, AzureStyleKeyHeaderAndQuery) {
  sim::SimModelServer server([](const json&, size_t) { return TwoCalls(); });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = StreamingOptions("http://127.0.0.1:" + std::to_string(server.port()) +
                                           "/openai/deployments/gpt4o");
  options.api_key_header = "api-key";
  options.query = "api-version=2024-10-21";
  options.send_model = false;
  auto response = MakeOpenAiProvider(options)->Complete(Request());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(server.targets().size(), 1u);
  EXPECT_EQ(server.targets()[0],
            "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21");
  auto headers = server.request_headers()[0];
  EXPECT_EQ(headers["api-key"], kKey);
  EXPECT_EQ(headers.count("authorization"), 0u);
  EXPECT_FALSE(server.requests()[0].contains("model"));
}

TEST(OpenAiStreamingTest, ASharedLimiterServesConcurrentProviders) {
  sim::SimModelServer server([](const json&, size_t) { return TwoCalls(); });
  ASSERT_TRUE(server.Start().ok());
  auto limiter = std::make_shared<RateLimiter>(600, 0);  // 10 per second
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      OpenAiOptions options = StreamingOptions(server.base_url());
      options.limiter = limiter;
      auto provider = MakeOpenAiProvider(options);
      for (int i = 0; i < 2; ++i) ok += provider->Complete(Request()).ok() ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(690));
}

}  // namespace
}  // namespace l2mac::llm
