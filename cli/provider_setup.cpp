#include "cli/provider_setup.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "cli/nearest_name.hpp"
#include "core/llm/openai_provider.hpp"
#include "core/llm/prices.hpp"
#include "core/llm/replay_provider.hpp"
#include "core/llm/text_tool_protocol.hpp"
#include "core/tiktoken_tokenizer.hpp"

namespace l2mac::cli {
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

std::string PresetNames() {
  std::string names;
  for (const Preset& preset : Presets()) {
    if (!names.empty()) names += ", ";
    names += preset.name;
  }
  return names;
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
    "calibrate_tokens",  // read by the run options (cli/commands.cpp)
};

}  // namespace

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

std::string ProviderFlags::KeyVariable() const {
  if (!api_key_env.empty()) return api_key_env;
  if (const Preset* found = FindPreset(preset)) return found->api_key_env;
  return kDefaultKeyVariable;
}

nlohmann::json ProviderFlags::ToSettings() const {
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
  return settings;
}

void ProviderFlags::MergeStored(const nlohmann::json& settings) {
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
  fill(api_key_env, "api_key_env");
  fill(api_version, "api_version");
  fill(text_protocol, "text_protocol");
  fill(tokenizer, "tokenizer");
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
}

Status ProviderFlags::ApplyConfig(const Config& config) {
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
  return Status::Ok();
}

std::string ProviderFlags::ModelName() const {
  std::string name = !model.empty() ? model : EnvOr("L2MAC_MODEL", "");
  if (!name.empty()) return name;
  if (const Preset* found = FindPreset(preset)) return found->default_model;
  return "gpt-4o";
}

Status BudgetFlags::ApplyConfig(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(ConfigSection section, config.Section("budget"));
  if (!section.present()) return Status::Ok();
  L2MAC_RETURN_IF_ERROR(section.RejectUnknownKeys({"max_cost_usd", "max_tokens"}));
  L2MAC_ASSIGN_OR_RETURN(std::optional<double> cost, section.GetNumber("max_cost_usd"));
  if (cost && *cost < 0) return section.Error("max_cost_usd", "must be 0 (no budget) or more");
  if (!max_cost_usd && cost) max_cost_usd = *cost;
  L2MAC_ASSIGN_OR_RETURN(std::optional<int64_t> tokens, section.GetInteger("max_tokens"));
  if (tokens && *tokens < 0) return section.Error("max_tokens", "must be 0 (no budget) or more");
  if (!max_tokens && tokens) max_tokens = *tokens;
  return Status::Ok();
}

void AddBudgetOptions(CLI::App& command, BudgetFlags& flags) {
  command
      .add_option("--max-cost", flags.max_cost_usd,
                  "stop before the next instruction once the run's model calls cost this many "
                  "US dollars (prices: built-in table or the config's \"prices\"); resume "
                  "with a higher value to continue")
      ->check(CLI::Range(0.0, 1e9))
      ->group("Limits");
  command
      .add_option("--max-tokens", flags.max_tokens,
                  "stop before the next instruction once the run's model calls used this many "
                  "tokens (prompt + completion); resume with a higher value to continue")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 50))
      ->group("Limits");
}

Result<nlohmann::json> PriceOverrides(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(ConfigSection section, config.Section("prices"));
  if (!section.present()) return nlohmann::json::object();
  llm::PriceTable check = llm::PriceTable::BuiltIn();
  if (Status status = check.Override(section.json()); !status.ok()) {
    return Status::InvalidArgument(config.origin() + ": " + status.message());
  }
  return section.json();
}

void ProviderFlags::MakePathsAbsolute() {
  for (std::string* path : {&replay, &tokenizer}) {
    if (path->empty()) continue;
    std::error_code ec;
    auto absolute = std::filesystem::absolute(*path, ec);
    if (!ec) *path = absolute.string();
  }
}

