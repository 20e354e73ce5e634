#include "cli/commands.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <variant>

#include "cli/config_sections.hpp"
#include "cli/event_printer.hpp"
#include "cli/exit_codes.hpp"
#include "cli/gate_config.hpp"
#include "cli/input_files.hpp"
#include "cli/interrupt.hpp"
#include "cli/live_view.hpp"
#include "cli/run_setup.hpp"
#include "control_unit/git_branch_export.hpp"
#include "control_unit/jsonl_event_sink.hpp"
#include "control_unit/runner.hpp"
#include "control_unit/workspace.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"

namespace l2mac::cli {
namespace {

// A provider that cannot be built failed on the user's input (a missing or malformed
// replay file, a bad URL), never on the model or the output folder.
Status InputError(const Status& status) {
  return Status(StatusCode::kInvalidArgument, status.message());
}

int Fail(const Status& status, bool model_failed = false) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return ExitCodeFor(status, model_failed);
}

// After `status` stopped a run or its start: what the output folder holds decides what to
// say, so that no one is told to resume a run that does not exist or cannot be read.
int ReportStop(const Status& status, bool model_failed, const std::string& out) {
  if (status.code() == StatusCode::kCancelled) {
    // Asked for, so not an error; the handler already said what happens.
    if (control_unit::InspectFolder(out) == control_unit::FolderState::kNoRun) {
      std::cerr << "l2mac: interrupted before the run was created\n";
    } else {
      std::cerr << "l2mac: interrupted: l2mac resume " << out << " continues\n";
    }
    return kExitInterrupted;
  }
  const int code = Fail(status, model_failed);
  // A refused folder (6) or input (3) is explained by its own message.
  if (code == kExitWorkspace || code == kExitBadInput) return code;
  switch (control_unit::InspectFolder(out)) {
    case control_unit::FolderState::kNoRun:
    case control_unit::FolderState::kUnreadable:
      break;
    case control_unit::FolderState::kNothingDone:
      std::cerr << "l2mac: nothing was recorded in " << out
                << " yet: correct the command and run it again (it starts over), or continue "
                   "with `l2mac resume "
                << out << "` and the corrected flags\n";
      break;
    case control_unit::FolderState::kHoldsWork:
      std::cerr << "l2mac: what was committed is kept in " << out << ", and `l2mac resume " << out
                << "` continues the run (flags given to resume, e.g. --base-url, replace the "
                   "stored ones)\n";
      break;
  }
  return code;
}

// A model setting that cannot work (an unset key variable, a temperature the model
// refuses): exit status 2, before anything is created.
int UsageError(const Status& status) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return kExitUsage;
}

// --git-branch refused before the run starts (exit status 9), with what to do.
int CheckGitBranchOrFail(const std::string& out, const std::string& branch) {
  if (branch.empty()) return kExitOk;
  Status checked = control_unit::CheckGitBranchForFolder(out, branch);
  if (checked.ok()) return kExitOk;
  std::cerr << "l2mac: error: " << checked.message() << "\n";
  return kExitGit;
}

// Where a run's events go: progress lines on stderr (under a live status area when stderr
// is a terminal), and with --json every event as a line of JSON on stdout.
class RunEventSinks {
 public:
  RunEventSinks(const std::string& out, bool json, bool no_progress)
      : progress_(out), jsonl_(std::cout) {
    if (LiveViewWanted(no_progress)) {
      live_ = std::make_unique<LiveView>(STDERR_FILENO, ColorWanted(), &progress_);
      // Every log line goes through the view, so none lands inside its status area.
      auto logger = spdlog::default_logger();
      previous_sinks_ = logger->sinks();
      auto sink = live_->MakeLogSink();
      sink->set_pattern("l2mac: %v");
      logger->sinks() = {sink};
    }
    fan_out_ = std::make_unique<FanOutSink>(std::vector<control_unit::EventSink*>{
        live_ ? static_cast<control_unit::EventSink*>(live_.get()) : &progress_,
        json ? &jsonl_ : nullptr});
  }
  ~RunEventSinks() {
    if (live_) spdlog::default_logger()->sinks() = previous_sinks_;
  }
  RunEventSinks(const RunEventSinks&) = delete;
  RunEventSinks& operator=(const RunEventSinks&) = delete;
  control_unit::EventSink* sink() { return fan_out_.get(); }
  void WatchCancel(const CancelToken* cancel) {
    if (live_) live_->WatchCancel(cancel);
  }

