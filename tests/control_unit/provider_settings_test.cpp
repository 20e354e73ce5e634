// The library's provider construction (control_unit/provider_settings.hpp), shared by the
// CLI and the public façade: presets, precedence with stored settings, the key kept out of
// what is stored, and the judge's provider.
#include "control_unit/provider_settings.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

namespace l2mac::control_unit {
namespace {

TEST(ProviderSettingsTest, AzurePresetSendsTheKeyAsItsHeaderWithTheApiVersion) {
  ::setenv("L2MAC_PS_TEST_AZURE_KEY", "azure-secret-value", 1);
  ProviderSettings settings;
  settings.preset = "azure";
  settings.base_url = "https://res.openai.azure.com/openai/deployments/d1";
  settings.api_key_env = "L2MAC_PS_TEST_AZURE_KEY";
  auto choice = ChooseServer(settings);
  ASSERT_TRUE(choice.ok()) << choice.status().ToString();
  EXPECT_FALSE(choice->anthropic);
  EXPECT_EQ(choice->options.api_key_header, "api-key");
  EXPECT_EQ(choice->options.query, "api-version=2024-10-21");
  EXPECT_FALSE(choice->options.send_model);
  EXPECT_EQ(choice->options.api_key, "azure-secret-value");
  // What is stored names the variable, never its value.
  const std::string stored = settings.ToSettings().dump();
  EXPECT_NE(stored.find("L2MAC_PS_TEST_AZURE_KEY"), std::string::npos);
  EXPECT_EQ(stored.find("azure-secret-value"), std::string::npos);
}

TEST(ProviderSettingsTest, PresetsThatNeedMoreSayWhatAndAnUnknownOneSuggestsTheNearest) {
  ProviderSettings azure;
  azure.preset = "azure";
  auto no_url = ChooseServer(azure);
  ASSERT_FALSE(no_url.ok());
  EXPECT_NE(no_url.status().message().find("--preset azure needs --base-url"), std::string::npos);

  ProviderSettings typo;
  typo.preset = "antropic";
  auto unknown = MakeProvider(typo);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("did you mean anthropic?"), std::string::npos)
      << unknown.status().ToString();
  EXPECT_NE(PresetNames().find("ollama"), std::string::npos);
}

TEST(ProviderSettingsTest, SettingsGivenNowWinOverStoredOnesAndAGivenServerReplacesTheStored) {
  nlohmann::json stored = {{"preset", "ollama"}, {"base_url", ""}, {"model", "llama3.1"},
                           {"api_key_env", ""},  {"replay", ""},   {"max_retries", 2},
                           {"stream", false}};
  ProviderSettings resumed;
  resumed.model = "qwen2.5";
  resumed.MergeStored(stored);
  EXPECT_EQ(resumed.preset, "ollama");
  EXPECT_EQ(resumed.model, "qwen2.5");
  EXPECT_EQ(resumed.max_retries, 2);
  EXPECT_TRUE(resumed.no_stream);

  ProviderSettings moved;
  moved.base_url = "http://127.0.0.1:9/v1";
  moved.MergeStored(stored);
  EXPECT_EQ(moved.preset, "");  // the server given now replaces the stored one as a whole
  EXPECT_EQ(moved.model, "llama3.1");
}

TEST(ProviderSettingsTest, CredentialsInTheBaseUrlAreRefused) {
  EXPECT_EQ(CheckBaseUrl("http://user:secret@host:8080/v1").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckBaseUrl("http://host:8080/v1?x=a@b").ok());
}

TEST(ProviderSettingsTest, AReplayHasNoJudgeProviderOfItsOwn) {
  ProviderSettings replay;
  replay.replay = "/nonexistent/transcript.jsonl";
  auto judge = MakeJudgeModelProvider(replay, "judge-model");
  ASSERT_TRUE(judge.ok()) << judge.status().ToString();
  EXPECT_EQ(*judge, nullptr);
  auto missing = MakeProvider(replay);
  EXPECT_FALSE(missing.ok());  // the transcript does not exist

  ProviderSettings server;
  server.base_url = "http://127.0.0.1:9/v1";
  server.model = "worker-model";
  auto own = MakeJudgeModelProvider(server, "judge-model");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  ASSERT_NE(*own, nullptr);
  EXPECT_NE((*own)->Describe().find("judge-model"), std::string::npos) << (*own)->Describe();
}

}  // namespace
}  // namespace l2mac::control_unit
