#include "cli/provider_setup.hpp"

#include <CLI/CLI.hpp>

#include "core/llm/prices.hpp"
#include "core/tiktoken_tokenizer.hpp"

namespace l2mac::cli {

using control_unit::kMaxOutputTokensLimit;

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
                  "the run's budget in US dollars (prices: built-in table or the config's "
                  "\"prices\"): no model call is made that could take the run past it; the "
                  "run stops cleanly there, and a resume with a higher value continues")
      ->check(CLI::Range(0.0, 1e9))
      ->group("Limits");
  command
      .add_option("--max-tokens", flags.max_tokens,
                  "the run's budget in tokens (prompt + completion): no model call is made "
                  "that could take the run past it (its prompt plus its output limit); the run "
                  "stops cleanly there, and a resume with a higher value continues")
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

void AddProviderOptions(CLI::App& command, ProviderFlags& flags, bool model_name_option) {
  std::string preset_help = "a named server with its defaults: " + PresetNames();
  command.add_option("--preset", flags.preset, preset_help)->group("Model");
  command
      .add_option("--base-url", flags.base_url,
                  "OpenAI-compatible endpoint ending in /v1 (default: $L2MAC_BASE_URL, else "
                  "the config's, else the preset's, else $OPENAI_BASE_URL or OpenAI's); e.g. "
                  "http://localhost:11434/v1 for Ollama")
      ->group("Model");
  if (model_name_option) {
    command
        .add_option("--model", flags.model,
                    "model name (default $L2MAC_MODEL, else the config's, else the preset's, "
                    "else gpt-4o)")
        ->group("Model");
  }
  command
      .add_option("--api-key-env", flags.api_key_env,
                  "environment variable holding the API key (default: the preset's, else "
                  "OPENAI_API_KEY); it must be set when named here. With neither --preset nor "
                  "a base URL, ANTHROPIC_API_KEY alone selects --preset anthropic")
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
      .add_option("--max-output-tokens", flags.max_output_tokens,
                  "most tokens a reply may have, reserved in every context (default: 4096, or "
                  "a quarter of --context-window when smaller; at most half the window); sent "
                  "as max_tokens, or max_completion_tokens for OpenAI's o-series and gpt-5")
      ->check(CLI::Range(1, kMaxOutputTokensLimit))
      ->group("Model");
  command
      .add_option("--temperature", flags.temperature,
                  "sampling temperature, 0 to 2 (default 0); refused for models that take "
                  "none (OpenAI's o-series and gpt-5)")
      ->check(CLI::Range(0.0, 2.0))
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

std::string HowToConfigureProvider() {
  return "no model is configured. Choose one:\n"
         "  OpenAI:              export OPENAI_API_KEY=sk-...   (optionally --model gpt-4o)\n"
         "  Anthropic:           export ANTHROPIC_API_KEY=...   (or --preset anthropic)\n"
         "  A local server:      --preset ollama --model llama3.1\n"
         "                       (presets: " +
         PresetNames() +
         ";\n"
         "                       or --base-url (or $L2MAC_BASE_URL) http://host:port/v1 for\n"
         "                       any OpenAI-compatible server; a key, if it needs one, goes\n"
         "                       in the variable named by --api-key-env)\n"
         "  Offline replay:      --replay TRANSCRIPT.jsonl   (a recorded run; see `l2mac "
         "transcript`)\n";
}

}  // namespace l2mac::cli