 private:
  ProgressLogSink progress_;
  control_unit::JsonlEventSink jsonl_;
  std::unique_ptr<LiveView> live_;
  std::vector<spdlog::sink_ptr> previous_sinks_;
  std::unique_ptr<FanOutSink> fan_out_;
};

// `judge` (may be null) is the --judge-model provider: a failure of either model is a
// model failure.
int FinishRun(const Result<control_unit::RunReport>& result,
              const FailureTrackingProvider& provider, const FailureTrackingProvider* judge,
              const std::string& out) {
  const bool model_failed = provider.failed() || (judge != nullptr && judge->failed());
  if (!result.ok()) return ReportStop(result.status(), model_failed, out);
  const auto& report = *result;
  spdlog::info("{} of {} committed ({} failed, {} skipped); {} in {}", report.committed,
               Plural(report.instructions, "instruction"), report.failed, report.skipped,
               Plural(report.files, "file"), out);
  spdlog::info(
      "{}, {} prompt ({} cached) + {} completion tokens, ${:.4f}; {} fixed or "
      "reported; {}",
      Plural(report.model_calls, "model call"), report.prompt_tokens, report.cached_tokens,
      report.completion_tokens, static_cast<double>(report.cost_microusd) / 1e6,
      Plural(report.gate_failures, "failed check"),
      Plural(report.context_restarts, "context restart"));
  for (const auto& path : report.kept_user_edits) {
    spdlog::warn("kept your edit of {} (not overwritten)", path);
  }
  if (!report.preexisting_failures.empty()) {
    constexpr size_t kNamed = 20;  // then "and N more"
    std::string ids;
    for (size_t i = 0; i < report.preexisting_failures.size() && i < kNamed; ++i) {
      ids += (ids.empty() ? "" : ", ") + report.preexisting_failures[i];
    }
    if (report.preexisting_failures.size() > kNamed) {
      ids += fmt::format(" and {} more", report.preexisting_failures.size() - kNamed);
    }
    spdlog::warn(
        "pre-existing test failures (they already failed before this run, which is "
        "not blamed for them): {}",
        ids);
  }
  if (report.outcome == control_unit::RunOutcome::kBudgetReached) {
    const bool by_cost = report.budget_stop.rfind("--max-cost", 0) == 0;
    std::cerr << "l2mac: error: stopped at the budget (" << report.budget_stop
              << "); what was committed is kept, and `l2mac resume " << out << " "
              << (by_cost ? "--max-cost" : "--max-tokens") << " N` with a higher N continues\n";
    return kExitIncomplete;
  }
  if (report.judge_rounds > 0) {
    spdlog::info("Features {:.1f}% by the judge after {}", report.features_pct,
                 Plural(report.judge_rounds, "round"));
  }
  if (report.outcome == control_unit::RunOutcome::kRequirementsUnmet &&
      report.unmet_requirements.empty() && !report.inconsistencies.empty()) {
    std::cerr << "l2mac: error: every requirement is met, but the judge found "
              << Plural(static_cast<int64_t>(report.inconsistencies.size()), "inconsistency",
                        "inconsistencies")
              << " between chapters, first: " << TruncateUtf8(report.inconsistencies.front(), 300)
              << "; `l2mac status " << out << "` lists them with their places, and `l2mac resume "
              << out << " --max-rounds N` with a higher N gives them more rounds\n";
    return kExitIncomplete;
  }
  if (report.outcome == control_unit::RunOutcome::kRequirementsUnmet) {
    std::string unmet;
    for (const auto& id : report.unmet_requirements) unmet += (unmet.empty() ? "" : ", ") + id;
    std::cerr << "l2mac: error: every instruction committed, but the judge found "
              << Plural(static_cast<int64_t>(report.unmet_requirements.size()), "requirement")
              << " unmet: " << unmet << " (Features " << fmt::format("{:.1f}", report.features_pct)
              << "%)"
              << (report.inconsistencies.empty()
                      ? std::string()
                      : " and " +
                            Plural(static_cast<int64_t>(report.inconsistencies.size()),
                                   "inconsistency", "inconsistencies") +
                            " between chapters")
              << "; `l2mac status " << out << "` shows its evidence, and `l2mac resume " << out
              << " --max-rounds N` with a higher N gives them more rounds\n";
    return kExitIncomplete;
  }
  if (report.outcome == control_unit::RunOutcome::kCompleted) return kExitOk;
  std::cerr << "l2mac: error: the run is incomplete: "
            << Plural(report.instructions - report.committed, "instruction") << " of "
            << report.instructions << " did not commit; `l2mac resume " << out
            << "` retries them (e.g. with a higher --max-attempts), `l2mac status " << out
            << "` shows each one\n";
  for (const auto& problem : report.problems) {
    std::cerr << "l2mac: instruction " << problem.id << " " << problem.status << ": "
              << problem.failure << "\n";
  }
  return kExitIncomplete;
}

}  // namespace

