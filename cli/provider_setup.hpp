// Builds the model provider from command-line flags and the environment.
//
// The API key is read from the environment variable named by --api-key-env (default
// OPENAI_API_KEY) and lives only in memory: it is never stored with the run, logged or
// printed. What is stored for resume is ProviderFlags::ToSettings(), which names the
// variable, not its value.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/llm/provider.hpp"
#include "core/status.hpp"

namespace l2mac::cli {

struct ProviderFlags {
  std::string base_url;  // empty: $OPENAI_BASE_URL, else OpenAI's
  std::string model;     // empty: $L2MAC_MODEL, else "gpt-4o"
  std::string api_key_env = "OPENAI_API_KEY";
  std::string replay;  // a transcript to replay instead of calling a model
  int max_retries = 6;

  nlohmann::json ToSettings() const;
  // Fills fields that are still unset from stored settings (flags given now win).
  void MergeStored(const nlohmann::json& settings);
  // True when a replay file, a base URL or an API key in the environment is available.
  bool Configured() const;
  // Makes a relative --replay path absolute, so that a stored run resumes from anywhere.
  void MakePathsAbsolute();
};

// Refuses a base URL with credentials in it ("http://user:secret@host"): they would be
// stored with the run. The key belongs in the variable named by --api-key-env.
Status CheckBaseUrl(const std::string& base_url);

// The text printed when no model is configured: how to set up OpenAI, an
// OpenAI-compatible local server, or a replay.
std::string HowToConfigureProvider();

// `replay_skip` responses of a replay are consumed first (resuming a replayed run).
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