Status InstallTokenCounter(const ProviderFlags& flags) {
  if (flags.tokenizer.empty()) {
    SetTokenCounter(nullptr);
    return Status::Ok();
  }
  L2MAC_ASSIGN_OR_RETURN(std::shared_ptr<const TiktokenTokenizer> tokenizer,
                         TiktokenTokenizer::Load(flags.tokenizer));
  SetTokenCounter(std::move(tokenizer));
  return Status::Ok();
}

void AddProviderOptions(CLI::App& command, ProviderFlags& flags) {
  std::string preset_help = "a named server with its defaults: " + PresetNames();
  command.add_option("--preset", flags.preset, preset_help)->group("Model");
  command
      .add_option("--base-url", flags.base_url,
                  "OpenAI-compatible endpoint ending in /v1 (default: the preset's, else "
                  "$OPENAI_BASE_URL or OpenAI's); e.g. http://localhost:11434/v1 for Ollama")
      ->group("Model");
  command
      .add_option("--model", flags.model,
                  "model name (default $L2MAC_MODEL, else the preset's, else gpt-4o)")
      ->group("Model");
  command
      .add_option("--api-key-env", flags.api_key_env,
                  "environment variable holding the API key (default: the preset's, else "
                  "OPENAI_API_KEY)")
      ->group("Model");
  command.add_option("--api-version", flags.api_version, "Azure OpenAI's api-version")
      ->group("Model");
  command
      .add_option("--replay", flags.replay,
                  "serve the model's responses from a recorded JSONL transcript, in order")
      ->group("Model");
  command
      .add_flag("--replay-strict", flags.replay_strict,
                "with --replay: stop at the first request that differs from the recorded one, "
                "showing the difference")
      ->group("Model");
  command
      .add_flag("--no-stream", flags.no_stream,
                "ask for whole replies instead of streaming them (for servers whose streaming "
                "is broken); results are identical")
      ->group("Model");
  command
      .add_option("--text-protocol", flags.text_protocol,
                  "tool calls as fenced blocks in the text, for models without tool calling: "
                  "never, auto (default: when the server refuses `tools`) or always")
      ->check(CLI::IsMember({"never", "auto", "always"}))
      ->group("Model");
  command
      .add_option("--tokenizer", flags.tokenizer,
                  "count tokens exactly with this tiktoken ranks file (e.g. "
                  "cl100k_base.tiktoken) instead of the fast estimate; kept for resume")
      ->group("Model");
  command
      .add_option("--max-retries", flags.max_retries,
                  "retries of a model call after 429, 5xx, a dropped connection or a stalled "
                  "stream (default 6)")
      ->check(CLI::Range(0, 100))
      ->group("Model");
  command
      .add_option("--idle-timeout", flags.idle_timeout_seconds,
                  "seconds a stream may stay silent before the call is retried (default 120)")
      ->check(CLI::Range(0.1, 86400.0))
      ->group("Model");
  command
      .add_option("--request-timeout", flags.request_timeout_seconds,
                  "seconds one model call may take in all (default 600)")
      ->check(CLI::Range(0.1, 86400.0))
      ->group("Model");
  command
      .add_option("--requests-per-minute", flags.requests_per_minute,
                  "most model calls per minute, shared by all agents (default: unlimited, or "
                  "what the server reports)")
      ->check(CLI::Range(0.0, 1e9))
      ->group("Model");
  command
      .add_option("--tokens-per-minute", flags.tokens_per_minute,
                  "most tokens per minute, shared by all agents (default: unlimited, or what "
                  "the server reports)")
      ->check(CLI::Range(0.0, 1e12))
      ->group("Model");
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
  return !replay.empty() || !base_url.empty() || !preset.empty() ||
         !EnvOr("OPENAI_BASE_URL", "").empty() || !EnvOr(KeyVariable().c_str(), "").empty();
}

std::string HowToConfigureProvider() {
  return "no model is configured. Choose one:\n"
         "  OpenAI:              export OPENAI_API_KEY=sk-...   (optionally --model gpt-4o)\n"
         "  A local server:      --preset ollama --model llama3.1\n"
         "                       (presets: " +
         PresetNames() +
         ";\n"
         "                       or --base-url http://host:port/v1 for any OpenAI-compatible\n"
         "                       server; a key, if it needs one, goes in the variable named\n"
         "                       by --api-key-env)\n"
         "  Offline replay:      --replay TRANSCRIPT.jsonl   (a recorded run; see `l2mac "
         "transcript`)\n";
}