int RunCommand(const RunFlags& flags, const Config& config) {
  auto prepared = PrepareRun(flags, config);
  if (std::holds_alternative<int>(prepared)) return std::get<int>(prepared);
  PreparedRun& run = std::get<PreparedRun>(prepared);
  auto git_branch = GitBranchFromConfig(config);
  if (!git_branch.ok()) return Fail(git_branch.status());
  run.options.git_branch = !flags.git_branch.empty() ? flags.git_branch : *git_branch;
  if (int refused = CheckGitBranchOrFail(flags.out, run.options.git_branch); refused != kExitOk) {
    return refused;
  }
  // Declared first so it outlives the live view that watches its token.
  InterruptHandler interrupt(/*announce=*/!LiveViewWanted(flags.no_progress));
  RunEventSinks sinks(flags.out, flags.json, flags.no_progress);
  sinks.WatchCancel(&interrupt.token());
  run.options.events = sinks.sink();
  run.options.cancel = &interrupt.token();
  auto result = control_unit::StartRun(run.options, *run.provider);
  return FinishRun(result, *run.provider, run.judge_provider.get(), flags.out);
}

int ResumeCommand(const ResumeFlags& flags, const Config& config) {
  auto stored = control_unit::ReadStoredOptions(flags.out);
  if (!stored.ok()) return Fail(stored.status());
  // A resume keeps exporting to the branch the run was started with.
  const auto stored_branch = stored->find("git_branch");
  if (stored_branch != stored->end() && stored_branch->is_string()) {
    if (int refused = CheckGitBranchOrFail(flags.out, stored_branch->get<std::string>());
        refused != kExitOk) {
      return refused;
    }
  }
  ProviderFlags provider_flags = flags.provider;
  provider_flags.MakePathsAbsolute();
  if (stored->contains("provider")) provider_flags.MergeStored((*stored)["provider"]);
  provider_flags.ApplyEnvironment();
  if (Status applied = provider_flags.ApplyConfig(config); !applied.ok()) return Fail(applied);
  provider_flags.MakePathsAbsolute();  // a configured --tokenizer path
  if (Status url = CheckBaseUrl(provider_flags.base_url); !url.ok()) return Fail(url);
  if (Status usable = provider_flags.CheckModelSettings(); !usable.ok()) {
    return UsageError(usable);
  }
  if (!provider_flags.Configured()) {
    std::cerr << "l2mac: error: " << HowToConfigureProvider();
    return kExitUsage;
  }
  auto token_counter = LoadTokenCounter(provider_flags);
  if (!token_counter.ok()) return Fail(InputError(token_counter.status()));
  size_t skip = 0;
  if (!provider_flags.replay.empty()) {
    auto recorded = control_unit::CountRecordedExchanges(flags.out);
    if (!recorded.ok()) return Fail(recorded.status());
    skip = static_cast<size_t>(*recorded);
  }
  auto made = MakeProvider(provider_flags, skip, *token_counter);
  if (!made.ok()) return Fail(InputError(made.status()));
  FailureTrackingProvider provider(std::move(made).value());

  nlohmann::json overrides = nlohmann::json::object();
  if (flags.context_window) overrides["context_window"] = *flags.context_window;
  if (flags.max_context_restarts) overrides["max_context_restarts"] = *flags.max_context_restarts;
  if (flags.max_attempts) overrides["max_gate_failures"] = *flags.max_attempts;
  if (flags.max_turns) overrides["max_turns"] = *flags.max_turns;
  if (flags.check_timeout_seconds) {
    overrides["check_timeout_ms"] = static_cast<int64_t>(*flags.check_timeout_seconds * 1000);
  }
  overrides["provider"] = provider_flags.ToSettings();
  if (provider_flags.max_output_tokens) {
    overrides["max_output_tokens"] = *provider_flags.max_output_tokens;
  }
  if (provider_flags.temperature) overrides["temperature"] = *provider_flags.temperature;
  BudgetFlags budget = flags.budget;
  if (Status applied = budget.ApplyConfig(config); !applied.ok()) return Fail(applied);
  if (budget.max_cost_usd) overrides["max_cost_usd"] = *budget.max_cost_usd;
  if (budget.max_tokens) overrides["max_tokens"] = *budget.max_tokens;
  auto file_limit = FileLimitFromConfig(config);
  if (!file_limit.ok()) return Fail(file_limit.status());
  if (flags.max_file_bytes) {
    overrides["max_file_bytes"] = *flags.max_file_bytes;
  } else if (*file_limit) {
    overrides["max_file_bytes"] = **file_limit;
  }
  auto calibrate = CalibrationFromConfig(config);
  if (!calibrate.ok()) return Fail(calibrate.status());
  if (flags.calibrate_tokens || *calibrate) overrides["calibrate_tokens"] = true;
  if (flags.no_judge) overrides["judge"] = false;
  if (flags.max_rounds) overrides["max_rounds"] = *flags.max_rounds;
  if (flags.no_analysis) overrides["analysis"] = false;
  auto parallel = ParallelFromConfig(config);
  if (!parallel.ok()) return Fail(parallel.status());
  if (flags.parallel) {
    overrides["parallel"] = *flags.parallel;
  } else if (*parallel) {
    overrides["parallel"] = **parallel;
  }
  auto prices = PriceOverrides(config);
  if (!prices.ok()) return Fail(prices.status());
  if (!prices->empty()) overrides["prices"] = *prices;
  if (provider_flags.replay.empty() || !provider_flags.model.empty()) {
    overrides["priced_model"] = provider_flags.ModelName();
  }
  spdlog::info("model: {}", provider.Describe());
  auto gate = GateSetupFromConfig(config);
  if (!gate.ok()) return Fail(gate.status());
  InterruptHandler interrupt(/*announce=*/!LiveViewWanted(flags.no_progress));
  RunEventSinks sinks(flags.out, flags.json, flags.no_progress);
  sinks.WatchCancel(&interrupt.token());
  auto judge_provider =
      MakeJudgeProvider(provider_flags, stored->value("judge_model", std::string()));
  if (!judge_provider.ok()) return Fail(InputError(judge_provider.status()));
  auto result = control_unit::ResumeRun(flags.out, provider, overrides, std::move(gate).value(),
                                        sinks.sink(), &interrupt.token(), judge_provider->get(),
                                        std::move(token_counter).value());
  return FinishRun(result, provider, judge_provider->get(), flags.out);
}

int TranscriptCommand(const std::string& out) {
  auto workspace = control_unit::Workspace::Open(out, control_unit::OpenMode::kReadOnlyView);
  if (!workspace.ok()) return Fail(workspace.status());
  Status status = (*workspace)->exchanges().WriteTranscript(std::cout);
  if (!status.ok()) return Fail(status);
  std::cout.flush();
  return kExitOk;
}

}  // namespace l2mac::cli
