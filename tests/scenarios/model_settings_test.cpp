// Models as people configure them, through the real binary against the simulated server:
// ANTHROPIC_API_KEY alone selects Anthropic; L2MAC_BASE_URL and L2MAC_MODEL are read; an
// unset key variable is a usage error naming it; a rejected key names its variable and
// the server's reason but never the key; --max-output-tokens, --temperature and
// model.extra_body reach every request, are repeated by resume and compared by strict
// replay; OpenAI's reasoning models get max_completion_tokens and no temperature.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "tests/scenarios/scenario_harness.hpp"
#include "tests/sim/closed_port.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kSecret = "sk-model-settings-SECRET-31";

std::string LoopbackRoot(const sim::SimModelServer& server) {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

void ExpectSecretNowhere(const ScenarioHarness& harness, const ProcessOutcome& run) {
  EXPECT_EQ(run.err.find(kSecret), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find(kSecret), std::string::npos) << run.out;
  EXPECT_TRUE(FilesContaining(harness.root(), kSecret).empty())
      << testing::PrintToString(FilesContaining(harness.root(), kSecret));
}

TEST(ModelSettingsScenario, AnthropicKeyAloneSelectsTheAnthropicWireFormat) {
  ScenarioHarness harness("anthropic-key-alone");
  ScriptedModel model = ThreeModules::FirstOnly();
  sim::SimModelServer server(model.Handler());
  ASSERT_TRUE(server.Start().ok());
  ChildEnv env;
  env.set["ANTHROPIC_API_KEY"] = kSecret;
  // As Anthropic's SDK reads it: the server's root, without /v1.
  env.set["ANTHROPIC_BASE_URL"] = LoopbackRoot(server);
  ProcessOutcome run = harness.Run({}, env);
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::FirstOnlyFiles());
  EXPECT_NE(run.err.find("using Anthropic"), std::string::npos) << run.err;
  ASSERT_FALSE(server.targets().empty());
  for (const auto& target : server.targets()) EXPECT_EQ(target, "/v1/messages");
  for (const auto& headers : server.request_headers()) {
    EXPECT_EQ(headers.at("x-api-key"), kSecret);
    EXPECT_EQ(headers.at("anthropic-version"), "2023-06-01");
    EXPECT_EQ(headers.count("authorization"), 0u);
    EXPECT_EQ(headers.at("user-agent").rfind("l2mac/", 0), 0u) << headers.at("user-agent");
  }
  for (const auto& raw : server.raw_requests()) {
    EXPECT_EQ(raw["model"], "claude-3-5-sonnet-latest");
    EXPECT_TRUE(raw.contains("max_tokens"));
  }
  ExpectSecretNowhere(harness, run);
}

TEST(ModelSettingsScenario, WithBothKeysOpenAiStaysTheDefault) {
  ScenarioHarness harness("both-keys");
  ScriptedModel model = ThreeModules::FirstOnly();
  sim::SimModelServer server(model.Handler());
  ASSERT_TRUE(server.Start().ok());
  ChildEnv env;
  env.set["ANTHROPIC_API_KEY"] = "unused-anthropic-key";
  env.set["OPENAI_API_KEY"] = kSecret;
  env.set["OPENAI_BASE_URL"] = server.base_url();
  ProcessOutcome run = harness.Run({}, env);
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  for (const auto& target : server.targets()) EXPECT_EQ(target, "/v1/chat/completions");
  for (const auto& headers : server.request_headers()) {
    EXPECT_EQ(headers.at("authorization"), std::string("Bearer ") + kSecret);
  }
}