Result<std::unique_ptr<llm::Provider>> MakeProvider(const ProviderFlags& flags,
                                                    size_t replay_skip) {
  if (!flags.replay.empty()) {
    return llm::OpenReplayProvider(
        flags.replay, replay_skip,
        flags.replay_strict ? llm::ReplayMode::kStrict : llm::ReplayMode::kLenient);
  }
  if (flags.replay_strict) {
    return Status::InvalidArgument("--replay-strict needs --replay TRANSCRIPT.jsonl");
  }
  const Preset* preset = nullptr;
  if (!flags.preset.empty()) {
    preset = FindPreset(flags.preset);
    if (preset == nullptr) {
      std::vector<std::string> names;
      for (const Preset& known : Presets()) names.push_back(known.name);
      return Status::InvalidArgument(fmt::format("unknown --preset '{}'{} (choose one of {})",
                                                 flags.preset, DidYouMean(flags.preset, names),
                                                 PresetNames()));
    }
  }
  llm::OpenAiOptions options;
  if (!flags.base_url.empty()) {
    options.base_url = flags.base_url;
  } else if (preset != nullptr) {
    if (preset->base_url.empty()) {
      return Status::InvalidArgument(
          fmt::format("--preset {} needs --base-url: {}", preset->name, preset->note));
    }
    options.base_url = preset->base_url;
  } else {
    options.base_url = EnvOr("OPENAI_BASE_URL", options.base_url);
  }
  std::string model = !flags.model.empty() ? flags.model : EnvOr("L2MAC_MODEL", "");
  if (model.empty() && preset != nullptr) {
    if (preset->default_model.empty()) {
      return Status::InvalidArgument(fmt::format("--preset {} needs --model (or $L2MAC_MODEL): {}",
                                                 preset->name, preset->note));
    }
    model = preset->default_model;
  }
  if (!model.empty()) options.model = model;
  const std::string key_variable = flags.KeyVariable();
  if (!key_variable.empty()) options.api_key = EnvOr(key_variable.c_str(), "");
  if (preset != nullptr && preset->name == "azure") {
    options.api_key_header = "api-key";
    options.query = "api-version=" +
                    (flags.api_version.empty() ? std::string(kAzureApiVersion) : flags.api_version);
    options.send_model = false;
  }
  options.stream = !flags.no_stream;
  if (flags.max_retries) options.max_retries = *flags.max_retries;
  if (flags.max_retry_wait_seconds) {
    options.max_total_retry_wait = Millis(*flags.max_retry_wait_seconds);
  }
  if (flags.connect_timeout_seconds)
    options.connect_timeout = Millis(*flags.connect_timeout_seconds);
  if (flags.first_byte_timeout_seconds) {
    options.first_byte_timeout = Millis(*flags.first_byte_timeout_seconds);
  }
  if (flags.idle_timeout_seconds) options.idle_timeout = Millis(*flags.idle_timeout_seconds);
  if (flags.request_timeout_seconds)
    options.request_timeout = Millis(*flags.request_timeout_seconds);
  // The limiter always exists so that the server's reported limits are honoured even when
  // the user configured none.
  options.limiter = std::make_shared<llm::RateLimiter>(flags.requests_per_minute.value_or(0),
                                                       flags.tokens_per_minute.value_or(0));
  L2MAC_ASSIGN_OR_RETURN(llm::TextProtocolMode text_mode,
                         llm::ParseTextProtocolMode(flags.text_protocol));
  std::unique_ptr<llm::Provider> provider = preset != nullptr && preset->wire == "anthropic"
                                                ? llm::MakeAnthropicProvider(std::move(options))
                                                : llm::MakeOpenAiProvider(std::move(options));
  return llm::WithTextToolProtocol(std::move(provider), text_mode);
}

}  // namespace l2mac::cli
