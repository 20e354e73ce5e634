// Run (include/l2mac/run.hpp): checks and builds everything a run needs on the caller's
// thread, then runs StartRun or ResumeRun on a thread of its own.
#include "l2mac/run.hpp"

#include <condition_variable>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "agents/domain.hpp"
#include "api/event_forwarder.hpp"
#include "api/model_settings.hpp"
#include "control_unit/provider_settings.hpp"
#include "control_unit/run_options.hpp"
#include "control_unit/runner.hpp"
#include "core/cancel_token.hpp"
#include "core/config.hpp"
#include "core/status.hpp"

namespace l2mac {

struct Run::Impl {
  std::string out_dir;
  std::string model;  // the provider's Describe()
  // Owned for the run: the providers, the options that borrow them, the cancel token and
  // the sink the options point at.
  std::unique_ptr<llm::Provider> provider;
  std::unique_ptr<llm::Provider> judge_provider;
  std::shared_ptr<const TokenCounter> token_counter;  // a resume's (a start's is in its options)
  CancelToken cancel;
  std::unique_ptr<api::EventForwarder> events;
  // What the thread runs: StartRun or ResumeRun over the members above.
  std::function<Result<control_unit::RunReport>()> body;
  std::thread thread;

  mutable std::mutex mu;
  std::condition_variable ended;
  std::optional<Result<RunResult>> result;  // set once, under mu, when the run has ended
};

namespace {

RunResult PublicResult(const control_unit::RunReport& report) {
  RunResult result;
  result.outcome = report.outcome;  // one enum (control_unit/run_status.hpp)
  result.instructions = report.instructions;
  result.committed = report.committed;
  result.failed = report.failed;
  result.skipped = report.skipped;
  result.context_restarts = report.context_restarts;
  result.model_calls = report.model_calls;
  result.prompt_tokens = report.prompt_tokens;
  result.completion_tokens = report.completion_tokens;
  result.cost_microusd = report.cost_microusd;
  result.files = report.files;
  result.budget_stop = report.budget_stop;
  for (const auto& problem : report.problems) {
    result.problems.push_back(problem.id + ": " + problem.status +
                              (problem.failure.empty() ? "" : ": " + problem.failure));
  }
  if (report.judge_rounds > 0) result.features_pct = report.features_pct;
  result.unmet_requirements = report.unmet_requirements;
  return result;
}

// The thread's body: runs the run, then publishes how it ended.
void RunToEnd(Run::Impl& impl) {
  std::optional<Result<RunResult>> result;
  try {
    Result<control_unit::RunReport> report = impl.body();
    if (report.ok()) {
      result.emplace(PublicResult(*report));
    } else {
      result.emplace(report.status());
    }
  } catch (const std::exception& e) {
    // The library reports failures as Status; this is the boundary for anything else.
    result.emplace(Status::Internal(std::string("the run ended with an exception: ") + e.what()));
  }
  if (impl.events->failure()) {
    result.emplace(Status::Internal("the event callback threw (" + *impl.events->failure() +
                                    "), so the run was cancelled; Run::Resume continues it"));
  }
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    impl.result = std::move(result);
  }
  impl.ended.notify_all();
}

std::string Absolute(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
  return ec ? dir : absolute.string();
}

}  // namespace

Result<std::unique_ptr<Run>> Run::Start(const Options& options, EventCallback on_event) {
  if (options.out_dir.empty()) {
    return Status::InvalidArgument("Options::out_dir is empty: name the output folder");
  }
  if (options.task.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("Options::task is empty: describe what to build");
  }
  auto impl = std::make_unique<Impl>();
  impl->out_dir = Absolute(options.out_dir);
  auto run_options = std::make_shared<control_unit::RunOptions>();
  control_unit::RunOptions& run = *run_options;
  run.out_dir = impl->out_dir;
  run.task = options.task;
  run.task_source = options.task_source;
  L2MAC_ASSIGN_OR_RETURN(run.domain, agents::ParseDomain(options.domain));
  if (run.domain == agents::Domain::kCustom && options.prompts_dir.empty()) {
    return Status::InvalidArgument(
        "Options::domain \"custom\" needs Options::prompts_dir, a folder with planner.md and "
        "worker.md");
  }
  if (!options.prompts_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(options.prompts_dir, ec)) {
      return Status::InvalidArgument("Options::prompts_dir '" + options.prompts_dir +
                                     "' does not exist or is not a folder");
    }
    run.prompts_dir = std::filesystem::absolute(options.prompts_dir, ec);
  }
  if (options.context_window < 1000) {
    return Status::InvalidArgument("Options::context_window must be at least 1000 tokens");
  }
  if (!(options.check_timeout_seconds > 0 && options.check_timeout_seconds <= 86400)) {
    return Status::InvalidArgument("Options::check_timeout_seconds must be above 0, at most 86400");
  }
  run.context_window = options.context_window;
  run.max_context_restarts = options.max_context_restarts;
  run.max_gate_failures = options.max_attempts;
  run.max_turns = options.max_turns;
  run.check_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(options.check_timeout_seconds * 1000));
  run.max_file_bytes = options.max_file_bytes;
  run.max_cost_usd = options.max_cost_usd;
  run.max_tokens = options.max_tokens;
  run.judge = options.judge;
  run.max_rounds = options.max_rounds;
  run.judge_model = options.judge_model;
  run.analysis = options.analysis;
  run.parallel = options.parallel;
  L2MAC_RETURN_IF_ERROR(control_unit::ValidateLimits(run));

  L2MAC_ASSIGN_OR_RETURN(control_unit::ProviderSettings settings,
                         api::ToProviderSettings(options.model));
  // As `l2mac run` without a configuration file: the environment, the default preset,
  // absolute paths.
  L2MAC_RETURN_IF_ERROR(settings.ResolveForNewRun(Config()));
  L2MAC_RETURN_IF_ERROR(api::CheckUsable(settings));
  run.provider_settings = settings.ToSettings();
  run.max_output_tokens = settings.max_output_tokens.value_or(0);
  run.temperature = settings.temperature.value_or(0.0);
  // A replay is priced only when the model it recorded is named.
  run.priced_model = settings.replay.empty() || !settings.model.empty() ? settings.ModelName() : "";
  L2MAC_ASSIGN_OR_RETURN(run.token_counter, control_unit::LoadTokenCounter(settings));
  L2MAC_ASSIGN_OR_RETURN(impl->provider,
                         control_unit::MakeProvider(settings, 0, run.token_counter));
  L2MAC_ASSIGN_OR_RETURN(impl->judge_provider,
                         control_unit::MakeJudgeModelProvider(settings, run.judge_model));
  impl->model = impl->provider->Describe();

  impl->events =
      std::make_unique<api::EventForwarder>(std::move(on_event), options.text_deltas, impl->cancel);
  run.judge_provider = impl->judge_provider.get();
  run.cancel = &impl->cancel;
  run.events = impl->events.get();
  Impl* raw = impl.get();
  impl->body = [raw, run_options] { return control_unit::StartRun(*run_options, *raw->provider); };
  return Launch(std::move(impl));
}

