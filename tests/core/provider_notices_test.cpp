// What a provider reports during a call through ChatRequest's callbacks (retries,
// rate-limit waits, warnings), against the simulated server over loopback: the numbers
// are right, secrets stay out, and nothing goes to spdlog when a callback is set (spdlog is
// the fallback for callers without one).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/llm/openai_provider.hpp"
#include "core/llm/rate_limiter.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr const char* kKey = "sk-notice-0123456789abcdef";

OpenAiOptions Options(const std::string& base_url) {
  OpenAiOptions options;
  options.base_url = base_url;
  options.model = "sim-model-7b";
  options.api_key = kKey;
  options.max_retries = 4;
  options.initial_backoff = milliseconds(1);
  options.max_backoff = milliseconds(5);
  options.request_timeout = milliseconds(5000);
  options.stream = false;
  return options;
}

ChatRequest Request() {
  ChatRequest request;
  request.messages = {ChatMessage::System("you write code"), ChatMessage::User("write a.py")};
  request.max_output_tokens = 100;
  return request;
}

// Everything spdlog's default logger prints while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(ProviderNoticesTest, EachRetryIsReportedWithTheAttemptItMakes) {
  sim::SimModelServer server([](const json&, size_t index) {
    if (index < 2) return sim::ErrorReply(500, std::string("boom, your key is ") + kKey);
    return sim::TextReply("fine");
  });
  ASSERT_TRUE(server.Start().ok());
  // The key also sits in the URL's user info: the reason shows the URL without it.
  const std::string url =
      "http://user:" + std::string(kKey) + "@127.0.0.1:" + std::to_string(server.port()) + "/v1";
  std::vector<CallRetry> retries;
  ChatRequest request = Request();
  request.on_retry = [&](const CallRetry& retry) { retries.push_back(retry); };
  LogCapture log;
  Result<ChatResponse> response = MakeOpenAiProvider(Options(url))->Complete(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "fine");
  ASSERT_EQ(retries.size(), 2u);
  EXPECT_EQ(retries[0].attempt, 2);
  EXPECT_EQ(retries[1].attempt, 3);
  for (const CallRetry& retry : retries) {
    EXPECT_EQ(retry.max_attempts, 5);
    EXPECT_GE(retry.delay.count(), 0);
    EXPECT_LE(retry.delay.count(), 5);
    EXPECT_EQ(retry.reason, "HTTP 500 from http://[redacted]@127.0.0.1:" +
                                std::to_string(server.port()) + "/v1/chat/completions");
    EXPECT_THAT(retry.reason, Not(HasSubstr(kKey)));
  }
  EXPECT_THAT(log.text(), IsEmpty()) << "a caller with callbacks gets nothing in the log";
}

TEST(ProviderNoticesTest, TheAnthropicWireReportsItsRetriesTheSameWay) {
  sim::SimModelServer server([](const json&, size_t index) {
    if (index == 0) return sim::ErrorReply(529, "Overloaded", {{"Retry-After", "0"}});
    if (index == 1) {
      return sim::WithStreamFault(sim::TextReply("hello there, a long enough reply"),
                                  sim::StreamFault::kReset);
    }
    return sim::TextReply("hello");
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = Options(server.base_url());
  options.stream = true;
  std::vector<CallRetry> retries;
  ChatRequest request = Request();
  request.on_retry = [&](const CallRetry& retry) { retries.push_back(retry); };
  LogCapture log;
  Result<ChatResponse> response = MakeAnthropicProvider(options)->Complete(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "hello");
  ASSERT_EQ(retries.size(), 2u);
  EXPECT_EQ(retries[0].attempt, 2);
  EXPECT_THAT(retries[0].reason, HasSubstr("HTTP 529 from " + server.base_url() + "/messages"));
  EXPECT_EQ(retries[1].attempt, 3);
  EXPECT_FALSE(retries[1].reason.empty());
  for (const CallRetry& retry : retries) {
    EXPECT_EQ(retry.max_attempts, 5);
    EXPECT_THAT(retry.reason, Not(HasSubstr(kKey)));
  }
  EXPECT_THAT(log.text(), IsEmpty());
}

TEST(ProviderNoticesTest, WithoutACallbackARetryIsLogged) {
  sim::SimModelServer server([](const json&, size_t index) {
    if (index == 0) return sim::ErrorReply(503, "warming up");
    return sim::TextReply("fine");
  });
  ASSERT_TRUE(server.Start().ok());
  LogCapture log;
  ASSERT_TRUE(MakeOpenAiProvider(Options(server.base_url()))->Complete(Request()).ok());
  EXPECT_THAT(log.text(), HasSubstr("HTTP 503 from " + server.base_url() +
                                    "/chat/completions, retrying in 0.0s (attempt 2 of 5)"));
}

TEST(ProviderNoticesTest, ARateLimitWaitIsReportedBeforeAndAfter) {
  sim::SimModelServer server([](const json&, size_t) { return sim::TextReply("ok"); });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = Options(server.base_url());
  // 50 requests a minute: the first is free, the second waits 1.2 s.
  options.limiter = std::make_shared<RateLimiter>(50, 0);
  auto provider = MakeOpenAiProvider(options);
  std::vector<RateLimitWait> waits;
  ChatRequest request = Request();
  request.on_rate_limit_wait = [&](const RateLimitWait& wait) { waits.push_back(wait); };
  LogCapture log;
  ASSERT_TRUE(provider->Complete(request).ok());
  EXPECT_THAT(waits, IsEmpty()) << "the first call does not wait";
  ASSERT_TRUE(provider->Complete(request).ok());
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_FALSE(waits[0].finished);
  EXPECT_GE(waits[0].duration, milliseconds(1000));
  EXPECT_LE(waits[0].duration, milliseconds(1200));
  EXPECT_TRUE(waits[1].finished);
  EXPECT_GE(waits[1].duration, milliseconds(1000));
  EXPECT_EQ(server.request_count(), 2u);
  EXPECT_THAT(log.text(), IsEmpty());
}

TEST(ProviderNoticesTest, AReplyCutMidToolCallIsAWarning) {
  sim::SimModelServer server([](const json&, size_t) {
    sim::SimReply reply = sim::ToolCallsReply(
        {ToolCall{"c1", "write_file", R"({"path":"a.py","content":"ok"})"},
         ToolCall{"c2", "write_file", R"({"path":"b.py","content":"def f():\n    re)"}});
    reply.response.finish_reason = "length";
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = Options(server.base_url());
  options.max_length_retries = 1;
  std::vector<std::string> warnings;
  ChatRequest request = Request();
  request.on_warning = [&](std::string_view message) { warnings.emplace_back(message); };
  LogCapture log;
  ASSERT_TRUE(MakeOpenAiProvider(options)->Complete(request).ok());
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_THAT(warnings[0], HasSubstr("asking again with a limit of 200"));
  EXPECT_THAT(warnings[1], HasSubstr("the incomplete call is dropped"));
  EXPECT_THAT(log.text(), IsEmpty());
}

}  // namespace
}  // namespace l2mac::llm
