#include "core/llm/openai_provider.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "core/llm/openai_wire.hpp"
#include "tests/core/cancel_after.hpp"
#include "tests/sim/closed_port.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey = "sk-test-0123456789abcdef";

OpenAiOptions FastOptions(const std::string& base_url) {
  OpenAiOptions options;
  options.base_url = base_url;
  options.model = "sim-model-7b";
  options.api_key = kKey;
  options.max_retries = 3;
  options.initial_backoff = milliseconds(1);
  options.max_backoff = milliseconds(5);
  options.connect_timeout = milliseconds(2000);
  options.request_timeout = milliseconds(5000);
  options.stream = false;  // streaming is covered by openai_streaming_test.cpp
  return options;
}

ChatRequest SimpleRequest() {
  ChatRequest request;
  request.messages = {ChatMessage::System("you write code"), ChatMessage::User("write a.py")};
  request.tools = {ToolSchema{"write_file", "Write a file", json{{"type", "object"}}}};
  request.max_output_tokens = 100;
  return request;
}

// Routes spdlog's default logger into a string for the lifetime of the object.
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

TEST(OpenAiProviderTest, CompletesWithToolCallsAndSendsTheRequest) {
  sim::SimModelServer server([](const json&, size_t) {
    return sim::ToolCallReply("write_file", json{{"path", "a.py"}}, "call_a");
  });
  ASSERT_TRUE(server.Start().ok());
  std::unique_ptr<Provider> provider = MakeOpenAiProvider(FastOptions(server.base_url()));
  Result<ChatResponse> response = provider->Complete(SimpleRequest());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->finish_reason, "tool_calls");
  ASSERT_EQ(response->message.tool_calls.size(), 1u);
  EXPECT_EQ(response->message.tool_calls[0],
            (ToolCall{"call_a", "write_file", R"({"path":"a.py"})"}));
  EXPECT_EQ(response->usage, (Usage{10, 10}));

  ASSERT_EQ(server.request_count(), 1u);
  EXPECT_EQ(server.requests()[0], RequestToOpenAiJson(SimpleRequest(), "sim-model-7b"));
}

TEST(OpenAiProviderTest, SendsTheKeyAsBearerTokenAndOmitsAnEmptyKey) {
  sim::SimModelServer server([](const json&, size_t) { return sim::TextReply("ok"); });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  ASSERT_TRUE(MakeOpenAiProvider(options)->Complete(SimpleRequest()).ok());
  options.api_key.clear();
  ASSERT_TRUE(MakeOpenAiProvider(options)->Complete(SimpleRequest()).ok());
  EXPECT_EQ(server.authorization_headers(),
            (std::vector<std::string>{std::string("Bearer ") + kKey, ""}));
}

TEST(OpenAiProviderTest, TrailingSlashInBaseUrlIsIgnored) {
  sim::SimModelServer server([](const json&, size_t) { return sim::TextReply("ok"); });
  ASSERT_TRUE(server.Start().ok());
  Result<ChatResponse> response =
      MakeOpenAiProvider(FastOptions(server.base_url() + "/"))->Complete(SimpleRequest());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "ok");
}

TEST(OpenAiProviderTest, DescribeNamesModelAndUrlButNeverTheKey) {
  OpenAiOptions options = FastOptions("http://127.0.0.1:1234/v1");
  std::string description = MakeOpenAiProvider(options)->Describe();
  EXPECT_EQ(description, "openai-compatible model 'sim-model-7b' at http://127.0.0.1:1234/v1");
  options.base_url = std::string("http://u:") + kKey + "@127.0.0.1:1234/v1";
  EXPECT_THAT(MakeOpenAiProvider(options)->Describe(), Not(HasSubstr(kKey)));
}

