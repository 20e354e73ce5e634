#include "control_unit/provider_settings.hpp"

#include "core/tiktoken_tokenizer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "core/llm/extra_body.hpp"
#include "core/llm/model_quirks.hpp"
#include "core/llm/openai_provider.hpp"
#include "core/llm/replay_provider.hpp"
#include "core/llm/text_tool_protocol.hpp"
#include "core/nearest_name.hpp"

namespace l2mac::control_unit {
namespace {

constexpr const char* kDefaultKeyVariable = "OPENAI_API_KEY";
constexpr const char* kAzureApiVersion = "2024-10-21";

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

const Preset* FindPreset(const std::string& name) {
  for (const Preset& preset : Presets()) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

// The keys of the configuration's "model" section.
const std::vector<std::string_view> kModelKeys = {
    "preset",
    "base_url",
    "model",
    "api_key_env",
    "api_version",
    "stream",
    "text_protocol",
    "max_retries",
    "max_retry_wait_seconds",
    "connect_timeout_seconds",
    "first_byte_timeout_seconds",
    "idle_timeout_seconds",
    "request_timeout_seconds",
    "requests_per_minute",
    "tokens_per_minute",
    "tokenizer",
    "max_output_tokens",
    "temperature",
    "extra_body",
    "calibrate_tokens",  // read by the run options (cli/config_sections.cpp)
};

// ANTHROPIC_BASE_URL as Anthropic's SDK reads it (without the /v1), as a base URL here.
std::string AnthropicBaseUrlFromEnvironment() {
  std::string url = EnvOr("ANTHROPIC_BASE_URL", "");
  if (url.empty()) return url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.ends_with("/v1")) url += "/v1";
  return url;
}

}  // namespace

std::string PresetNames() {
  std::string names;
  for (const Preset& preset : Presets()) {
    if (!names.empty()) names += ", ";
    names += preset.name;
  }
  return names;
}

const std::vector<Preset>& Presets() {
  static const std::vector<Preset> kPresets = {
      {"openai", "openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4o", "OpenAI's API"},
      {"ollama", "openai", "http://localhost:11434/v1", "", "",
       "Ollama (`ollama serve`); --model is the pulled model, e.g. llama3.1"},
      {"llamacpp", "openai", "http://localhost:8080/v1", "", "local",
       "llama.cpp's llama-server; it serves the model it loaded, whatever --model says"},
      {"vllm", "openai", "http://localhost:8000/v1", "", "",
       "vLLM's OpenAI-compatible server; --model as given to `vllm serve`"},
      {"lmstudio", "openai", "http://localhost:1234/v1", "", "",
       "LM Studio's local server; --model as LM Studio lists it"},
      {"openrouter", "openai", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "",
       "OpenRouter; --model like anthropic/claude-3.5-sonnet"},
      {"anthropic", "anthropic", "https://api.anthropic.com/v1", "ANTHROPIC_API_KEY",
       "claude-3-5-sonnet-latest",
       "Anthropic's Messages API, natively (tool_use blocks, streaming, prompt caching)"},
      {"azure", "openai", "", "AZURE_OPENAI_API_KEY", "gpt-4o",
       "Azure OpenAI; --base-url https://RESOURCE.openai.azure.com/openai/deployments/"
       "DEPLOYMENT, key sent as the api-key header, --api-version (default 2024-10-21)"},
  };
  return kPresets;
}

std::string ProviderSettings::KeyVariable() const {
  if (!api_key_env.empty()) return api_key_env;
  if (const Preset* found = FindPreset(preset)) return found->api_key_env;
  return kDefaultKeyVariable;
}

nlohmann::json ProviderSettings::ToSettings() const {
  nlohmann::json settings = {{"preset", preset},
                             {"base_url", base_url},
                             {"model", model},
                             {"api_key_env", KeyVariable()},
                             {"replay", replay}};
  if (!api_version.empty()) settings["api_version"] = api_version;
  if (replay_strict) settings["replay_strict"] = true;
  if (no_stream) settings["stream"] = false;
  if (!text_protocol.empty()) settings["text_protocol"] = text_protocol;
  if (!tokenizer.empty()) settings["tokenizer"] = tokenizer;
  auto put = [&](const char* key, const auto& value) {
    if (value) settings[key] = *value;
  };
  put("max_retries", max_retries);
  put("max_retry_wait_seconds", max_retry_wait_seconds);
  put("connect_timeout_seconds", connect_timeout_seconds);
  put("first_byte_timeout_seconds", first_byte_timeout_seconds);
  put("idle_timeout_seconds", idle_timeout_seconds);
  put("request_timeout_seconds", request_timeout_seconds);
  put("requests_per_minute", requests_per_minute);
  put("tokens_per_minute", tokens_per_minute);
  put("max_output_tokens", max_output_tokens);
  put("temperature", temperature);
  if (!extra_body.is_null()) settings["extra_body"] = extra_body;
  return settings;
}

void ProviderSettings::MergeStored(const nlohmann::json& settings) {
  if (!settings.is_object()) return;
  auto fill = [&](std::string& field, const char* key) {
    if (field.empty() && settings.contains(key) && settings[key].is_string()) {
      field = settings[key].get<std::string>();
    }
  };
  bool has_own_source = !replay.empty() || !base_url.empty() || !preset.empty();
  if (!has_own_source) {
    fill(preset, "preset");
    fill(base_url, "base_url");
    fill(replay, "replay");
    if (settings.contains("replay_strict") && settings["replay_strict"].is_boolean()) {
      replay_strict = replay_strict || settings["replay_strict"].get<bool>();
    }
  }
  fill(model, "model");
  // The stored name is the variable in use; only one other than the preset's default was
  // named on purpose (and must then be set: CheckModelSettings).
  if (api_key_env.empty() && settings.contains("api_key_env") &&
      settings["api_key_env"].is_string() &&
      settings["api_key_env"].get<std::string>() != KeyVariable()) {
    api_key_env = settings["api_key_env"].get<std::string>();
  }
  fill(api_version, "api_version");
  fill(text_protocol, "text_protocol");
  fill(tokenizer, "tokenizer");
  if (extra_body.is_null() && settings.contains("extra_body") &&
      settings["extra_body"].is_object()) {
    extra_body = settings["extra_body"];
  }
  if (!no_stream && settings.contains("stream") && settings["stream"].is_boolean()) {
    no_stream = !settings["stream"].get<bool>();
  }
  auto fill_number = [&](auto& field, const char* key) {
    if (!field && settings.contains(key) && settings[key].is_number()) {
      field = settings[key].get<typename std::remove_reference_t<decltype(field)>::value_type>();
    }
  };
  fill_number(max_retries, "max_retries");
  fill_number(max_retry_wait_seconds, "max_retry_wait_seconds");
  fill_number(connect_timeout_seconds, "connect_timeout_seconds");
  fill_number(first_byte_timeout_seconds, "first_byte_timeout_seconds");
  fill_number(idle_timeout_seconds, "idle_timeout_seconds");
  fill_number(request_timeout_seconds, "request_timeout_seconds");
  fill_number(requests_per_minute, "requests_per_minute");
  fill_number(tokens_per_minute, "tokens_per_minute");
  fill_number(max_output_tokens, "max_output_tokens");
  fill_number(temperature, "temperature");
}

Status ProviderSettings::ApplyConfig(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(ConfigSection section, config.Section("model"));
  if (!section.present()) return Status::Ok();
  L2MAC_RETURN_IF_ERROR(section.RejectUnknownKeys(kModelKeys));
  auto fill = [&](std::string& field, std::string_view key) -> Status {
    L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> value, section.GetString(key));
    if (field.empty() && value) field = *value;
    return Status::Ok();
  };
  // A source given on the command line replaces the configured one as a whole.
  if (replay.empty() && base_url.empty() && preset.empty()) {
    L2MAC_RETURN_IF_ERROR(fill(preset, "preset"));
    L2MAC_RETURN_IF_ERROR(fill(base_url, "base_url"));
  }
  L2MAC_RETURN_IF_ERROR(fill(model, "model"));
  L2MAC_RETURN_IF_ERROR(fill(api_key_env, "api_key_env"));
  L2MAC_RETURN_IF_ERROR(fill(api_version, "api_version"));
  L2MAC_RETURN_IF_ERROR(fill(text_protocol, "text_protocol"));
  L2MAC_RETURN_IF_ERROR(fill(tokenizer, "tokenizer"));
  if (Result<llm::TextProtocolMode> mode = llm::ParseTextProtocolMode(text_protocol); !mode.ok()) {
    return section.Error("text_protocol", "must be never, auto or always");
  }
  L2MAC_ASSIGN_OR_RETURN(std::optional<bool> stream, section.GetBool("stream"));
  if (!no_stream && stream) no_stream = !*stream;
  L2MAC_ASSIGN_OR_RETURN(std::optional<int64_t> retries, section.GetInteger("max_retries"));
  if (!max_retries && retries) {
    if (*retries < 0 || *retries > 100) return section.Error("max_retries", "must be 0 to 100");
    max_retries = static_cast<int>(*retries);
  }
  auto fill_seconds = [&](std::optional<double>& field, std::string_view key) -> Status {
    L2MAC_ASSIGN_OR_RETURN(std::optional<double> value, section.GetNumber(key));
    if (value && !(*value > 0 && *value <= 86400)) {
      return section.Error(key, "must be a number above 0 and at most 86400");
    }
    if (!field && value) field = *value;
    return Status::Ok();
  };
  L2MAC_RETURN_IF_ERROR(fill_seconds(max_retry_wait_seconds, "max_retry_wait_seconds"));
  L2MAC_RETURN_IF_ERROR(fill_seconds(connect_timeout_seconds, "connect_timeout_seconds"));
  L2MAC_RETURN_IF_ERROR(fill_seconds(first_byte_timeout_seconds, "first_byte_timeout_seconds"));
  L2MAC_RETURN_IF_ERROR(fill_seconds(idle_timeout_seconds, "idle_timeout_seconds"));
  L2MAC_RETURN_IF_ERROR(fill_seconds(request_timeout_seconds, "request_timeout_seconds"));
  auto fill_rate = [&](std::optional<double>& field, std::string_view key) -> Status {
    L2MAC_ASSIGN_OR_RETURN(std::optional<double> value, section.GetNumber(key));
    if (value && *value < 0) return section.Error(key, "must be 0 (unlimited) or more");
    if (!field && value) field = *value;
    return Status::Ok();
  };
  L2MAC_RETURN_IF_ERROR(fill_rate(requests_per_minute, "requests_per_minute"));
  L2MAC_RETURN_IF_ERROR(fill_rate(tokens_per_minute, "tokens_per_minute"));
  L2MAC_ASSIGN_OR_RETURN(std::optional<int64_t> output, section.GetInteger("max_output_tokens"));
  if (output && (*output < 1 || *output > kMaxOutputTokensLimit)) {
    return section.Error("max_output_tokens",
                         fmt::format("must be 1 to {} tokens", kMaxOutputTokensLimit));
  }
  if (!max_output_tokens && output) max_output_tokens = static_cast<int>(*output);
  L2MAC_ASSIGN_OR_RETURN(std::optional<double> configured_temperature,
                         section.GetNumber("temperature"));
  if (configured_temperature && !(*configured_temperature >= 0 && *configured_temperature <= 2)) {
    return section.Error("temperature", "must be a number from 0 to 2");
  }
  if (!temperature && configured_temperature) temperature = *configured_temperature;
  L2MAC_ASSIGN_OR_RETURN(ConfigSection extra, section.GetSection("extra_body"));
  if (const llm::OwnedRequestKey* owned = llm::FirstOwnedKey(extra.json())) {
    return section.Error(fmt::format("extra_body.{}", owned->key),
                         fmt::format("is set by l2mac itself (it comes from {}): remove it from "
                                     "extra_body",
                                     owned->setting));
  }
  if (extra_body.is_null() && extra.present()) extra_body = extra.json();
  return Status::Ok();
}

