// How a run reaches its model: ModelOptions, the settings l2mac builds the provider from
// (an OpenAI-compatible server, Anthropic's API, or the replay of a recorded transcript),
// and the presets, named servers with their defaults.
//
// The library builds the provider itself, exactly as `l2mac run` does from its flags
// (docs/MODELS.md): a field left empty takes $L2MAC_BASE_URL or $L2MAC_MODEL, then the
// preset's default, then OpenAI's ($OPENAI_BASE_URL, gpt-4o). No configuration file is read.
//
// The API key is never passed in: it is read from the environment variable named by
// api_key_env (default: the preset's, else OPENAI_API_KEY) when the run starts, kept in
// memory only, and never stored, logged, or sent in an event or an error. What is stored
// with the run for resume names the variable, not its value.
//
// Threads: plain values. ModelPresets() may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace l2mac {

struct ModelOptions {
  std::string preset;       // "", or a ModelPresets() name: "ollama", "anthropic", "azure", ...
  std::string base_url;     // OpenAI-compatible endpoint ending in /v1; no credentials in it
  std::string model;        // the model's name
  std::string api_key_env;  // the variable holding the key
  std::string api_version;  // Azure OpenAI's api-version
  // A JSONL transcript (`l2mac transcript`) whose recorded replies are served in order
  // instead of calling a model: a run that needs no network, e.g. the shipped demo's.
  std::string replay;
  bool replay_strict = false;      // stop at the first request that differs from the recorded one
  bool stream = true;              // false: ask for whole replies
  std::string text_protocol;       // tool calls as text: "never", "auto" (when empty) or "always"
  std::optional<int> max_retries;  // retries after 429, 5xx, a dropped connection (default 6)
  std::optional<double> max_retry_wait_seconds;
  std::optional<double> connect_timeout_seconds;
  std::optional<double> first_byte_timeout_seconds;
  std::optional<double> idle_timeout_seconds;     // a silent stream is retried (default 120)
  std::optional<double> request_timeout_seconds;  // one call in all (default 600)
  std::optional<double> requests_per_minute;      // unset: unlimited, or what the server says
  std::optional<double> tokens_per_minute;
  std::optional<int> max_output_tokens;  // unset: min(4096, context_window / 4)
  std::optional<double> temperature;     // 0 to 2; unset: 0
  // A JSON object of fields added to every request body (the configuration's
  // model.extra_body), "" for none.
  std::string extra_body_json;
  // A tiktoken encoding file (e.g. o200k_base.tiktoken): contexts are counted exactly with
  // it instead of the fast estimate (`--tokenizer`, docs/MODELS.md). "" for the estimate.
  std::string tokenizer;
};

// A named server and its defaults.
struct ModelPreset {
  std::string name;
  std::string wire;           // "openai" or "anthropic"
  std::string base_url;       // empty: base_url must be given (Azure's deployment URL)
  std::string api_key_env;    // empty: a local server that needs no key
  std::string default_model;  // empty: model must be given
  std::string note;           // what it is, and what it needs
};

std::vector<ModelPreset> ModelPresets();

}  // namespace l2mac