TEST(OpenAiProviderTest, RetriesTooManyRequestsHonouringRetryAfter) {
  sim::SimModelServer server([](const json&, size_t index) {
    if (index < 2) return sim::ErrorReply(429, "slow down", {{"Retry-After", "0"}});
    return sim::TextReply("finally");
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.initial_backoff = milliseconds(60000);  // only Retry-After keeps this fast
  options.max_backoff = milliseconds(60000);
  LogCapture log;
  auto start = std::chrono::steady_clock::now();
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "finally");
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_THAT(log.text(), HasSubstr("HTTP 429 from " + server.base_url() +
                                    "/chat/completions, retrying in 0.0s (attempt 2 of 4)"));
  EXPECT_THAT(log.text(), HasSubstr("(attempt 3 of 4)"));
  EXPECT_THAT(log.text(), Not(HasSubstr(kKey)));
}

TEST(OpenAiProviderTest, DecimalRetryAfterIsWaitedFor) {
  sim::SimModelServer server([](const json&, size_t index) {
    if (index == 0) return sim::ErrorReply(503, "warming up", {{"Retry-After", "0.3"}});
    return sim::TextReply("ready");
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.initial_backoff = milliseconds(0);
  options.max_backoff = milliseconds(10000);
  auto start = std::chrono::steady_clock::now();
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(OpenAiProviderTest, RetryAfterIsCappedByMaxBackoff) {
  sim::SimModelServer server([](const json&, size_t index) {
    if (index == 0) return sim::ErrorReply(429, "come back in an hour", {{"Retry-After", "3600"}});
    return sim::TextReply("ok");
  });
  ASSERT_TRUE(server.Start().ok());
  auto start = std::chrono::steady_clock::now();
  Result<ChatResponse> response =
      MakeOpenAiProvider(FastOptions(server.base_url()))->Complete(SimpleRequest());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(OpenAiProviderTest, RetriesServerErrorThenSucceeds) {
  for (int status : {500, 502, 503, 504, 529}) {
    sim::SimModelServer server([status](const json&, size_t index) {
      if (index == 0) return sim::ErrorReply(status, "transient");
      return sim::TextReply("recovered");
    });
    ASSERT_TRUE(server.Start().ok());
    Result<ChatResponse> response =
        MakeOpenAiProvider(FastOptions(server.base_url()))->Complete(SimpleRequest());
    ASSERT_TRUE(response.ok()) << status << ": " << response.status().ToString();
    EXPECT_EQ(response->message.content, "recovered");
    EXPECT_EQ(server.request_count(), 2u) << status;
  }
}

TEST(OpenAiProviderTest, RejectedKeyIsUnauthenticatedAfterOneRequest) {
  for (int status : {401, 403}) {
    sim::SimModelServer server([](const json&, size_t) {
      return sim::ErrorReply(401, std::string("Incorrect API key provided: ") + kKey);
    });
    ASSERT_TRUE(server.Start().ok());
    Result<ChatResponse> response =
        MakeOpenAiProvider(FastOptions(server.base_url()))->Complete(SimpleRequest());
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), StatusCode::kUnauthenticated) << status;
    EXPECT_EQ(server.request_count(), 1u);
    EXPECT_THAT(response.status().message(), HasSubstr("rejected the API key"));
    EXPECT_THAT(response.status().message(), HasSubstr("OPENAI_API_KEY"));
    EXPECT_THAT(response.status().message(), HasSubstr(server.base_url()));
    EXPECT_THAT(response.status().message(), Not(HasSubstr(kKey)));
    EXPECT_THAT(response.status().ToString(), Not(HasSubstr(kKey)));
  }
}

TEST(OpenAiProviderTest, ShortKeyDoesNotGarbleTheAdvice) {
  sim::SimModelServer server([](const json&, size_t) { return sim::ErrorReply(400, "bad KEY"); });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.api_key = "KEY";
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("bad [redacted]"));
  EXPECT_THAT(response.status().message(), HasSubstr("check --model"));

  server.Stop();
  sim::SimModelServer rejecting([](const json&, size_t) { return sim::ErrorReply(401, "no"); });
  ASSERT_TRUE(rejecting.Start().ok());
  options.base_url = rejecting.base_url();
  Result<ChatResponse> rejected = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  ASSERT_FALSE(rejected.ok());
  EXPECT_THAT(rejected.status().message(), HasSubstr("set OPENAI_API_KEY"));
}

TEST(OpenAiProviderTest, MissingKeyIsReportedAsMissing) {
  sim::SimModelServer server([](const json&, size_t) { return sim::ErrorReply(401, "no key"); });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.api_key.clear();
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(response.status().message(), HasSubstr("requires an API key"));
}

TEST(OpenAiProviderTest, NotFoundNamesBaseUrlAndModel) {
  sim::SimModelServer server([](const json&, size_t) { return sim::TextReply("unused"); });
  ASSERT_TRUE(server.Start().ok());
  // The server only serves /v1/chat/completions, so a base URL without /v1 is a 404.
  std::string base_url = "http://127.0.0.1:" + std::to_string(server.port());
  Result<ChatResponse> response =
      MakeOpenAiProvider(FastOptions(base_url))->Complete(SimpleRequest());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(response.status().message(), HasSubstr("(HTTP 404): check --base-url"));
  EXPECT_THAT(response.status().message(), HasSubstr("--model 'sim-model-7b'"));
}

TEST(OpenAiProviderTest, BadRequestIsNotRetriedAndQuotesTheServer) {
  for (int status : {400, 422}) {
    sim::SimModelServer server([status](const json&, size_t) {
      return sim::ErrorReply(status,
                             std::string("maximum context length exceeded for key ") + kKey);
    });
    ASSERT_TRUE(server.Start().ok());
    Result<ChatResponse> response =
        MakeOpenAiProvider(FastOptions(server.base_url()))->Complete(SimpleRequest());
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(server.request_count(), 1u);
    EXPECT_THAT(response.status().message(), HasSubstr("maximum context length exceeded"));
    EXPECT_THAT(response.status().message(), HasSubstr("[redacted]"));
    EXPECT_THAT(response.status().message(), Not(HasSubstr(kKey)));
  }
}

TEST(OpenAiProviderTest, LongServerMessagesAreBounded) {
  sim::SimModelServer server(
      [](const json&, size_t) { return sim::ErrorReply(400, std::string(5000, 'e')); });
  ASSERT_TRUE(server.Start().ok());
  Result<ChatResponse> response =
      MakeOpenAiProvider(FastOptions(server.base_url()))->Complete(SimpleRequest());
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr(std::string(500, 'e') + "..."));
  EXPECT_THAT(response.status().message(), Not(HasSubstr(std::string(501, 'e'))));
}

TEST(OpenAiProviderTest, ConnectionRefusedIsUnavailableQuickly) {
  sim::ClosedPort closed;
  ASSERT_NE(closed.port(), 0);
  std::string base_url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/v1";
  OpenAiOptions options = FastOptions(base_url);
  options.max_retries = 2;
  auto start = std::chrono::steady_clock::now();
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(),
              HasSubstr("cannot connect to " + base_url +
                        "/chat/completions: Connection refused; is the server running? check "
                        "--base-url"));
  EXPECT_THAT(response.status().message(), HasSubstr("gave up after 3 attempts"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(OpenAiProviderTest, MalformedWholeBodyIsRetriedLikeABrokenStream) {
  // A 2xx answer that is not a chat completion: not JSON, then JSON of the wrong shape.
  sim::SimModelServer server([](const json&, size_t index) {
    sim::SimReply reply;
    if (index == 0) {
      reply.raw_body = "<html><body>502 from a proxy, sent as 200</body></html>";
    } else if (index == 1) {
      reply.raw_body = R"({"choices": [{"message": {"content": 42}}]})";
    } else {
      reply = sim::TextReply("third time lucky");
    }
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  LogCapture log;
  Result<ChatResponse> response =
      MakeOpenAiProvider(FastOptions(server.base_url()))->Complete(SimpleRequest());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->message.content, "third time lucky");
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_THAT(log.text(), HasSubstr("not a chat completion"));
}

TEST(OpenAiProviderTest, PersistentlyMalformedBodyGivesUpNamingTheField) {
  sim::SimModelServer server([](const json&, size_t) {
    sim::SimReply reply;
    reply.raw_body = R"({"choices": [{"message": {"content": 42}}]})";
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.max_retries = 2;
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  ASSERT_FALSE(response.ok());
  // Transient like a broken stream (exit 4 after retries), not malformed user input.
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("choices[0].message.content"));
  EXPECT_THAT(response.status().message(), HasSubstr(server.base_url()));
  EXPECT_THAT(response.status().message(), HasSubstr("gave up after 3 attempts"));
  EXPECT_EQ(server.request_count(), 3u);
}

TEST(OpenAiProviderTest, CancellingAbortsTheCallInFlight) {
  sim::SimModelServer server([](const json&, size_t) {
    sim::SimReply reply = sim::TextReply("too late");
    reply.delay = milliseconds(8000);
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.request_timeout = milliseconds(20000);
  CancelToken cancel;
  ChatRequest request = SimpleRequest();
  request.cancel = &cancel;
  CancelAfter canceller(cancel, milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(server.request_count(), 1u);  // not retried
  // libcurl's progress callback runs at least once a second.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST(OpenAiProviderTest, CancellingEndsARetryWait) {
  sim::SimModelServer server([](const json&, size_t) {
    return sim::ErrorReply(503, "overloaded", {{"Retry-After", "30"}});
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.max_backoff = milliseconds(60000);
  options.max_total_retry_wait = milliseconds(120000);
  CancelToken cancel;
  ChatRequest request = SimpleRequest();
  request.cancel = &cancel;
  CancelAfter canceller(cancel, milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(OpenAiProviderTest, InvalidToolArgumentsArePassedThroughVerbatim) {
  sim::SimModelServer server([](const json&, size_t) {
    return sim::RawToolCallReply("write_file", R"({"path": "a.py", "content": )");
  });
  ASSERT_TRUE(server.Start().ok());
  Result<ChatResponse> response =
      MakeOpenAiProvider(FastOptions(server.base_url()))->Complete(SimpleRequest());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->message.tool_calls.size(), 1u);
  EXPECT_EQ(response->message.tool_calls[0].arguments, R"({"path": "a.py", "content": )");
  EXPECT_THAT(response->message.tool_calls[0].id, HasSubstr("call_"));
}

TEST(OpenAiProviderTest, ExhaustedRetriesAreUnavailableWithTheLastStatus) {
  sim::SimModelServer server([](const json&, size_t) {
    return sim::ErrorReply(503, "overloaded", {{"Retry-After", "0"}});
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.max_retries = 2;
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_THAT(response.status().message(), HasSubstr("after 3 attempts"));
  EXPECT_THAT(response.status().message(), HasSubstr("HTTP 503: overloaded"));
}

TEST(OpenAiProviderTest, ZeroRetriesMeansOneAttempt) {
  sim::SimModelServer server([](const json&, size_t) { return sim::ErrorReply(429, "busy"); });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.max_retries = 0;
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_THAT(response.status().message(), HasSubstr("after 1 attempt "));
}

TEST(OpenAiProviderTest, SlowServerIsDeadlineExceeded) {
  sim::SimModelServer server([](const json&, size_t) {
    sim::SimReply reply = sim::TextReply("too late");
    reply.delay = milliseconds(5000);
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options = FastOptions(server.base_url());
  options.max_retries = 1;
  options.request_timeout = milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(SimpleRequest());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(server.request_count(), 2u);  // a timeout is transient: retried once
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

}  // namespace
}  // namespace l2mac::llm
