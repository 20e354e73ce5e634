// The command line's side of the model settings: the "Model" and budget options, the
// "budget" and "prices" configuration sections, the process-wide token counter
// (--tokenizer), the advice when no model is configured, and the provider wrapper that
// tells a model failure (exit status 4) from others. The settings themselves, the presets
// and the provider built from them belong to the library
// (control_unit/provider_settings.hpp, which has the precedence and the key's handling).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "control_unit/provider_settings.hpp"
#include "core/config.hpp"
#include "core/llm/provider.hpp"
#include "core/status.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace l2mac::cli {

// The model settings and the provider built from them live in the library
// (control_unit/provider_settings.hpp), shared with the public façade; the command line
// fills them from its flags and the configuration.
using ProviderFlags = control_unit::ProviderSettings;
using control_unit::CheckBaseUrl;
using control_unit::ChooseServer;
using control_unit::MakeProvider;
using control_unit::Preset;
using control_unit::PresetNames;
using control_unit::Presets;
using control_unit::ServerChoice;

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

// Registers the "Model" options (--preset, --base-url, --model, --no-stream, timeouts,
// rate limits, ...) on `command`. Without `model_name_option`, --model is left for the
// caller to register (doctor gives it an optional value).
void AddProviderOptions(CLI::App& command, ProviderFlags& flags, bool model_name_option = true);

// LoadTokenCounter (control_unit/provider_settings.hpp) loads the run's token counter.
using control_unit::LoadTokenCounter;

// The text printed when no model is configured: how to set up OpenAI, an
// OpenAI-compatible local server, or a replay.
std::string HowToConfigureProvider();

// Wraps a provider and remembers whether it failed, so the CLI can tell a model failure
// (exit status 4) from other errors. Complete() is as thread-safe as the inner provider's
// (parallel lanes call it at once); the flag is atomic.
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
  bool AnswersInCallOrder() const override { return inner_->AnswersInCallOrder(); }
  bool failed() const { return failed_.load(); }

 private:
  std::unique_ptr<llm::Provider> inner_;
  std::atomic<bool> failed_{false};
};

}  // namespace l2mac::cli