TEST(ModelSettingsScenario, L2macBaseUrlAndModelAreReadBelowFlagsAndAboveTheConfig) {
  ScriptedModel model = ThreeModules::FirstOnly();
  sim::SimModelServer server(model.Handler());
  ASSERT_TRUE(server.Start().ok());
  ChildEnv env;
  env.set["L2MAC_BASE_URL"] = server.base_url();
  env.set["L2MAC_MODEL"] = "env-model-7b";
  struct Case {
    const char* name;
    std::vector<std::string> args;
    const char* config;
    const char* expected_model;
  };
  const Case cases[] = {
      {"env-only", {}, nullptr, "env-model-7b"},
      {"env-over-config", {}, R"({"model": {"model": "config-model"}})", "env-model-7b"},
      {"flag-over-env", {"--model", "flag-model"}, nullptr, "flag-model"},
  };
  for (const Case& c : cases) {
    ScenarioHarness harness(std::string("l2mac-env-") + c.name);
    std::vector<std::string> args = c.args;
    if (c.config != nullptr) {
      const auto config = harness.root() / "config.json";
      ASSERT_TRUE(WriteText(config, c.config));
      args.insert(args.end(), {"--config", config.string()});
    }
    const size_t before = server.request_count();
    ProcessOutcome run = harness.Run(args, env);
    ASSERT_EQ(run.exit_code, 0) << c.name << ": " << run.Describe();
    EXPECT_EQ(ReadTree(harness.out()), ThreeModules::FirstOnlyFiles()) << c.name;
    const auto requests = server.requests();
    ASSERT_GT(requests.size(), before) << c.name;
    for (size_t i = before; i < requests.size(); ++i) {
      EXPECT_EQ(requests[i]["model"], c.expected_model) << c.name;
    }
  }
}

TEST(ModelSettingsScenario, AnUnsetKeyVariableIsAUsageErrorThatNamesIt) {
  ScenarioHarness harness("unset-key");
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome named = harness.Run({"--api-key-env", "L2MAC_TEST_KEY_NOT_SET"});
  EXPECT_EQ(named.exit_code, 2) << named.Describe();
  EXPECT_NE(named.err.find("--api-key-env names L2MAC_TEST_KEY_NOT_SET, which is not set"),
            std::string::npos)
      << named.err;
  EXPECT_NE(named.err.find("export L2MAC_TEST_KEY_NOT_SET="), std::string::npos) << named.err;

  const auto config = harness.root() / "config.json";
  ASSERT_TRUE(WriteText(config, R"({"model": {"api_key_env": "L2MAC_TEST_KEY_NOT_SET"}})"));
  ProcessOutcome configured = harness.Run({"--config", config.string()});
  EXPECT_EQ(configured.exit_code, 2) << configured.Describe();
  EXPECT_NE(configured.err.find("L2MAC_TEST_KEY_NOT_SET, which is not set"), std::string::npos)
      << configured.err;

  // A hosted preset needs its key; a local one does not.
  ProcessOutcome hosted = harness.Run({"--preset", "openrouter", "--model", "m"});
  EXPECT_EQ(hosted.exit_code, 2) << hosted.Describe();
  EXPECT_NE(hosted.err.find("--preset openrouter reads the API key from OPENROUTER_API_KEY, which "
                            "is not set: export OPENROUTER_API_KEY="),
            std::string::npos)
      << hosted.err;
  EXPECT_EQ(harness.server().request_count(), 0u);
  EXPECT_FALSE(std::filesystem::exists(harness.out()));

  // A local preset needs no key: a variable named for another server may be unset.
  ProcessOutcome local = harness.Run(
      {"--preset", "ollama", "--model", "llama3.1", "--api-key-env", "L2MAC_TEST_KEY_NOT_SET"});
  EXPECT_EQ(local.exit_code, 0) << local.Describe();
  EXPECT_NE(local.err.find("L2MAC_TEST_KEY_NOT_SET (named by --api-key-env) is not set; "
                           "--preset ollama needs no key"),
            std::string::npos)
      << local.err;
}

