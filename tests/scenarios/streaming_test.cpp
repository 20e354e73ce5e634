// Streaming through the real binary: the default streamed run and a --no-stream run give
// the same files and transcript; faults in the middle of a stream (reset, stall, malformed
// events, a cut-short body), 429s with Retry-After and 503s are retried and the run
// completes; a tool call cut by the token limit is asked again; the Azure preset sends
// its key as the api-key header; the "model" config section is honoured. The API key is
// found in no output and no file.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <memory>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kSecret = "sk-stream-scenario-SECRET-77";

ChildEnv WithKey(const std::string& variable = "OPENAI_API_KEY") {
  ChildEnv env;
  env.set[variable] = kSecret;
  return env;
}

void ExpectKeyNowhere(const ScenarioHarness& harness, const ProcessOutcome& run) {
  EXPECT_EQ(run.err.find(kSecret), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find(kSecret), std::string::npos) << run.out;
  EXPECT_TRUE(FilesContaining(harness.root(), kSecret).empty())
      << testing::PrintToString(FilesContaining(harness.root(), kSecret));
  for (const char* command : {"transcript", "status"}) {
    ProcessOutcome shown = RunL2mac({command, harness.out().string()});
    EXPECT_EQ(shown.exit_code, 0) << shown.Describe();
    EXPECT_EQ(shown.out.find(kSecret), std::string::npos) << command;
  }
}

// A model that answers like `base` but with `wrap` applied to each reply.
ScriptedModel Wrapped(std::function<sim::SimReply(sim::SimReply, const ModelRequest&, size_t)> wrap,
                      ScriptedModel base = ThreeModules::Model()) {
  auto shared = std::make_shared<ScriptedModel>(std::move(base));
  ScriptedModel model;
  model.intercept = [shared, wrap = std::move(wrap)](const ModelRequest& request,
                                                     size_t index) -> std::optional<sim::SimReply> {
    return wrap(shared->Answer(request.body(), index), request, index);
  };
  return model;
}

TEST(StreamingScenario, StreamedAndWholeRepliesGiveIdenticalRuns) {
  ScenarioHarness streamed("streamed");
  streamed.Serve(ThreeModules::Model());
  ProcessOutcome first = streamed.Run();
  ASSERT_EQ(first.exit_code, 0) << first.Describe();

  ScenarioHarness whole("whole");
  whole.Serve(ThreeModules::Model());
  ProcessOutcome second = whole.Run({"--no-stream"});
  ASSERT_EQ(second.exit_code, 0) << second.Describe();

  EXPECT_EQ(ReadTree(streamed.out()), ThreeModules::Files());
  EXPECT_EQ(ReadTree(whole.out()), ReadTree(streamed.out()));
  auto streamed_requests = streamed.requests();
  auto whole_requests = whole.requests();
  ASSERT_EQ(streamed_requests.size(), whole_requests.size());
  for (size_t i = 0; i < streamed_requests.size(); ++i) {
    EXPECT_EQ(streamed_requests[i].value("stream", false), true) << i;
    EXPECT_FALSE(whole_requests[i].contains("stream")) << i;
  }
  ProcessOutcome a = RunL2mac({"transcript", streamed.out().string()});
  ProcessOutcome b = RunL2mac({"transcript", whole.out().string()});
  ASSERT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.out, b.out) << "the transcripts differ";

  // --no-stream is stored with the run: resume keeps it.
  ProcessOutcome resumed = whole.Resume();
  EXPECT_EQ(resumed.exit_code, 0) << resumed.Describe();
  for (const auto& request : whole.requests()) EXPECT_FALSE(request.contains("stream"));
}

TEST(StreamingScenario, FaultsMidStreamAreRetriedAndTheRunCompletes) {
  ScenarioHarness harness("stream-faults");
  harness.Serve(Wrapped([](sim::SimReply reply, const ModelRequest&, size_t index) {
    switch (index) {
      case 0:
        return sim::WithStreamFault(std::move(reply), sim::StreamFault::kReset);
      case 2:
        return sim::ErrorReply(429, "rate limited", {{"Retry-After", "0"}});
      case 3:
        return sim::WithStreamFault(std::move(reply), sim::StreamFault::kStall,
                                    std::chrono::milliseconds(6000));
      case 5:
        return sim::WithStreamFault(std::move(reply), sim::StreamFault::kMalformedSse);
      case 7:
        return sim::ErrorReply(503, "overloaded");
      case 8:
        return sim::WithStreamFault(std::move(reply), sim::StreamFault::kCutShort);
      default:
        return reply;
    }
  }));
  ProcessOutcome run = harness.Run({"--idle-timeout", "1"}, WithKey());
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
  // Every fault cost one extra request, and only answered calls are exchanges.
  const int64_t exchanges = QueryRunInt(harness.out(), "SELECT COUNT(*) FROM exchanges");
  EXPECT_EQ(static_cast<int64_t>(harness.requests().size()), exchanges + 6);
  EXPECT_NE(run.err.find("stalled"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("HTTP 429"), std::string::npos) << run.err;
  ExpectKeyNowhere(harness, run);
}

TEST(StreamingScenario, AToolCallCutByTheTokenLimitIsAskedAgain) {
  ScenarioHarness harness("length-cut");
  auto cut_once = std::make_shared<std::atomic<bool>>(false);
  harness.Serve(Wrapped([cut_once](sim::SimReply reply, const ModelRequest& request, size_t) {
    if (request.InstructionId() == "1" && !reply.response.message.tool_calls.empty() &&
        !cut_once->exchange(true)) {
      // The first call's arguments end mid-string, as a token limit cuts them.
      auto& arguments = reply.response.message.tool_calls.back().arguments;
      arguments = arguments.substr(0, arguments.size() / 2);
      reply.response.finish_reason = "length";
    }
    return reply;
  }));
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
  EXPECT_NE(run.err.find("hit the output token limit"), std::string::npos) << run.err;
  // The repeated request asked for twice the output tokens.
  auto requests = harness.requests();
  bool doubled = false;
  for (size_t i = 1; i < requests.size(); ++i) {
    if (requests[i]["max_tokens"] == requests[i - 1]["max_tokens"].get<int>() * 2) doubled = true;
  }
  EXPECT_TRUE(doubled);
}

TEST(StreamingScenario, AzurePresetSendsTheKeyAsApiKeyWithTheApiVersion) {
  ScenarioHarness harness("azure");
  ScriptedModel model = ThreeModules::FirstOnly();
  sim::SimModelServer server(model.Handler());
  ASSERT_TRUE(server.Start().ok());
  const std::string deployment =
      "http://127.0.0.1:" + std::to_string(server.port()) + "/openai/deployments/gpt4o";
  ProcessOutcome run =
      harness.Run({"--preset", "azure", "--base-url", deployment}, WithKey("AZURE_OPENAI_API_KEY"));
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::FirstOnlyFiles());
  for (const auto& target : server.targets()) {
    EXPECT_EQ(target, "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21");
  }
  for (const auto& headers : server.request_headers()) {
    EXPECT_EQ(headers.at("api-key"), kSecret);
    EXPECT_EQ(headers.count("authorization"), 0u);
  }
  ExpectKeyNowhere(harness, run);
}

