#include "cli/run_setup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "cli/config_sections.hpp"
#include "cli/exit_codes.hpp"
#include "cli/gate_config.hpp"
#include "cli/input_files.hpp"
#include "cli/user_config.hpp"
#include "control_unit/runner.hpp"
#include "registry/program.hpp"

namespace l2mac::cli {
namespace {

constexpr size_t kMaxSpecBytes = 1 << 20;

// A provider that cannot be built failed on the user's input (a missing or malformed
// replay file, a bad URL), never on the model or the output folder.
Status InputError(const Status& status) {
  return Status(StatusCode::kInvalidArgument, status.message());
}

int Fail(const Status& status) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return ExitCodeFor(status, /*model_failed=*/false);
}

// A model setting that cannot work (an unset key variable, a temperature the model
// refuses): exit status 2, before anything is created.
int UsageError(const Status& status) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return kExitUsage;
}

}  // namespace

Result<std::unique_ptr<FailureTrackingProvider>> MakeJudgeProvider(const ProviderFlags& workers,
                                                                   const std::string& model) {
  L2MAC_ASSIGN_OR_RETURN(auto made, control_unit::MakeJudgeModelProvider(workers, model));
  if (made == nullptr) return std::unique_ptr<FailureTrackingProvider>();
  spdlog::info("judge model: {}", made->Describe());
  return std::make_unique<FailureTrackingProvider>(std::move(made));
}

