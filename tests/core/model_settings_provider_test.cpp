// The model settings people configure, as they reach the server: the User-Agent header,
// the output limit and temperature (with the model-family quirks of model_quirks.hpp),
// model.extra_body merged into the body with l2mac's own keys refused, and a rejected key
// naming its variable and quoting the server. Real providers over loopback HTTP to the
// simulated server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/llm/extra_body.hpp"
#include "core/llm/model_quirks.hpp"
#include "core/llm/openai_provider.hpp"
#include "core/llm/openai_wire.hpp"
#include "core/version.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey = "sk-settings-test-4242";

OpenAiOptions Options(const sim::SimModelServer& server, const std::string& model) {
  OpenAiOptions options;
  options.base_url = server.base_url();
  options.model = model;
  options.api_key = kKey;
  options.max_retries = 0;
  options.connect_timeout = milliseconds(2000);
  options.request_timeout = milliseconds(5000);
  options.stream = false;
  return options;
}

ChatRequest Request(int max_output_tokens = 777, double temperature = 0.6) {
  ChatRequest request;
  request.messages = {ChatMessage::System("be brief"), ChatMessage::User("hello")};
  request.tools = {ToolSchema{"write_file", "Write a file", json{{"type", "object"}}}};
  request.max_output_tokens = max_output_tokens;
  request.temperature = temperature;
  return request;
}

sim::SimHandler Answer() {
  return [](const json&, size_t) { return sim::TextReply("hi"); };
}

TEST(ModelSettingsProviderTest, EveryRequestSaysItIsL2macInTheUserAgent) {
  for (bool anthropic : {false, true}) {
    for (bool stream : {false, true}) {
      sim::SimModelServer server(Answer());
      ASSERT_TRUE(server.Start().ok());
      OpenAiOptions options = Options(server, "m");
      options.stream = stream;
      auto provider =
          anthropic ? MakeAnthropicProvider(options) : MakeOpenAiProvider(std::move(options));
      ASSERT_TRUE(provider->Complete(Request()).ok());
      ASSERT_EQ(server.request_headers().size(), 1u);
      EXPECT_EQ(server.request_headers()[0].at("user-agent"),
                std::string("l2mac/") + L2macVersion())
          << "anthropic " << anthropic << " stream " << stream;
    }
  }
}

TEST(ModelSettingsProviderTest, OutputLimitAndTemperatureArePassedThrough) {
  sim::SimModelServer server(Answer());
  ASSERT_TRUE(server.Start().ok());
  ASSERT_TRUE(MakeOpenAiProvider(Options(server, "gpt-4o"))->Complete(Request(777, 0.6)).ok());
  ASSERT_TRUE(MakeOpenAiProvider(Options(server, "llama3.1"))->Complete(Request(55, 1.5)).ok());
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[0]["max_tokens"], 777);
  EXPECT_DOUBLE_EQ(server.requests()[0]["temperature"].get<double>(), 0.6);
  EXPECT_FALSE(server.requests()[0].contains("max_completion_tokens"));
  EXPECT_EQ(server.requests()[1]["max_tokens"], 55);
  EXPECT_DOUBLE_EQ(server.requests()[1]["temperature"].get<double>(), 1.5);
}

TEST(ModelSettingsProviderTest, ReasoningModelsGetMaxCompletionTokensAndNoTemperature) {
  for (const char* model : {"o1", "o1-mini", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini",
                            "gpt-5.1", "openai/o3-mini"}) {
    sim::SimModelServer server(Answer());
    ASSERT_TRUE(server.Start().ok());
    ASSERT_TRUE(MakeOpenAiProvider(Options(server, model))->Complete(Request(900, 0.6)).ok());
    ASSERT_EQ(server.requests().size(), 1u);
    const json body = server.requests()[0];
    EXPECT_EQ(body["max_completion_tokens"], 900) << model;
    EXPECT_FALSE(body.contains("max_tokens")) << model << ": " << body.dump();
    EXPECT_FALSE(body.contains("temperature")) << model << ": " << body.dump();
  }
}

TEST(ModelSettingsProviderTest, QuirksMatchWholeNamePartsOnly) {
  for (const char* plain : {"gpt-4o", "o30", "gpt-50", "llama3.1", "claude-3-5-sonnet-latest",
                            "gpt-4o-mini", "oss/o1x"}) {
    EXPECT_EQ(FindModelQuirks(plain), nullptr) << plain;
    json body = RequestToOpenAiJson(Request(10, 0.2), plain);
    EXPECT_EQ(body["max_tokens"], 10) << plain;
    EXPECT_TRUE(body.contains("temperature")) << plain;
  }
  ASSERT_NE(FindModelQuirks("o3-mini"), nullptr);
  EXPECT_EQ(FindModelQuirks("o3-mini")->prefix, "o3");
}