void ProviderSettings::ApplyEnvironment() {
  if (replay.empty() && preset.empty() && base_url.empty()) {
    base_url = EnvOr("L2MAC_BASE_URL", "");
  }
  if (model.empty()) model = EnvOr("L2MAC_MODEL", "");
}

bool ProviderSettings::ChooseDefaultPreset() {
  if (!replay.empty() || !preset.empty() || !base_url.empty() || !api_key_env.empty()) {
    return false;
  }
  if (!EnvOr("OPENAI_BASE_URL", "").empty() || !EnvOr(kDefaultKeyVariable, "").empty() ||
      EnvOr("ANTHROPIC_API_KEY", "").empty()) {
    return false;
  }
  preset = "anthropic";
  return true;
}

Status ProviderSettings::ResolveForNewRun(const Config& config) {
  ApplyEnvironment();
  L2MAC_RETURN_IF_ERROR(ApplyConfig(config));
  if (ChooseDefaultPreset()) {
    spdlog::info(
        "ANTHROPIC_API_KEY is set and OPENAI_API_KEY is not: using Anthropic (--preset "
        "anthropic)");
  }
  MakePathsAbsolute();
  return Status::Ok();
}

Status ProviderSettings::CheckModelSettings() const {
  if (!replay.empty()) return Status::Ok();
  const Preset* found = preset.empty() ? nullptr : FindPreset(preset);
  if (!preset.empty() && found == nullptr) return Status::Ok();  // MakeProvider names it
  const std::string variable = KeyVariable();
  if (!variable.empty() && EnvOr(variable.c_str(), "").empty()) {
    // A local server's preset needs no key: a variable named for another server (in the
    // config, say) is left unset without harm, and no key is sent.
    const bool keyless_preset = found != nullptr && found->api_key_env.empty();
    if (!api_key_env.empty() && keyless_preset) {
      spdlog::warn(
          "{} (named by --api-key-env) is not set; --preset {} needs no key, so none "
          "is sent",
          variable, found->name);
    } else if (!api_key_env.empty()) {
      return Status::InvalidArgument(fmt::format(
          "--api-key-env names {0}, which is not set: export {0}=<your API key> (or drop "
          "--api-key-env, and model.api_key_env from the config, for a server that needs no "
          "key)",
          variable));
    }
    if (found != nullptr && !found->api_key_env.empty()) {
      return Status::InvalidArgument(fmt::format(
          "--preset {0} reads the API key from {1}, which is not set: export {1}=<your API "
          "key> (or name another variable with --api-key-env)",
          found->name, variable));
    }
  }
  const std::string model_name = ModelName();
  const llm::ModelQuirks* quirks = llm::FindModelQuirks(model_name);
  const bool anthropic = found != nullptr && found->wire == "anthropic";
  if (temperature && quirks != nullptr && quirks->no_temperature && !anthropic) {
    return Status::InvalidArgument(fmt::format(
        "model '{}' takes no temperature ({} models refuse it, so l2mac never sends one): "
        "remove --temperature (or model.temperature from the config)",
        model_name, quirks->family));
  }
  return Status::Ok();
}

