// Builds the model provider from command-line flags, the environment (L2MAC_BASE_URL,
// L2MAC_MODEL), the "model" section of the configuration file and the presets' defaults,
// in that order of precedence (docs/MODELS.md has the whole table). --replay, --preset
// and --base-url name the server together: the first of those places that names any of
// them names it, so a --preset on the command line replaces a configured base_url.
//
// The API key is read from the environment variable named by --api-key-env (default: the
// preset's, else OPENAI_API_KEY) and lives only in memory: it is never stored with the
// run, logged or printed. What is stored for resume is ProviderFlags::ToSettings(), which
// names the variable, not its value.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/llm/openai_provider.hpp"
#include "core/llm/provider.hpp"
#include "core/status.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace l2mac::cli {

struct ProviderFlags {
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
  // Fills fields that are still unset from stored settings (flags given now win).
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
  // Refusals before any request, for a usage error (exit status 2): a key variable that is
  // not set when the server needs a key (--api-key-env named it, unless the preset is a
  // local server's that needs none; or the preset's hosted API needs one), naming the
  // variable and how to set it; and a --temperature the model refuses
  // (core/llm/model_quirks.hpp).
  Status CheckModelSettings() const;
  // True when a replay file, a preset, a base URL or an API key in the environment is
  // available.
  bool Configured() const;
  // Makes relative --replay and --tokenizer paths absolute, so that a stored run resumes from
  // anywhere.
  void MakePathsAbsolute();
  // The variable the key is read from.
  std::string KeyVariable() const;
  // The model name calls go to (and are priced by): --model, $L2MAC_MODEL, the preset's,
  // else gpt-4o. Empty for a preset that requires --model and got none.
  std::string ModelName() const;
};

// --max-cost and --max-tokens, with the "budget" config section beneath them.
struct BudgetFlags {
  std::optional<double> max_cost_usd;
  std::optional<int64_t> max_tokens;

  // Fills unset fields from the configuration's "budget" section.
  Status ApplyConfig(const Config& config);
};
void AddBudgetOptions(CLI::App& command, BudgetFlags& flags);

// The configuration's "prices" section as price overrides (validated), or an empty object.
Result<nlohmann::json> PriceOverrides(const Config& config);

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

// Registers the "Model" options (--preset, --base-url, --model, --no-stream, timeouts,
// rate limits, ...) on `command`. Without `model_name_option`, --model is left for the
// caller to register (doctor gives it an optional value).
void AddProviderOptions(CLI::App& command, ProviderFlags& flags, bool model_name_option = true);

// The provider MakeProvider builds for a server (not a replay), before the text tool
// protocol wraps it: `options` ready for MakeOpenAiProvider or MakeAnthropicProvider.
struct ServerChoice {
  llm::OpenAiOptions options;
  bool anthropic = false;
};
// Errors: kInvalidArgument for an unknown preset or a preset missing what it needs.
Result<ServerChoice> ChooseServer(const ProviderFlags& flags);

// Loads flags.tokenizer and makes every token count of this process use it (or the fast
// estimate when it is empty): call once before a run starts (see SetTokenCounter).
// Errors: kInvalidArgument naming the file (and line) when it cannot be read or parsed.
Status InstallTokenCounter(const ProviderFlags& flags);

// Refuses a base URL with credentials in it ("http://user:secret@host"): they would be
// stored with the run. The key belongs in the variable named by --api-key-env.
Status CheckBaseUrl(const std::string& base_url);

// The text printed when no model is configured: how to set up OpenAI, an
// OpenAI-compatible local server, or a replay.
std::string HowToConfigureProvider();

// `replay_skip` responses of a replay are consumed first (resuming a replayed run).
// Errors: kInvalidArgument for an unknown preset or a preset missing what it needs.
Result<std::unique_ptr<llm::Provider>> MakeProvider(const ProviderFlags& flags,
                                                    size_t replay_skip = 0);

// Wraps a provider and remembers whether it failed, so the CLI can tell a model failure
// (exit status 4) from other errors.
class FailureTrackingProvider : public llm::Provider {
 public:
  explicit FailureTrackingProvider(std::unique_ptr<llm::Provider> inner)
      : inner_(std::move(inner)) {}
  Result<llm::ChatResponse> Complete(const llm::ChatRequest& request) override {
    auto result = inner_->Complete(request);
    if (!result.ok()) failed_ = true;
    return result;
  }
  std::string Describe() const override { return inner_->Describe(); }
  bool failed() const { return failed_; }

 private:
  std::unique_ptr<llm::Provider> inner_;
  bool failed_ = false;
};

}  // namespace l2mac::cli
