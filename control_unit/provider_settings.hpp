// How a run reaches its model, and the provider built from that: the presets (named
// OpenAI-compatible servers and Anthropic with their defaults), the settings a caller
// fills (from command-line flags, the configuration's "model" section, the environment
// and a stored run), and MakeProvider. The command line fills ProviderSettings from its
// flags (cli/provider_setup.hpp); the public façade (include/l2mac/provider.hpp) from an
// embedder's ModelOptions. docs/MODELS.md has the whole precedence table: flags, then
// $L2MAC_BASE_URL and $L2MAC_MODEL, then the configuration, then the preset's defaults.
// --replay, --preset and --base-url name the server together: the first of those places
// that names any of them names it, so a --preset on the command line replaces a configured
// base_url.
//
// The API key is read from the environment variable named by api_key_env (default: the
// preset's, else OPENAI_API_KEY) when the provider is built, and lives only in memory: it
// is never stored with the run, logged or printed. What is stored for resume is
// ToSettings(), which names the variable, not its value.
//
// Error messages name the command-line flags and configuration keys (--preset,
// model.api_key_env): those are the names the user of the CLI, the MCP server and the
// façade's ModelOptions documentation all use.
//
// Threads: ProviderSettings is a plain value. The functions read the environment
// (getenv), so they must not race with a thread that changes it; otherwise any thread may
// call them. A provider from MakeProvider is used by one run at a time (llm::Provider).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/llm/openai_provider.hpp"
#include "core/llm/provider.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

// The largest --max-output-tokens (model.max_output_tokens) accepted.
inline constexpr int kMaxOutputTokensLimit = 1'000'000;

struct ProviderSettings {
  std::string preset;          // "", or a name from Presets(): ollama, vllm, azure, ...
  std::string base_url;        // empty: the preset's, else $OPENAI_BASE_URL, else OpenAI's
  std::string model;           // empty: $L2MAC_MODEL, else the preset's, else "gpt-4o"
  std::string api_key_env;     // empty: the preset's, else OPENAI_API_KEY
  std::string api_version;     // Azure's api-version query parameter
  std::string replay;          // a transcript to replay instead of calling a model
  bool replay_strict = false;  // each request must match the recorded one
  bool no_stream = false;
  std::string text_protocol;  // never, auto (when empty) or always: core/llm/text_tool_protocol.hpp
  // A tiktoken ranks file for exact token counts (empty: the fast estimate). Stored with
  // the run so that resume and replay restart contexts at the same points.
  std::string tokenizer;
  std::optional<int> max_retries;
  std::optional<double> max_retry_wait_seconds;
  std::optional<double> connect_timeout_seconds;
  std::optional<double> first_byte_timeout_seconds;
  std::optional<double> idle_timeout_seconds;
  std::optional<double> request_timeout_seconds;
  std::optional<double> requests_per_minute;
  std::optional<double> tokens_per_minute;
  // Every request's output limit and temperature (unset: min(4096, window/4) and 0).
  std::optional<int> max_output_tokens;
  std::optional<double> temperature;
  // model.extra_body: fields added to every request body (core/llm/extra_body.hpp); null
  // for none. Only from the configuration (and the stored run).
  nlohmann::json extra_body;

  nlohmann::json ToSettings() const;
  // Fills fields that are still unset from stored settings (settings given now win).
  void MergeStored(const nlohmann::json& settings);
  // Fills fields that are still unset from the configuration's "model" section.
  Status ApplyConfig(const Config& config);
  // Fills fields that are still unset from $L2MAC_BASE_URL (only when no --replay,
  // --preset or --base-url names the server) and $L2MAC_MODEL.
  void ApplyEnvironment();
  // Anthropic when nothing names a server or a key variable, OPENAI_API_KEY and
  // OPENAI_BASE_URL are unset and ANTHROPIC_API_KEY is set. True when it chose it.
  bool ChooseDefaultPreset();
  // What `run` (and `doctor --model`) does before building the provider: the environment,
  // the configuration, the default preset, absolute paths. Errors: the configuration's.
  Status ResolveForNewRun(const Config& config);
  // Refusals before any request, for a usage error: a key variable that is not set when
  // the server needs a key (api_key_env named it, unless the preset is a local server's
  // that needs none; or the preset's hosted API needs one), naming the variable and how to
  // set it; and a temperature the model refuses (core/llm/model_quirks.hpp).
  Status CheckModelSettings() const;
  // True when a replay file, a preset, a base URL or an API key in the environment is
  // available.
  bool Configured() const;
  // Makes relative replay and tokenizer paths absolute, so that a stored run resumes from
  // anywhere.
  void MakePathsAbsolute();
  // The variable the key is read from.
  std::string KeyVariable() const;
  // The model name calls go to (and are priced by): model, $L2MAC_MODEL, the preset's,
  // else gpt-4o. Empty for a preset that requires a model and got none.
  std::string ModelName() const;
};

// A named OpenAI-compatible server (or Anthropic) with its documented defaults.
struct Preset {
  std::string name;
  std::string wire;           // "openai" or "anthropic"
  std::string base_url;       // empty: must be given (Azure's deployment URL)
  std::string api_key_env;    // empty: no key by default (local servers)
  std::string default_model;  // empty: --model is required
  std::string note;
};
const std::vector<Preset>& Presets();
// The presets' names, comma-separated, for messages.
std::string PresetNames();

// The provider MakeProvider builds for a server (not a replay), before the text tool
// protocol wraps it: `options` ready for MakeOpenAiProvider or MakeAnthropicProvider.
struct ServerChoice {
  llm::OpenAiOptions options;
  bool anthropic = false;
};
// Errors: kInvalidArgument for an unknown preset (with the nearest name) or a preset
// missing what it needs.
Result<ServerChoice> ChooseServer(const ProviderSettings& settings);

// Refuses a base URL with credentials in it ("http://user:secret@host"): they would be
// stored with the run. The key belongs in the variable named by api_key_env.
Status CheckBaseUrl(const std::string& base_url);

// The provider of `settings`: a replay of the transcript, or the server's (OpenAI wire or
// Anthropic), wrapped in the text tool protocol as settings.text_protocol says.
// `replay_skip` responses of a replay are consumed first (resuming a replayed run: see
// CountRecordedExchanges in runner.hpp). Errors: kInvalidArgument for an unknown preset, a
// preset missing what it needs, replay_strict without a replay, or a replay file that
// cannot be read or parsed.
// `token_counter` (may be null: the fast estimate) is what the rate limiter paces
// tokens_per_minute by; the run's own counter (RunOptions::token_counter), for one.
Result<std::unique_ptr<llm::Provider>> MakeProvider(
    const ProviderSettings& settings, size_t replay_skip = 0,
    std::shared_ptr<const TokenCounter> token_counter = nullptr);

// The run's token counter: settings.tokenizer (a tiktoken file) loaded, or null (the fast
// estimate) when it is empty. Errors: kInvalidArgument naming the file (and line) when it
// cannot be read or parsed.
Result<std::shared_ptr<const TokenCounter>> LoadTokenCounter(const ProviderSettings& settings);

// The judge's own provider for a judge model (RunOptions::judge_model): the workers' server
// settings with that model. Null when there is no judge model, or the run replays a
// transcript (whose one stream of replies holds the judge's too).
Result<std::unique_ptr<llm::Provider>> MakeJudgeModelProvider(const ProviderSettings& workers,
                                                              const std::string& model);

}  // namespace l2mac::control_unit