TEST(StreamingScenario, AnthropicEndToEndStreamedAndWhole) {
  for (bool stream : {true, false}) {
    ScenarioHarness harness(stream ? "anthropic-stream" : "anthropic-whole");
    ScriptedModel model = ThreeModules::Model();
    sim::SimModelServer server(model.Handler());
    ASSERT_TRUE(server.Start().ok());
    std::vector<std::string> args = {"--preset",        "anthropic", "--base-url",
                                     server.base_url(), "--model",   "claude-3-5-sonnet-latest"};
    if (!stream) args.push_back("--no-stream");
    ProcessOutcome run = harness.Run(args, WithKey("ANTHROPIC_API_KEY"));
    ASSERT_EQ(run.exit_code, 0) << run.Describe();
    EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
    for (const auto& target : server.targets()) EXPECT_EQ(target, "/v1/messages");
    for (const auto& headers : server.request_headers()) {
      EXPECT_EQ(headers.at("x-api-key"), kSecret);
      EXPECT_EQ(headers.count("authorization"), 0u);
    }
    for (const auto& raw : server.raw_requests()) {
      EXPECT_EQ(raw.value("stream", false), stream);
      EXPECT_EQ(raw["system"][0]["cache_control"]["type"], "ephemeral") << raw.dump();
    }
    ExpectKeyNowhere(harness, run);
  }
}

// A model without tool calling: the server refuses `tools`, and answers in fenced blocks.
TEST(StreamingScenario, TheTextProtocolTakesOverWhenTheServerRefusesTools) {
  ScenarioHarness harness("text-protocol");
  harness.Serve(Wrapped([](sim::SimReply reply, const ModelRequest& request, size_t) {
    if (request.HasTools()) return sim::ErrorReply(400, "this model does not support tools");
    std::string text = reply.response.message.content;
    for (const auto& call : reply.response.message.tool_calls) {
      text += "\n```tool " + call.name + "\n" + call.arguments + "\n```\n";
    }
    return sim::TextReply(text);
  }));
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
  EXPECT_NE(run.err.find("switching to the text tool protocol"), std::string::npos) << run.err;
  int refused = 0;
  for (const auto& request : harness.requests()) refused += ModelRequest(request).HasTools();
  EXPECT_EQ(refused, 1) << "only the first request offered tools";
  // The transcript still shows tool calls, so a replay needs no text protocol.
  ProcessOutcome transcript = RunL2mac({"transcript", harness.out().string()});
  EXPECT_NE(transcript.out.find("\"tool_calls\""), std::string::npos);
}

TEST(StreamingScenario, APresetWithoutItsRequiredModelIsAUsageError) {
  ScenarioHarness harness("preset-no-model");
  ProcessOutcome run = harness.Run({"--preset", "ollama"});
  EXPECT_EQ(run.exit_code, 3) << run.Describe();
  EXPECT_NE(run.err.find("--preset ollama needs --model"), std::string::npos) << run.err;
  ProcessOutcome unknown = harness.Run({"--preset", "nosuch", "--model", "m"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.Describe();
  EXPECT_NE(unknown.err.find("--preset: unknown value 'nosuch' (choose one of openai, ollama"),
            std::string::npos)
      << unknown.err;
}

TEST(StreamingScenario, TheModelConfigSectionIsHonouredAndFlagsWin) {
  ScenarioHarness harness("model-config");
  harness.Serve(ThreeModules::FirstOnly());
  const auto config = harness.root() / "config.json";
  {
    std::ofstream out(config);
    out << R"({"model": {"stream": false, "model": "configured-model", "max_retries": 2}})";
  }
  ProcessOutcome run = harness.Run({"--config", config.string(), "--model", "flag-model"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  for (const auto& request : harness.requests()) {
    EXPECT_FALSE(request.contains("stream"));
    EXPECT_EQ(request["model"], "flag-model");
  }
  {
    std::ofstream out(config);
    out << R"({"model": {"strem": false}})";
  }
  ScenarioHarness typo("model-config-typo");
  typo.Serve(ThreeModules::FirstOnly());
  ProcessOutcome bad = typo.Run({"--config", config.string()});
  EXPECT_EQ(bad.exit_code, 3) << bad.Describe();
  EXPECT_NE(bad.err.find("strem"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace l2mac::scenario