std::string ProviderSettings::ModelName() const {
  std::string name = !model.empty() ? model : EnvOr("L2MAC_MODEL", "");
  if (!name.empty()) return name;
  if (const Preset* found = FindPreset(preset)) return found->default_model;
  return "gpt-4o";
}

void ProviderSettings::MakePathsAbsolute() {
  for (std::string* path : {&replay, &tokenizer}) {
    if (path->empty()) continue;
    std::error_code ec;
    auto absolute = std::filesystem::absolute(*path, ec);
    if (!ec) *path = absolute.string();
  }
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

bool ProviderSettings::Configured() const {
  return !replay.empty() || !base_url.empty() || !preset.empty() ||
         !EnvOr("OPENAI_BASE_URL", "").empty() || !EnvOr(KeyVariable().c_str(), "").empty();
}

Result<ServerChoice> ChooseServer(const ProviderSettings& settings) {
  const Preset* preset = nullptr;
  if (!settings.preset.empty()) {
    preset = FindPreset(settings.preset);
    if (preset == nullptr) {
      std::vector<std::string> names;
      for (const Preset& known : Presets()) names.push_back(known.name);
      return Status::InvalidArgument(
          fmt::format("unknown --preset '{}'{} (choose one of {})", settings.preset,
                      DidYouMean(settings.preset, names), PresetNames()));
    }
  }
  ServerChoice choice;
  choice.anthropic = preset != nullptr && preset->wire == "anthropic";
  llm::OpenAiOptions& options = choice.options;
  if (!settings.base_url.empty()) {
    options.base_url = settings.base_url;
  } else if (choice.anthropic && !AnthropicBaseUrlFromEnvironment().empty()) {
    options.base_url = AnthropicBaseUrlFromEnvironment();
  } else if (preset != nullptr) {
    if (preset->base_url.empty()) {
      return Status::InvalidArgument(
          fmt::format("--preset {} needs --base-url: {}", preset->name, preset->note));
    }
    options.base_url = preset->base_url;
  } else {
    options.base_url = EnvOr("OPENAI_BASE_URL", options.base_url);
  }
  std::string model = !settings.model.empty() ? settings.model : EnvOr("L2MAC_MODEL", "");
  if (model.empty() && preset != nullptr) {
    if (preset->default_model.empty()) {
      return Status::InvalidArgument(fmt::format("--preset {} needs --model (or $L2MAC_MODEL): {}",
                                                 preset->name, preset->note));
    }
    model = preset->default_model;
  }
  if (!model.empty()) options.model = model;
  const std::string key_variable = settings.KeyVariable();
  if (!key_variable.empty()) options.api_key = EnvOr(key_variable.c_str(), "");
  options.api_key_env = key_variable;
  if (preset != nullptr && preset->name == "azure") {
    options.api_key_header = "api-key";
    options.query = "api-version=" + (settings.api_version.empty() ? std::string(kAzureApiVersion)
                                                                   : settings.api_version);
    options.send_model = false;
  }
  options.extra_body = settings.extra_body;
  options.stream = !settings.no_stream;
  if (settings.max_retries) options.max_retries = *settings.max_retries;
  if (settings.max_retry_wait_seconds) {
    options.max_total_retry_wait = Millis(*settings.max_retry_wait_seconds);
  }
  if (settings.connect_timeout_seconds)
    options.connect_timeout = Millis(*settings.connect_timeout_seconds);
  if (settings.first_byte_timeout_seconds) {
    options.first_byte_timeout = Millis(*settings.first_byte_timeout_seconds);
  }
  if (settings.idle_timeout_seconds) options.idle_timeout = Millis(*settings.idle_timeout_seconds);
  if (settings.request_timeout_seconds)
    options.request_timeout = Millis(*settings.request_timeout_seconds);
  // The limiter always exists so that the server's reported limits are honoured even when
  // the user configured none.
  options.limiter = std::make_shared<llm::RateLimiter>(settings.requests_per_minute.value_or(0),
                                                       settings.tokens_per_minute.value_or(0));
  return choice;
}

Result<std::shared_ptr<const TokenCounter>> LoadTokenCounter(const ProviderSettings& settings) {
  if (settings.tokenizer.empty()) return std::shared_ptr<const TokenCounter>();
  L2MAC_ASSIGN_OR_RETURN(std::shared_ptr<const TiktokenTokenizer> tokenizer,
                         TiktokenTokenizer::Load(settings.tokenizer));
  return std::shared_ptr<const TokenCounter>(std::move(tokenizer));
}

Result<std::unique_ptr<llm::Provider>> MakeProvider(
    const ProviderSettings& settings, size_t replay_skip,
    std::shared_ptr<const TokenCounter> token_counter) {
  if (!settings.replay.empty()) {
    return llm::OpenReplayProvider(
        settings.replay, replay_skip,
        settings.replay_strict ? llm::ReplayMode::kStrict : llm::ReplayMode::kLenient);
  }
  if (settings.replay_strict) {
    return Status::InvalidArgument("--replay-strict needs --replay TRANSCRIPT.jsonl");
  }
  L2MAC_ASSIGN_OR_RETURN(ServerChoice choice, ChooseServer(settings));
  choice.options.token_counter = std::move(token_counter);
  L2MAC_ASSIGN_OR_RETURN(llm::TextProtocolMode text_mode,
                         llm::ParseTextProtocolMode(settings.text_protocol));
  std::unique_ptr<llm::Provider> provider =
      choice.anthropic ? llm::MakeAnthropicProvider(std::move(choice.options))
                       : llm::MakeOpenAiProvider(std::move(choice.options));
  return llm::WithTextToolProtocol(std::move(provider), text_mode);
}

Result<std::unique_ptr<llm::Provider>> MakeJudgeModelProvider(const ProviderSettings& workers,
                                                              const std::string& model) {
  if (model.empty() || !workers.replay.empty()) return std::unique_ptr<llm::Provider>();
  ProviderSettings judge = workers;
  judge.model = model;
  return MakeProvider(judge);
}

}  // namespace l2mac::control_unit