Result<std::unique_ptr<Run>> Run::Resume(const std::string& out_dir, const ResumeOptions& options,
                                         EventCallback on_event) {
  if (out_dir.empty()) return Status::InvalidArgument("the output folder to resume is empty");
  auto impl = std::make_unique<Impl>();
  impl->out_dir = Absolute(out_dir);
  L2MAC_ASSIGN_OR_RETURN(nlohmann::json stored, control_unit::ReadStoredOptions(impl->out_dir));

  // The model settings given now win field by field over the stored ones, as `resume`'s.
  L2MAC_ASSIGN_OR_RETURN(control_unit::ProviderSettings settings,
                         api::ToProviderSettings(options.model));
  settings.MakePathsAbsolute();
  if (stored.contains("provider")) settings.MergeStored(stored["provider"]);
  settings.ApplyEnvironment();
  L2MAC_RETURN_IF_ERROR(api::CheckUsable(settings));
  size_t replay_skip = 0;
  if (!settings.replay.empty()) {
    L2MAC_ASSIGN_OR_RETURN(int64_t recorded, control_unit::CountRecordedExchanges(impl->out_dir));
    replay_skip = static_cast<size_t>(recorded);
  }
  L2MAC_ASSIGN_OR_RETURN(impl->token_counter, control_unit::LoadTokenCounter(settings));
  L2MAC_ASSIGN_OR_RETURN(impl->provider,
                         control_unit::MakeProvider(settings, replay_skip, impl->token_counter));
  L2MAC_ASSIGN_OR_RETURN(
      impl->judge_provider,
      control_unit::MakeJudgeModelProvider(settings, stored.value("judge_model", std::string())));
  impl->model = impl->provider->Describe();

  nlohmann::json overrides = nlohmann::json::object();
  overrides["provider"] = settings.ToSettings();
  if (options.context_window) {
    if (*options.context_window < 1000) {
      return Status::InvalidArgument("ResumeOptions::context_window must be at least 1000 tokens");
    }
    overrides["context_window"] = *options.context_window;
  }
  if (options.max_context_restarts)
    overrides["max_context_restarts"] = *options.max_context_restarts;
  if (options.max_attempts) overrides["max_gate_failures"] = *options.max_attempts;
  if (options.max_turns) overrides["max_turns"] = *options.max_turns;
  if (options.max_cost_usd) overrides["max_cost_usd"] = *options.max_cost_usd;
  if (options.max_tokens) overrides["max_tokens"] = *options.max_tokens;
  if (options.parallel) overrides["parallel"] = *options.parallel;
  if (settings.max_output_tokens) overrides["max_output_tokens"] = *settings.max_output_tokens;
  if (settings.temperature) overrides["temperature"] = *settings.temperature;
  if (settings.replay.empty() || !settings.model.empty()) {
    overrides["priced_model"] = settings.ModelName();
  }

  impl->events =
      std::make_unique<api::EventForwarder>(std::move(on_event), options.text_deltas, impl->cancel);
  Impl* raw = impl.get();
  impl->body = [raw, overrides = std::move(overrides)] {
    return control_unit::ResumeRun(raw->out_dir, *raw->provider, overrides,
                                   control_unit::GateSetup{}, raw->events.get(), &raw->cancel,
                                   raw->judge_provider.get(), raw->token_counter);
  };
  return Launch(std::move(impl));
}

Run::Run(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Run> Run::Launch(std::unique_ptr<Impl> impl) {
  // The Run owns the Impl before the thread exists, so nothing can drop a running thread.
  std::unique_ptr<Run> run(new Run(std::move(impl)));
  run->impl_->thread = std::thread(RunToEnd, std::ref(*run->impl_));
  return run;
}

Run::~Run() {
  if (impl_ == nullptr) return;
  impl_->cancel.Cancel();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void Run::Cancel() { impl_->cancel.Cancel(); }

Result<RunResult> Run::Wait() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->ended.wait(lock, [&] { return impl_->result.has_value(); });
  return *impl_->result;
}

bool Run::Finished() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->result.has_value();
}

const std::string& Run::out_dir() const { return impl_->out_dir; }
const std::string& Run::model() const { return impl_->model; }

}  // namespace l2mac