TEST(ModelSettingsScenario, ARejectedKeyNamesItsVariableAndTheServersReasonButNotTheKey) {
  ScenarioHarness harness("rejected-key");
  ScriptedModel model;
  model.intercept = [](const ModelRequest&, size_t) -> std::optional<sim::SimReply> {
    return sim::ErrorReply(401, std::string("Incorrect API key provided: ") + kSecret +
                                    "; find your key at the console");
  };
  harness.Serve(std::move(model));
  ChildEnv env;
  env.set["TEAM_LLM_KEY"] = kSecret;
  ProcessOutcome run = harness.Run({"--api-key-env", "TEAM_LLM_KEY"}, env);
  EXPECT_EQ(run.exit_code, 4) << run.Describe();
  EXPECT_NE(run.err.find("rejected the API key from TEAM_LLM_KEY (HTTP 401: Incorrect API key "
                         "provided: [redacted]; find your key at the console)"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("set TEAM_LLM_KEY to a valid key"), std::string::npos) << run.err;
  EXPECT_EQ(harness.server().request_count(), 1u) << "a rejected key is not retried";
  ExpectSecretNowhere(harness, run);
}

// `doctor` loads the configuration through the same validation as `run`: each section with
// a key no reader knows is refused by both, with the same message and exit status 3.
TEST(ModelSettingsScenario, DoctorRefusesEveryConfigurationRunRefuses) {
  ScenarioHarness harness("doctor-config");
  harness.Serve(ThreeModules::FirstOnly());
  std::vector<std::pair<std::string, std::string>> configs = {
      {R"({"model": {"modle": "gpt-4o"}})", "model.modle"},
      {R"({"model": {"extra_body": {"messages": []}}})",
       "model.extra_body.messages is set by l2mac"},
      {R"({"model": {"extra_body": 5}})", "model.extra_body"},
      {R"({"model": {"temperature": 3}})", "model.temperature must be a number from 0 to 2"},
      {R"({"model": {"max_output_tokens": 0}})", "model.max_output_tokens"},
  };
  for (std::string_view section : KnownConfigSections()) {
    configs.push_back({"{\"" + std::string(section) + "\": {\"zz_not_a_key\": 1}}",
                       std::string(section) + ".zz_not_a_key"});
  }
  const auto config = harness.root() / "config.json";
  for (const auto& [text, expected] : configs) {
    ASSERT_TRUE(WriteText(config, text));
    ProcessOutcome doctor = RunL2mac({"doctor", "--config", config.string()}, harness.Env());
    EXPECT_EQ(doctor.exit_code, 3) << text << "\n" << doctor.Describe();
    EXPECT_NE(doctor.err.find("l2mac: error: " + config.string() + ": "), std::string::npos)
        << text << "\n"
        << doctor.err;
    EXPECT_NE(doctor.err.find(expected), std::string::npos) << text << "\n" << doctor.err;
    ProcessOutcome run = harness.Run({"--config", config.string()});
    EXPECT_EQ(run.exit_code, 3) << text << "\n" << run.Describe();
    EXPECT_EQ(run.err, doctor.err) << text;
  }
  EXPECT_EQ(harness.server().request_count(), 0u);
}

// A server that calls the probe's tool and streams: everything works.
sim::SimReply Cooperative(const ModelRequest& request) {
  if (request.HasTools()) return sim::ToolCallReply("l2mac_ping", {{"word", "pong"}});
  return sim::TextReply("ok");
}

ScriptedModel ModelAnswering(std::function<sim::SimReply(const ModelRequest&)> answer) {
  ScriptedModel model;
  model.intercept = [answer = std::move(answer)](const ModelRequest& request,
                                                 size_t) -> std::optional<sim::SimReply> {
    return answer(request);
  };
  return model;
}

TEST(ModelSettingsScenario, DoctorModelReportsAWorkingServer) {
  ScenarioHarness harness("doctor-model-ok");
  harness.Serve(ModelAnswering(Cooperative));
  ProcessOutcome text =
      RunL2mac({"doctor", "--model", "--base-url", harness.base_url()}, harness.Env());
  EXPECT_EQ(text.exit_code, 0) << text.Describe();
  EXPECT_NE(text.out.find("reachable: yes"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("tool calling: yes"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("streaming: yes"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("ok: the model can be used"), std::string::npos) << text.out;
  const auto requests = harness.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(ModelRequest(requests[0]).HasTools());
  EXPECT_FALSE(requests[0].value("stream", false));
  EXPECT_TRUE(requests[1].value("stream", false));
  EXPECT_EQ(requests[0]["model"], "gpt-4o");

  ProcessOutcome json =
      RunL2mac({"doctor", "--json", "--model", "probe-model", "--base-url", harness.base_url()},
               harness.Env());
  EXPECT_EQ(json.exit_code, 0) << json.Describe();
  auto report = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << json.out;
  EXPECT_EQ(report["model"]["usable"], true) << report.dump(2);
  EXPECT_EQ(report["model"]["tools"], "yes");
  EXPECT_EQ(report["model"]["streaming"], "yes");
  EXPECT_TRUE(report["model"]["latency_ms"].is_number());
  EXPECT_EQ(harness.requests().back()["model"], "probe-model");
}

TEST(ModelSettingsScenario, DoctorModelReportsRefusedToolsAndBrokenStreaming) {
  ScenarioHarness harness("doctor-model-partial");
  harness.Serve(ModelAnswering([](const ModelRequest& request) {
    if (request.HasTools()) return sim::ErrorReply(400, "this model does not support tools");
    sim::SimReply reply = sim::TextReply("ok, here is a reply long enough to be cut");
    if (request.body().value("stream", false)) {
      return sim::WithStreamFault(reply, sim::StreamFault::kMalformedSse);
    }
    return reply;
  }));
  ProcessOutcome run =
      RunL2mac({"doctor", "--json", "--model", "--base-url", harness.base_url()}, harness.Env());
  EXPECT_EQ(run.exit_code, 0) << run.Describe();
  auto report = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << run.out;
  EXPECT_EQ(report["model"]["usable"], true) << report.dump(2);
  EXPECT_EQ(report["model"]["tools"], "refused");
  EXPECT_EQ(report["model"]["streaming"], "no");
  EXPECT_NE(report["model"]["streaming_detail"].get<std::string>().find("--no-stream"),
            std::string::npos);
  EXPECT_EQ(harness.requests().size(), 3u) << "tools, streamed, then a whole plain request";

  ScenarioHarness text_only("doctor-model-text");
  text_only.Serve(ModelAnswering([](const ModelRequest&) { return sim::TextReply("pong"); }));
  ProcessOutcome answered =
      RunL2mac({"doctor", "--model", "--base-url", text_only.base_url()}, text_only.Env());
  EXPECT_EQ(answered.exit_code, 0) << answered.Describe();
  EXPECT_NE(answered.out.find("tool calling: no"), std::string::npos) << answered.out;
}

TEST(ModelSettingsScenario, DoctorModelExits4WhenTheModelCannotBeUsed) {
  sim::ClosedPort closed;
  ASSERT_NE(closed.port(), 0);
  ScenarioHarness harness("doctor-model-closed");
  const std::string url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/v1";
  ProcessOutcome refused = RunL2mac({"doctor", "--model", "--base-url", url}, harness.Env());
  EXPECT_EQ(refused.exit_code, 4) << refused.Describe();
  EXPECT_NE(refused.out.find("UNUSABLE: cannot connect to"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("problem: the model cannot be used"), std::string::npos);
  EXPECT_LT(refused.elapsed.count(), 30000) << "no long retries";

  ProcessOutcome json = RunL2mac({"doctor", "--json", "--model", "--base-url", url}, harness.Env());
  EXPECT_EQ(json.exit_code, 4) << json.Describe();
  auto report = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << json.out;
  EXPECT_EQ(report["model"]["usable"], false);
  EXPECT_NE(report["model"]["problem"].get<std::string>().find("cannot connect"),
            std::string::npos);
  EXPECT_EQ(report["ok"], false);

  harness.Serve(ModelAnswering(
      [](const ModelRequest&) { return sim::ErrorReply(401, "invalid x-api-key"); }));
  ChildEnv env;
  env.set["PROBE_KEY"] = kSecret;
  ProcessOutcome rejected = RunL2mac(
      {"doctor", "--model", "--base-url", harness.base_url(), "--api-key-env", "PROBE_KEY"},
      harness.Env(env));
  EXPECT_EQ(rejected.exit_code, 4) << rejected.Describe();
  EXPECT_NE(rejected.out.find("rejected the API key from PROBE_KEY"), std::string::npos)
      << rejected.out;
  EXPECT_EQ(rejected.out.find(kSecret), std::string::npos);

  // Nothing configured: the same advice as `run`, exit status 2.
  ProcessOutcome nothing = RunL2mac({"doctor", "--model"}, harness.Env());
  EXPECT_EQ(nothing.exit_code, 2) << nothing.Describe();
  EXPECT_NE(nothing.out.find("no model is configured"), std::string::npos) << nothing.out;
}

// Instruction 1 fails its first run (HTTP 400 on every request for it) until `healed`.
ScriptedModel FailingUntilHealed(std::shared_ptr<std::atomic<bool>> healed) {
  ScriptedModel model = ThreeModules::FirstOnly();
  model.intercept = [healed](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (!healed->load() && request.InstructionId() == "1") return NoReply("not yet");
    return std::nullopt;
  };
  return model;
}

TEST(ModelSettingsScenario, OutputLimitAndTemperatureReachEveryRequestAndResumeRepeatsThem) {
  ScenarioHarness harness("limit-temperature");
  auto healed = std::make_shared<std::atomic<bool>>(false);
  harness.Serve(FailingUntilHealed(healed));
  ProcessOutcome first = harness.Run({"--max-output-tokens", "1500", "--temperature", "0.4"});
  ASSERT_EQ(first.exit_code, 4) << first.Describe();
  const size_t first_requests = harness.server().request_count();
  healed->store(true);
  ProcessOutcome resumed = harness.Resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::FirstOnlyFiles());
  const auto requests = harness.requests();
  ASSERT_GT(requests.size(), first_requests);
  for (const auto& request : requests) {
    EXPECT_EQ(request["max_tokens"], 1500) << request.dump();
    EXPECT_DOUBLE_EQ(request["temperature"].get<double>(), 0.4);
  }
  ProcessOutcome transcript = RunL2mac({"transcript", harness.out().string()});
  ASSERT_EQ(transcript.exit_code, 0);
  auto lines = ParseJsonLines(transcript.out);
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) {
    EXPECT_EQ(line["request"]["max_output_tokens"], 1500) << line.dump();
    EXPECT_DOUBLE_EQ(line["request"]["temperature"].get<double>(), 0.4);
  }

  // A strict replay with another output limit stops at the first request.
  const auto path = harness.root() / "t.jsonl";
  ASSERT_TRUE(WriteText(path, transcript.out));
  for (const char* limit : {"1500", "1600"}) {
    ScenarioHarness replay(std::string("limit-replay-") + limit);
    ProcessOutcome replayed = RunL2mac(
        {"run", harness.spec_path().string(), "--out", replay.out().string(), "--replay",
         path.string(), "--replay-strict", "--max-output-tokens", limit, "--temperature", "0.4"},
        replay.Env());
    if (std::string(limit) == "1500") {
      EXPECT_EQ(replayed.exit_code, 0) << replayed.Describe();
    } else {
      EXPECT_EQ(replayed.exit_code, 4) << replayed.Describe();
      EXPECT_NE(replayed.err.find("max_output_tokens: recorded 1500, now 1600"), std::string::npos)
          << replayed.err;
    }
  }
}

TEST(ModelSettingsScenario, ReasoningModelsGetTheirQuirksAndRefuseATemperature) {
  ScenarioHarness harness("o-series");
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome run = harness.Run({"--model", "o3-mini", "--max-output-tokens", "2000"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  ASSERT_FALSE(harness.requests().empty());
  for (const auto& request : harness.requests()) {
    EXPECT_EQ(request["max_completion_tokens"], 2000) << request.dump();
    EXPECT_FALSE(request.contains("max_tokens"));
    EXPECT_FALSE(request.contains("temperature"));
  }

  ScenarioHarness refused("o-series-temperature");
  refused.Serve(ThreeModules::FirstOnly());
  ProcessOutcome warm = refused.Run({"--model", "o3-mini", "--temperature", "0.5"});
  EXPECT_EQ(warm.exit_code, 2) << warm.Describe();
  EXPECT_NE(warm.err.find("model 'o3-mini' takes no temperature"), std::string::npos) << warm.err;
  EXPECT_NE(warm.err.find("remove --temperature"), std::string::npos) << warm.err;
  EXPECT_EQ(refused.server().request_count(), 0u);
}

TEST(ModelSettingsScenario, ExtraBodyFromTheConfigReachesEveryRequest) {
  ScenarioHarness harness("extra-body");
  harness.Serve(ThreeModules::FirstOnly());
  const auto config = harness.root() / "config.json";
  ASSERT_TRUE(WriteText(
      config, R"({"model": {"extra_body": {"top_p": 0.5, "seed": 11}, "stream": false}})"));
  ProcessOutcome run = harness.Run({"--config", config.string()});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  ASSERT_FALSE(harness.requests().empty());
  for (const auto& request : harness.requests()) {
    EXPECT_DOUBLE_EQ(request.value("top_p", 0.0), 0.5) << request.dump();
    EXPECT_EQ(request.value("seed", 0), 11);
  }
}

}  // namespace
}  // namespace l2mac::scenario
