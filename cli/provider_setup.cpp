#include "cli/provider_setup.hpp"

#include <cstdlib>
#include <filesystem>

#include "core/llm/openai_provider.hpp"
#include "core/llm/replay_provider.hpp"

namespace l2mac::cli {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

nlohmann::json ProviderFlags::ToSettings() const {
  return {{"base_url", base_url},
          {"model", model},
          {"api_key_env", api_key_env},
          {"replay", replay},
          {"max_retries", max_retries}};
}

void ProviderFlags::MergeStored(const nlohmann::json& settings) {
  if (!settings.is_object()) return;
  auto fill = [&](std::string& field, const char* key) {
    if (field.empty() && settings.contains(key) && settings[key].is_string()) {
      field = settings[key].get<std::string>();
    }
  };
  bool has_own_source = !replay.empty() || !base_url.empty();
  if (!has_own_source) {
    fill(base_url, "base_url");
    fill(replay, "replay");
  }
  fill(model, "model");
  if (api_key_env == "OPENAI_API_KEY" && settings.contains("api_key_env") &&
      settings["api_key_env"].is_string() && !settings["api_key_env"].get<std::string>().empty()) {
    api_key_env = settings["api_key_env"].get<std::string>();
  }
}

void ProviderFlags::MakePathsAbsolute() {
  if (replay.empty()) return;
  std::error_code ec;
  auto absolute = std::filesystem::absolute(replay, ec);
  if (!ec) replay = absolute.string();
}

Status CheckBaseUrl(const std::string& base_url) {
  size_t scheme = base_url.find("://");
  size_t authority_start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t authority_end = base_url.find_first_of("/?#", authority_start);
  std::string authority = base_url.substr(authority_start, authority_end - authority_start);
  if (authority.find('@') != std::string::npos) {
    return Status::InvalidArgument(
        "--base-url contains credentials (user:password@): l2mac stores the URL with the run, "
        "so put the key in an environment variable and name it with --api-key-env");
  }
  return Status::Ok();
}

bool ProviderFlags::Configured() const {
  return !replay.empty() || !base_url.empty() || !EnvOr("OPENAI_BASE_URL", "").empty() ||
         !EnvOr(api_key_env.c_str(), "").empty();
}

std::string HowToConfigureProvider() {
  return "no model is configured. Choose one:\n"
         "  OpenAI:              export OPENAI_API_KEY=sk-...   (optionally --model gpt-4o)\n"
         "  OpenAI-compatible:   --base-url http://localhost:11434/v1 --model llama3.1\n"
         "                       (Ollama; vLLM, llama.cpp's server and LM Studio work the same;\n"
         "                       a key, if the server needs one, goes in the variable named by\n"
         "                       --api-key-env)\n"
         "  Offline replay:      --replay TRANSCRIPT.jsonl   (a recorded run; see `l2mac "
         "transcript`)\n";
}

Result<std::unique_ptr<llm::Provider>> MakeProvider(const ProviderFlags& flags,
                                                    size_t replay_skip) {
  if (!flags.replay.empty()) return llm::OpenReplayProvider(flags.replay, replay_skip);
  llm::OpenAiOptions options;
  options.base_url =
      !flags.base_url.empty() ? flags.base_url : EnvOr("OPENAI_BASE_URL", options.base_url);
  options.model = !flags.model.empty() ? flags.model : EnvOr("L2MAC_MODEL", options.model);
  options.api_key = EnvOr(flags.api_key_env.c_str(), "");
  if (flags.max_retries >= 0) options.max_retries = flags.max_retries;
  return llm::MakeOpenAiProvider(std::move(options));
}

}  // namespace l2mac::cli