std::variant<int, PreparedRun> PrepareRun(const RunFlags& flags, const Config& config,
                                          std::optional<uint64_t> seed) {
  PreparedRun prepared;
  control_unit::RunOptions& options = prepared.options;
  if (!flags.spec.empty() && !flags.task_text.empty()) {
    std::cerr << "l2mac: error: give either a SPEC file or --task, not both\n";
    return kExitUsage;
  }
  if (!flags.spec.empty()) {
    auto text = ReadUserTextFile(flags.spec, "spec", kMaxSpecBytes);
    if (!text.ok()) return Fail(text.status());
    options.task = *text;
    options.task_source = flags.spec;
  } else if (!flags.task_text.empty()) {
    options.task = flags.task_text;
    options.task_source = "--task";
  } else {
    std::cerr << "l2mac: error: nothing to do: give a SPEC file or --task \"...\"\n";
    return kExitUsage;
  }
  if (options.task.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Fail(Status::InvalidArgument("the spec is empty: describe the task in it"));
  }
  auto domain = agents::ParseDomain(flags.domain);
  if (!domain.ok()) return Fail(domain.status());
  options.domain = *domain;
  if (options.domain == agents::Domain::kCustom && flags.prompts.empty()) {
    std::cerr << "l2mac: error: --domain custom needs --prompts DIR, a folder with planner.md "
                 "and worker.md\n";
    return kExitUsage;
  }
  if (!flags.prompts.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(flags.prompts, ec)) {
      return Fail(Status::InvalidArgument("the --prompts folder '" + flags.prompts +
                                          "' does not exist or is not a folder"));
    }
    // Stored with the run, so it must not depend on where resume is started from.
    options.prompts_dir = std::filesystem::absolute(flags.prompts, ec);
  }
  if (flags.out.empty()) {
    std::cerr << "l2mac: error: --out is empty: name the output folder\n";
    return kExitUsage;
  }
  if (!flags.program.empty()) {
    auto text = ReadUserTextFile(flags.program, "prompt program", kMaxSpecBytes);
    if (!text.ok()) return Fail(text.status());
    auto program = registry::ParseProgramText(*text, flags.program);
    if (!program.ok()) return Fail(program.status());
    options.program = std::move(program).value();
  }
  if (flags.context_window < 1000) {
    return Fail(Status::InvalidArgument("--context-window must be at least 1000 tokens"));
  }
  options.out_dir = flags.out;
  options.context_window = flags.context_window;
  options.max_context_restarts = flags.max_context_restarts;
  options.max_gate_failures = flags.max_attempts;
  options.max_turns = flags.max_turns;
  options.check_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.check_timeout_seconds * 1000));
  ProviderFlags provider_flags = flags.provider;
  if (Status applied = provider_flags.ResolveForNewRun(config); !applied.ok()) {
    return Fail(applied);
  }
  if (Status url = CheckBaseUrl(provider_flags.base_url); !url.ok()) return Fail(url);
  if (seed && provider_flags.replay.empty()) {
    auto server = ChooseServer(provider_flags);
    if (server.ok() && !server->anthropic) {
      if (!provider_flags.extra_body.is_object())
        provider_flags.extra_body = nlohmann::json::object();
      provider_flags.extra_body["seed"] = *seed;
      prepared.seed_sent = true;
    }
  }
  if (Status usable = provider_flags.CheckModelSettings(); !usable.ok()) {
    return UsageError(usable);
  }
  options.provider_settings = provider_flags.ToSettings();
  options.max_output_tokens = provider_flags.max_output_tokens.value_or(0);
  options.temperature = provider_flags.temperature.value_or(0.0);
  auto gate = GateSetupFromConfig(config);
  if (!gate.ok()) return Fail(gate.status());
  options.gate = std::move(gate).value();
  BudgetFlags budget = flags.budget;
  if (Status applied = budget.ApplyConfig(config); !applied.ok()) return Fail(applied);
  options.max_cost_usd = budget.max_cost_usd.value_or(0);
  options.max_tokens = budget.max_tokens.value_or(0);
  auto file_limit = FileLimitFromConfig(config);
  if (!file_limit.ok()) return Fail(file_limit.status());
  if (flags.max_file_bytes) {
    options.max_file_bytes = *flags.max_file_bytes;
  } else if (*file_limit) {
    options.max_file_bytes = **file_limit;
  }
  auto calibrate = CalibrationFromConfig(config);
  if (!calibrate.ok()) return Fail(calibrate.status());
  options.calibrate_tokens = flags.calibrate_tokens || *calibrate;
  auto judge = JudgeFromConfig(config);
  if (!judge.ok()) return Fail(judge.status());
  options.judge = !flags.no_judge && judge->enabled.value_or(true);
  options.max_rounds = flags.max_rounds.value_or(judge->max_rounds.value_or(2));
  options.judge_model = !flags.judge_model.empty() ? flags.judge_model : judge->model.value_or("");
  auto analysis = AnalysisFromConfig(config);
  if (!analysis.ok()) return Fail(analysis.status());
  options.analysis = !flags.no_analysis && *analysis;
  auto parallel = ParallelFromConfig(config);
  if (!parallel.ok()) return Fail(parallel.status());
  options.parallel = flags.parallel.value_or(parallel->value_or(1));
  auto prices = PriceOverrides(config);
  if (!prices.ok()) return Fail(prices.status());
  options.prices = *prices;
  // A replay is priced only when the model it recorded is named.
  options.priced_model = provider_flags.replay.empty() || !provider_flags.model.empty()
                             ? provider_flags.ModelName()
                             : "";

  if (!provider_flags.Configured()) {
    std::cerr << "l2mac: error: " << HowToConfigureProvider();
    return kExitUsage;
  }
  auto token_counter = LoadTokenCounter(provider_flags);
  if (!token_counter.ok()) return Fail(InputError(token_counter.status()));
  options.token_counter = std::move(token_counter).value();
  auto made = MakeProvider(provider_flags, 0, options.token_counter);
  if (!made.ok()) return Fail(InputError(made.status()));
  prepared.provider = std::make_unique<FailureTrackingProvider>(std::move(made).value());
  spdlog::info("model: {}", prepared.provider->Describe());
  auto judge_provider = MakeJudgeProvider(provider_flags, options.judge_model);
  if (!judge_provider.ok()) return Fail(InputError(judge_provider.status()));
  prepared.judge_provider = std::move(judge_provider).value();
  options.judge_provider = prepared.judge_provider.get();
  prepared.provider_flags = std::move(provider_flags);
  return prepared;
}

}  // namespace l2mac::cli