// Anthropic's Messages API requires max_tokens on every request, whatever the model.
TEST(ModelSettingsProviderTest, AnthropicAlwaysGetsMaxTokensAndTheTemperature) {
  for (const char* model : {"claude-3-5-sonnet-latest", "o3-mini"}) {
    sim::SimModelServer server(Answer());
    ASSERT_TRUE(server.Start().ok());
    ASSERT_TRUE(MakeAnthropicProvider(Options(server, model))->Complete(Request(321, 0.7)).ok());
    ASSERT_EQ(server.raw_requests().size(), 1u);
    const json body = server.raw_requests()[0];
    EXPECT_EQ(body["max_tokens"], 321) << model;
    EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.7) << model;
  }
}

TEST(ModelSettingsProviderTest, ExtraBodyIsMergedIntoEveryRequest) {
  const json extra = {{"top_p", 0.5}, {"seed", 7}, {"chat_template_kwargs", {{"think", false}}}};
  for (bool anthropic : {false, true}) {
    for (bool stream : {false, true}) {
      sim::SimModelServer server(Answer());
      ASSERT_TRUE(server.Start().ok());
      OpenAiOptions options = Options(server, "m");
      options.stream = stream;
      options.extra_body = extra;
      auto provider =
          anthropic ? MakeAnthropicProvider(options) : MakeOpenAiProvider(std::move(options));
      ASSERT_TRUE(provider->Complete(Request()).ok());
      ASSERT_TRUE(provider->Complete(Request()).ok());
      ASSERT_EQ(server.raw_requests().size(), 2u);
      for (const json& body : server.raw_requests()) {
        for (const auto& [key, value] : extra.items()) {
          EXPECT_EQ(body.value(key, json()), value) << key << " in " << body.dump();
        }
        EXPECT_EQ(body.value("stream", false), stream) << "l2mac's own fields stay";
        EXPECT_TRUE(body.contains("messages"));
      }
    }
  }
}

TEST(ModelSettingsProviderTest, ExtraBodyWithKeysL2macOwnsIsRefusedBeforeAnyRequest) {
  const std::vector<std::string> owned = {
      "model",       "messages",       "system",     "tools",
      "stream",      "stream_options", "max_tokens", "max_completion_tokens",
      "temperature", "tool_choice"};
  for (const std::string& key : owned) {
    sim::SimModelServer server(Answer());
    ASSERT_TRUE(server.Start().ok());
    OpenAiOptions options = Options(server, "m");
    options.extra_body = {{"top_p", 0.5}, {key, 1}};
    Result<ChatResponse> response = MakeOpenAiProvider(options)->Complete(Request());
    ASSERT_FALSE(response.ok()) << key;
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(response.status().message(), HasSubstr("extra_body." + key + " is set by l2mac"));
    EXPECT_EQ(server.request_count(), 0u) << key;
    ASSERT_NE(FirstOwnedKey(options.extra_body), nullptr);
    EXPECT_EQ(FirstOwnedKey(options.extra_body)->key, key);
  }
  EXPECT_TRUE(ValidateExtraBody(json()).ok());
  EXPECT_TRUE(ValidateExtraBody(json{{"top_p", 1}}).ok());
  EXPECT_THAT(ValidateExtraBody(json::array()).message(), HasSubstr("must be a JSON object"));
}

TEST(ModelSettingsProviderTest, ARejectedKeyNamesItsVariableAndQuotesTheServerRedacted) {
  for (bool anthropic : {false, true}) {
    sim::SimModelServer server([](const json&, size_t) {
      return sim::ErrorReply(
          401, std::string("Incorrect API key provided: ") + kKey + " (see your account page)");
    });
    ASSERT_TRUE(server.Start().ok());
    OpenAiOptions options = Options(server, "m");
    options.api_key_env = "MY_TEAM_LLM_KEY";
    auto provider =
        anthropic ? MakeAnthropicProvider(options) : MakeOpenAiProvider(std::move(options));
    Result<ChatResponse> response = provider->Complete(Request());
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), StatusCode::kUnauthenticated);
    const std::string message = response.status().message();
    EXPECT_THAT(message, HasSubstr("rejected the API key from MY_TEAM_LLM_KEY"));
    EXPECT_THAT(message, HasSubstr("set MY_TEAM_LLM_KEY to a valid key"));
    EXPECT_THAT(message, HasSubstr("Incorrect API key provided: [redacted] (see your account"));
    EXPECT_THAT(message, Not(HasSubstr(kKey)));
    EXPECT_THAT(response.status().ToString(), Not(HasSubstr(kKey)));
  }
}

}  // namespace
}  // namespace l2mac::llm
