#include "core/llm/http_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/sim/closed_port.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(HttpClientTest, PostsBodyAndHeadersAndCollectsLowerCasedResponseHeaders) {
  sim::SimModelServer server([](const json&, size_t) {
    sim::SimReply reply = sim::TextReply("hello");
    reply.headers = {{"X-Request-Id", "abc123"}};
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpRequest request;
  request.url = server.base_url() + "/chat/completions";
  request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer k1"}};
  request.body = R"({"model": "m", "messages": []})";
  Result<HttpResponse> response = HttpPost(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers["x-request-id"], "abc123");
  EXPECT_EQ(response->headers["content-type"], "application/json");
  EXPECT_EQ(json::parse(response->body)["choices"][0]["message"]["content"], "hello");
  ASSERT_EQ(server.request_count(), 1u);
  EXPECT_EQ(server.requests()[0], json::parse(request.body));
  EXPECT_EQ(server.authorization_headers(), std::vector<std::string>{"Bearer k1"});
}

TEST(HttpClientTest, ErrorStatusesAreSuccessfulResults) {
  sim::SimModelServer server([](const json&, size_t) { return sim::TextReply("unused"); });
  ASSERT_TRUE(server.Start().ok());
  HttpRequest request;
  request.url = server.base_url() + "/no/such/path";
  request.body = "{}";
  Result<HttpResponse> response = HttpPost(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 404);
  EXPECT_THAT(response->body, HasSubstr("/no/such/path"));
  EXPECT_EQ(server.request_count(), 0u);
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailableAndNamesTheUrl) {
  sim::ClosedPort closed;
  ASSERT_NE(closed.port(), 0);
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/v1/chat/completions";
  request.headers = {{"Authorization", "Bearer very-secret-key"}};
  request.body = "{}";
  Result<HttpResponse> response = HttpPost(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("cannot connect to " + request.url));
  EXPECT_THAT(response.status().message(), HasSubstr("check --base-url"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("very-secret-key")));
}

TEST(HttpClientTest, CredentialsInTheUrlAreNotShown) {
  sim::ClosedPort closed;
  ASSERT_NE(closed.port(), 0);
  HttpRequest request;
  request.url = "http://user:hunter2@127.0.0.1:" + std::to_string(closed.port()) + "/v1";
  Result<HttpResponse> response = HttpPost(request);
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(response.status().message(), HasSubstr("http://[redacted]@127.0.0.1:"));
}

TEST(HttpClientTest, SlowServerIsDeadlineExceeded) {
  sim::SimModelServer server([](const json&, size_t) {
    sim::SimReply reply = sim::TextReply("late");
    reply.delay = std::chrono::milliseconds(5000);
    return reply;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpRequest request;
  request.url = server.base_url() + "/chat/completions";
  request.body = "{}";
  request.total_timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response = HttpPost(request);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(response.status().message(), HasSubstr(request.url));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(HttpClientTest, MalformedUrlIsInvalidArgument) {
  HttpRequest request;
  request.url = "htp:/nowhere";
  Result<HttpResponse> response = HttpPost(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("check --base-url"));
}

}  // namespace
}  // namespace l2mac::llm
