#include "control_unit/runner.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "agents/planner.hpp"
#include "agents/prompt_set.hpp"
#include "agents/toolchains/gate.hpp"
#include "agents/toolchains/test_protection.hpp"
#include "agents/worker.hpp"
#include "control_unit/event_emitter.hpp"
#include "control_unit/event_payloads.hpp"
#include "control_unit/recording_gateway.hpp"
#include "control_unit/requirement_steps.hpp"
#include "control_unit/workspace.hpp"
#include "core/json_text.hpp"
#include "core/llm/prices.hpp"
#include "core/text.hpp"

namespace l2mac::control_unit {
namespace {

using registry::InstructionStatus;

// A temporary folder removed when the object goes out of scope.
class TempDir {
 public:
  // A fresh folder inside `parent` (created if needed).
  static Result<TempDir> Create(const std::filesystem::path& parent, const std::string& prefix) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    std::string pattern = (parent / (prefix + "XXXXXX")).string();
    if (ec || ::mkdtemp(pattern.data()) == nullptr) {
      return Status::IoError("cannot create a snapshot folder in " + parent.string() +
                             ": check that the output folder is writable and has free space");
    }
    return TempDir(pattern);
  }
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir(const TempDir&) = delete;
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

toolchains::GateDomain GateDomainFor(agents::Domain domain) {
  return domain == agents::Domain::kBook ? toolchains::GateDomain::kBook
                                         : toolchains::GateDomain::kCodebase;
}

class RunLoop {
 public:
  RunLoop(Workspace& workspace, llm::Provider& provider, RunOptions options, llm::PriceTable prices)
      : workspace_(workspace),
        gateway_(provider, workspace),
        options_(std::move(options)),
        model_(provider.Describe()) {
    gateway_.set_pricing(std::move(prices), options_.priced_model);
    gateway_.set_temperature(options_.temperature);
    gateway_.set_cancel(options_.cancel);
    gateway_.set_run_budget({options_.max_tokens, options_.max_cost_usd});
  }

  // Gate snapshots live in the workspace, so a run killed during a check leaves nothing
  // behind elsewhere; whatever a killed run left there is removed when the next starts.
  std::filesystem::path SnapshotRoot() const { return workspace_.dir() / ".l2mac" / "tmp"; }

  // Set by ResumeRun: the run is continued rather than started.
  void set_resumed(RunResumed resumed) { resumed_ = std::move(resumed); }

  // The run between its run_started (or run_resumed) and run_finished events.
  Result<RunReport> Run() {
    L2MAC_ASSIGN_OR_RETURN(int64_t next_seq, workspace_.events().NextSeq());
    events_.emplace(workspace_.events(), options_.events, next_seq);
    gateway_.set_events(&*events_);
    if (resumed_) {
      resumed_->model = model_;
      events_->Emit(*resumed_);
    } else {
      events_->Emit(RunStarted{options_.task_source, agents::DomainName(options_.domain), model_});
    }
    Result<RunReport> result = RunSteps();
    events_->set_instruction("");
    RunFinished finished;
    if (result.ok()) {
      finished = RunFinishedFrom(*result);
    } else {
      // The counts so far, best effort: the run's own error is what matters.
      Result<RunReport> so_far = Report();
      if (so_far.ok()) finished = RunFinishedFrom(*so_far);
      finished.outcome = "error";
      finished.error = result.status().message();
    }
    events_->Emit(std::move(finished));
    Status flushed = events_->Flush();
    if (result.ok() && !flushed.ok()) return flushed;
    return result;
  }

 private:
  Result<RunReport> RunSteps() {
    std::error_code ignored;
    std::filesystem::remove_all(SnapshotRoot(), ignored);
    L2MAC_ASSIGN_OR_RETURN(prompts_, agents::LoadPromptSet(options_.domain, options_.prompts_dir));
    L2MAC_RETURN_IF_ERROR(ImportUserEdits());
    L2MAC_ASSIGN_OR_RETURN(bool has_program, workspace_.registry().HasProgram());
    if (!has_program) {
      L2MAC_RETURN_IF_ERROR(CheckNotCancelled());
      L2MAC_RETURN_IF_ERROR(WarnNearBudgets());
      L2MAC_ASSIGN_OR_RETURN(std::string over, BudgetReached());
      if (!over.empty()) return StopForBudget(over);
      if (Status planned = Plan(); !planned.ok()) {
        if (auto refusal = gateway_.TakeRefusal()) return StopForBudget(refusal->stop);
        return planned;
      }
    } else if (!resumed_) {
      // A supplied program (--program) is the plan of this run.
      L2MAC_ASSIGN_OR_RETURN(auto records, workspace_.registry().All());
      events_->Emit(PlanReadyFrom(records));
    }
    // Repairs a kill between marking a failure and skipping its dependents.
    L2MAC_RETURN_IF_ERROR(SkipBlocked());
    while (true) {
      L2MAC_ASSIGN_OR_RETURN(auto next, workspace_.registry().NextReady());
      if (!next) break;
      L2MAC_RETURN_IF_ERROR(CheckNotCancelled());
      L2MAC_RETURN_IF_ERROR(WarnNearBudgets());
      L2MAC_ASSIGN_OR_RETURN(std::string over, BudgetReached());
      if (!over.empty()) return StopForBudget(over);
      L2MAC_RETURN_IF_ERROR(Execute(*next));
      if (!refused_call_.empty()) return StopForBudget(refused_call_);
    }
    L2MAC_RETURN_IF_ERROR(workspace_.SetMeta("state", "finished"));
    return Report();
  }

  // "" while within budget; else which budget was reached, e.g. "--max-cost: $0.0123
  // spent of $0.0100".
  Result<std::string> BudgetReached() {
    if (options_.max_cost_usd <= 0 && options_.max_tokens <= 0) return std::string();
    L2MAC_ASSIGN_OR_RETURN(auto totals, workspace_.exchanges().Totals());
    const double spent = static_cast<double>(totals.cost_microusd) / 1e6;
    if (options_.max_cost_usd > 0 && spent >= options_.max_cost_usd) {
      return fmt::format("--max-cost: ${:.4f} spent of ${:.4f}", spent, options_.max_cost_usd);
    }
    const int64_t tokens = totals.prompt_tokens + totals.completion_tokens;
    if (options_.max_tokens > 0 && tokens >= options_.max_tokens) {
      return fmt::format("--max-tokens: {} tokens spent of {}", tokens, options_.max_tokens);
    }
    return std::string();
  }

  Status CheckNotCancelled() const {
    if (IsCancelled(options_.cancel)) return Status::Cancelled("interrupted between steps");
    return Status::Ok();
  }

  // Each budget in use: what is spent of it, and the limit.
  struct BudgetUse {
    const char* name;  // as events name it
    double spent;
    double limit;
  };
  Result<std::vector<BudgetUse>> BudgetUses() {
    std::vector<BudgetUse> uses;
    if (options_.max_cost_usd <= 0 && options_.max_tokens <= 0) return uses;
    L2MAC_ASSIGN_OR_RETURN(auto totals, workspace_.exchanges().Totals());
    if (options_.max_cost_usd > 0) {
      uses.push_back(
          {"max_cost_usd", static_cast<double>(totals.cost_microusd) / 1e6, options_.max_cost_usd});
    }
    if (options_.max_tokens > 0) {
      uses.push_back({"max_tokens",
                      static_cast<double>(totals.prompt_tokens + totals.completion_tokens),
                      static_cast<double>(options_.max_tokens)});
    }
    return uses;
  }

  // A budget_warning event, once per budget and run, when 80% of a budget is spent.
  Status WarnNearBudgets() {
    constexpr double kWarnAt = 0.8;
    L2MAC_ASSIGN_OR_RETURN(auto uses, BudgetUses());
    for (const BudgetUse& use : uses) {
      if (use.spent < kWarnAt * use.limit || use.spent >= use.limit) continue;
      if (!budgets_warned_.insert(use.name).second) continue;
      events_->Emit(BudgetWarning{use.name, use.spent, use.limit});
    }
    return Status::Ok();
  }

  Result<RunReport> StopForBudget(const std::string& over) {
    L2MAC_ASSIGN_OR_RETURN(auto uses, BudgetUses());
    control_unit::BudgetReached reached{"", 0, 0, over};
    for (const BudgetUse& use : uses) {
      // Spent, or (a refused call) the budget the stop names.
      const bool named =
          over.rfind(use.name == std::string("max_cost_usd") ? "--max-cost" : "--max-tokens", 0) ==
          0;
      if (use.spent < use.limit && !named) continue;
      reached = {use.name, use.spent, use.limit, over};
      break;
    }
    events_->Emit(std::move(reached));
    L2MAC_RETURN_IF_ERROR(workspace_.SetMeta("state", "stopped at the budget (" + over + ")"));
    L2MAC_ASSIGN_OR_RETURN(RunReport report, Report());
    report.outcome = RunOutcome::kBudgetReached;
    report.budget_stop = over;
    return report;
  }

  // Asks the planner for the program. (A --program was saved when the run started.)
  Status Plan() {
    events_->Emit(PlanStarted{});
    gateway_.set_instruction("");
    L2MAC_ASSIGN_OR_RETURN(auto view, workspace_.store().Begin());
    agents::PlannerLimits limits;
    L2MAC_ASSIGN_OR_RETURN(limits.budget, Budget());
    L2MAC_ASSIGN_OR_RETURN(auto program,
                           agents::RunPlanner(options_.task, prompts_, gateway_, *view, limits));
    L2MAC_RETURN_IF_ERROR(workspace_.registry().SaveProgram(program));
    L2MAC_ASSIGN_OR_RETURN(auto records, workspace_.registry().All());
    events_->Emit(PlanReadyFrom(records));
    return Status::Ok();
  }

  // The context budget for the next agent: the window, scaled by the calibration so far
  // when --calibrate-tokens is on and the server has reported usage.
  Result<agents::ContextBudget> Budget() {
    double scale = 1.0;
    if (options_.calibrate_tokens) {
      L2MAC_ASSIGN_OR_RETURN(scale, workspace_.exchanges().EstimateScale(1));
      if (scale != 1.0) {
        events_->Emit(Notice{
            "debug", fmt::format("context budget scaled by {:.2f} (token calibration)", scale)});
      }
    }
    auto budget = agents::ContextBudget::ForWindow(options_.context_window, scale,
                                                   options_.max_output_tokens);
    gateway_.set_usable_context(budget.usable());
    return budget;
  }

  Result<toolchains::GateReport> RunChecks(
      filestore::StoreTransaction& txn, const std::vector<std::string>& test_paths,
      const std::string& instruction_text,
      const std::vector<toolchains::ProtectedTest>& protected_tests) {
    L2MAC_ASSIGN_OR_RETURN(TempDir snapshot, TempDir::Create(SnapshotRoot(), "snapshot-"));
    L2MAC_RETURN_IF_ERROR(txn.WriteSnapshot(snapshot.path()));
    toolchains::GateOptions gate_options;
    gate_options.timeout = options_.check_timeout;
    // step_complete passes no paths: the whole suite runs, so earlier tests keep passing.
    gate_options.test_paths = test_paths;
    gate_options.instruction_text = instruction_text;
    gate_options.sandbox = options_.gate.sandbox;
    gate_options.profiles = options_.gate.profiles;
    gate_options.protected_tests = protected_tests;
    gate_options.cancel = options_.cancel;
    events_->Emit(CheckStarted{test_paths});
    const auto started = std::chrono::steady_clock::now();
    auto report = toolchains::RunGate(GateDomainFor(options_.domain), snapshot.path(),
                                      txn.ChangedPaths(), gate_options);
    // A check killed by the interrupt says nothing about the instruction.
    if (IsCancelled(options_.cancel)) return Status::Cancelled("interrupted during the checks");
    if (report.ok()) {
      events_->Emit(
          CheckFinishedFrom(*report, std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - started)
                                         .count()));
    }
    if (!report.ok()) {
      // The checks themselves could not run (no interpreter, no pytest): a problem of this
      // machine, not of the instruction, so the run stops rather than failing it.
      return Status::Unavailable("the checks could not run: " + report.status().message());
    }
    return report;
  }

  Status Execute(const registry::InstructionRecord& record) {
    const std::string& id = record.instruction.id;
    L2MAC_RETURN_IF_ERROR(workspace_.registry().MarkRunning(id));
    gateway_.set_instruction(id, {record.instruction.max_tokens, record.instruction.max_cost_usd});
    L2MAC_ASSIGN_OR_RETURN(auto all, workspace_.registry().All());
    events_->set_instruction(id);
    events_->Emit(InstructionStarted{record.instruction.text, static_cast<int>(record.seq),
                                     static_cast<int>(all.size())});
    L2MAC_ASSIGN_OR_RETURN(auto txn, workspace_.store().Begin());

    agents::WorkerInput input;
    input.task = options_.task;
    input.instruction_id = id;
    input.instruction_text = record.instruction.text;
    input.instruction_count = static_cast<int>(all.size());
    for (const auto& other : all) {
      if (other.status == InstructionStatus::kCommitted) {
        input.earlier_summaries.push_back("[" + other.instruction.id + "] " + other.summary);
      }
    }
    L2MAC_ASSIGN_OR_RETURN(input.requirements, CoveredRequirements(workspace_, record.instruction));

    agents::WorkerLimits limits;
    L2MAC_ASSIGN_OR_RETURN(limits.budget, Budget());
    limits.max_context_restarts = options_.max_context_restarts;
    limits.max_gate_failures = options_.max_gate_failures;
    limits.max_turns = options_.max_turns;
    if (record.instruction.max_turns > 0 && record.instruction.max_turns < limits.max_turns) {
      limits.max_turns = record.instruction.max_turns;
      limits.max_turns_source = "the instruction's own \"max_turns\" in the prompt program";
    }
    limits.max_write_bytes = static_cast<size_t>(options_.max_file_bytes);
    // What the worker reports is counted in the registry and passed on as events.
    auto on_agent_event = [this, &id](const agents::AgentEvent& event) -> Status {
      if (std::holds_alternative<agents::ContextRestarted>(event)) {
        L2MAC_RETURN_IF_ERROR(workspace_.registry().AddContextRestart(id));
      } else if (std::holds_alternative<agents::StepRejected>(event)) {
        L2MAC_RETURN_IF_ERROR(workspace_.registry().AddAttempt(id));
      }
      std::visit([this](const auto& payload) { events_->Emit(payload); }, event);
      return Status::Ok();
    };
    // The tests that passed at the last commit: every gate of this instruction holds to them.
    L2MAC_ASSIGN_OR_RETURN(auto protected_tests, workspace_.test_baseline().Load());
    filestore::StoreTransaction& staged = *txn;
    agents::Worker worker(
        prompts_, gateway_, staged, workspace_.dir(),
        [this, &staged, &record, &protected_tests](const std::vector<std::string>& paths) {
          return RunChecks(staged, paths, record.instruction.text, protected_tests);
        },
        limits, on_agent_event);
    auto worked = worker.Run(input);
    if (!worked.ok()) {
      auto refusal = gateway_.TakeRefusal();
      if (!refusal) return worked.status();
      if (refusal->scope == BudgetScope::kRun) {
        // Stopped like a budget stop between instructions: the staged work is discarded
        // and the instruction waits, pending, for a resume with a raised budget.
        txn->Discard();
        L2MAC_RETURN_IF_ERROR(workspace_.registry().MarkPending(id));
        refused_call_ = refusal->stop;
        return Status::Ok();
      }
      agents::WorkerOutcome capped;  // the instruction's own cap: it fails, the run goes on
      capped.failure = refusal->message;
      worked = std::move(capped);
    }
    agents::WorkerOutcome outcome = std::move(*worked);

    if (!outcome.completed) {
      txn->Discard();
      L2MAC_ASSIGN_OR_RETURN(auto db_txn, Transaction::Begin(workspace_.db()));
      L2MAC_RETURN_IF_ERROR(workspace_.registry().MarkFailed(id, outcome.failure));
      events_->Emit(InstructionFailed{outcome.failure});
      L2MAC_RETURN_IF_ERROR(SkipBlocked());
      L2MAC_RETURN_IF_ERROR(events_->Flush());
      L2MAC_RETURN_IF_ERROR(db_txn->Commit());
      return Status::Ok();
    }
    {
      // The store commit and the registry's record of it land together or not at all.
      L2MAC_ASSIGN_OR_RETURN(auto db_txn, Transaction::Begin(workspace_.db()));
      const auto files_changed = static_cast<int64_t>(txn->ChangedPaths().size());
      L2MAC_ASSIGN_OR_RETURN(int64_t commit_id,
                             txn->Commit("instruction " + id + ": " + FirstLine(outcome.summary),
                                         "instruction " + id));
      L2MAC_RETURN_IF_ERROR(workspace_.registry().MarkCommitted(id, outcome.summary, commit_id));
      L2MAC_RETURN_IF_ERROR(workspace_.test_baseline().Replace(
          toolchains::NextProtectedTests(outcome.gate_report.test_runs, protected_tests)));
      L2MAC_RETURN_IF_ERROR(RecordRequirementTests(workspace_, commit_id, outcome.gate_report));
      // The event lands with the commit it reports.
      events_->Emit(InstructionCommitted{commit_id, files_changed, FirstLine(outcome.summary)});
      L2MAC_RETURN_IF_ERROR(events_->Flush());
      L2MAC_RETURN_IF_ERROR(db_txn->Commit());
    }
    L2MAC_ASSIGN_OR_RETURN(auto materialized, workspace_.store().Materialize(workspace_.dir()));
    NoteUserEdits(materialized);
    events_->set_instruction("");
    return Status::Ok();
  }

  // Marks the dependents of failed instructions skipped, each with an event (in the
  // caller's transaction).
  Status SkipBlocked() {
    L2MAC_ASSIGN_OR_RETURN(auto before, workspace_.registry().All());
    L2MAC_ASSIGN_OR_RETURN(int skipped, workspace_.registry().SkipBlocked());
    if (skipped == 0) return Status::Ok();
    std::set<std::string> already;
    for (const auto& record : before) {
      if (record.status == InstructionStatus::kSkipped) already.insert(record.instruction.id);
    }
    L2MAC_ASSIGN_OR_RETURN(auto after, workspace_.registry().All());
    const std::string current = events_->instruction();
    for (const auto& record : after) {
      if (record.status != InstructionStatus::kSkipped || already.count(record.instruction.id)) {
        continue;
      }
      events_->set_instruction(record.instruction.id);
      events_->Emit(InstructionSkipped{record.failure});
    }
    events_->set_instruction(current);
    return Status::Ok();
  }

  static std::string FirstLine(const std::string& text) {
    return TruncateUtf8(text.substr(0, text.find('\n')), 120);
  }

  // Brings the output folder up to date, and makes the edits the user made there between
  // runs part of the store as one commit, so every instruction reads and builds on them.
  Status ImportUserEdits() {
    L2MAC_ASSIGN_OR_RETURN(auto report, workspace_.store().Materialize(workspace_.dir()));
    if (report.kept_user_edits.empty()) return Status::Ok();
    L2MAC_ASSIGN_OR_RETURN(auto txn, workspace_.store().Begin());
    std::vector<std::string> imported;
    for (const auto& path : report.kept_user_edits) {
      std::filesystem::path file = workspace_.dir() / path;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(file, ec))) continue;
      std::ifstream in(file, std::ios::binary);
      std::ostringstream content;
      content << in.rdbuf();
      if (!in) {
        events_->Emit(Notice{
            "warning", fmt::format("cannot read your edit of {}; it is left as it is", path)});
        continue;
      }
      Status written = txn->Write(path, content.str());
      if (!written.ok()) {
        events_->Emit(Notice{"warning", fmt::format("your edit of {} cannot be imported: {}", path,
                                                    written.message())});
        continue;
      }
      imported.push_back(path);
    }
    if (!txn->HasChanges()) {
      NoteUserEdits(report);
      return Status::Ok();
    }
    // The user decides about their own edits: tests they changed are no longer held to
    // what passed before.
    L2MAC_ASSIGN_OR_RETURN(auto db_txn, Transaction::Begin(workspace_.db()));
    L2MAC_ASSIGN_OR_RETURN(int64_t commit,
                           txn->Commit("import edits made in the output folder", "user"));
    L2MAC_ASSIGN_OR_RETURN(auto protected_tests, workspace_.test_baseline().Load());
    L2MAC_RETURN_IF_ERROR(workspace_.test_baseline().Replace(toolchains::WithoutTestsEditedByUser(
        protected_tests, imported,
        options_.gate.profiles.empty() ? toolchains::BuiltinProfiles() : options_.gate.profiles)));
    L2MAC_RETURN_IF_ERROR(db_txn->Commit());
    for (const auto& path : imported) {
      events_->Emit(
          Notice{"info", fmt::format("imported your edit of {} (commit {})", path, commit)});
    }
    L2MAC_ASSIGN_OR_RETURN(auto after, workspace_.store().Materialize(workspace_.dir()));
    NoteUserEdits(after);
    return Status::Ok();
  }

  void NoteUserEdits(const filestore::MaterializeReport& report) {
    for (const auto& path : report.kept_user_edits) {
      if (std::find(kept_user_edits_.begin(), kept_user_edits_.end(), path) ==
          kept_user_edits_.end()) {
        events_->Emit(Notice{
            "warning",
            fmt::format("{} was changed in the output folder outside l2mac; it was left as it is",
                        path)});
        kept_user_edits_.push_back(path);
      }
    }
  }

  Result<RunReport> Report() {
    RunReport report;
    L2MAC_ASSIGN_OR_RETURN(auto all, workspace_.registry().All());
    for (const auto& record : all) {
      ++report.instructions;
      report.context_restarts += record.context_restarts;
      report.gate_failures += record.attempts;
      switch (record.status) {
        case InstructionStatus::kCommitted:
          ++report.committed;
          break;
        case InstructionStatus::kFailed:
          ++report.failed;
          break;
        case InstructionStatus::kSkipped:
          ++report.skipped;
          break;
        default:
          break;
      }
      if (record.status == InstructionStatus::kFailed ||
          record.status == InstructionStatus::kSkipped) {
        report.problems.push_back({record.instruction.id,
                                   registry::InstructionStatusName(record.status), record.failure});
      }
    }
    report.outcome =
        report.committed == report.instructions ? RunOutcome::kCompleted : RunOutcome::kIncomplete;
    L2MAC_ASSIGN_OR_RETURN(auto totals, workspace_.exchanges().Totals());
    report.model_calls = totals.calls;
    report.prompt_tokens = totals.prompt_tokens;
    report.completion_tokens = totals.completion_tokens;
    report.cached_tokens = totals.cached_tokens;
    report.cost_microusd = totals.cost_microusd;
    L2MAC_ASSIGN_OR_RETURN(int64_t head, workspace_.store().Head());
    L2MAC_ASSIGN_OR_RETURN(auto files, workspace_.store().List(head));
    report.files = static_cast<int64_t>(files.size());
    report.kept_user_edits = kept_user_edits_;
    return report;
  }

  Workspace& workspace_;
  RecordingGateway gateway_;
  RunOptions options_;
  // Set when the gateway refused a call of the instruction in flight at the run's budget.
  std::string refused_call_;
  std::string model_;  // the provider's description, for run_started
  std::optional<RunResumed> resumed_;
  std::optional<EventEmitter> events_;  // from the start of Run()
  std::set<std::string> budgets_warned_;
  agents::PromptSet prompts_;
  std::vector<std::string> kept_user_edits_;
};

}  // namespace

nlohmann::json RunOptions::ToJson() const {
  return {{"task_source", task_source},
          {"domain", agents::DomainName(domain)},
          {"prompts_dir", prompts_dir.string()},
          {"context_window", context_window},
          {"max_context_restarts", max_context_restarts},
          {"max_gate_failures", max_gate_failures},
          {"max_turns", max_turns},
          {"check_timeout_ms", check_timeout.count()},
          {"max_output_tokens", max_output_tokens},
          {"temperature", temperature},
          {"provider", provider_settings},
          {"prices", prices},
          {"priced_model", priced_model},
          {"max_cost_usd", max_cost_usd},
          {"max_tokens", max_tokens},
          {"max_file_bytes", max_file_bytes},
          {"calibrate_tokens", calibrate_tokens}};
}

Status RunOptions::ApplyJson(const nlohmann::json& json, RunOptions& options) {
  if (!json.is_object()) return Status::Corruption("stored run options are not a JSON object");
  try {
    if (json.contains("task_source"))
      options.task_source = json.at("task_source").get<std::string>();
    if (json.contains("domain")) {
      L2MAC_ASSIGN_OR_RETURN(options.domain,
                             agents::ParseDomain(json.at("domain").get<std::string>()));
    }
    if (json.contains("prompts_dir")) {
      options.prompts_dir = json.at("prompts_dir").get<std::string>();
    }
    if (json.contains("context_window")) {
      options.context_window = json.at("context_window").get<int64_t>();
    }
    if (json.contains("max_context_restarts")) {
      options.max_context_restarts = json.at("max_context_restarts").get<int>();
    }
    if (json.contains("max_gate_failures")) {
      options.max_gate_failures = json.at("max_gate_failures").get<int>();
    }
    if (json.contains("provider")) options.provider_settings = json.at("provider");
    if (json.contains("max_output_tokens")) {
      options.max_output_tokens = json.at("max_output_tokens").get<int64_t>();
    }
    if (json.contains("temperature")) options.temperature = json.at("temperature").get<double>();
    if (json.contains("max_turns")) options.max_turns = json.at("max_turns").get<int>();
    if (json.contains("prices")) options.prices = json.at("prices");
    if (json.contains("priced_model")) {
      options.priced_model = json.at("priced_model").get<std::string>();
    }
    if (json.contains("max_cost_usd")) options.max_cost_usd = json.at("max_cost_usd").get<double>();
    if (json.contains("max_tokens")) options.max_tokens = json.at("max_tokens").get<int64_t>();
    if (json.contains("calibrate_tokens")) {
      options.calibrate_tokens = json.at("calibrate_tokens").get<bool>();
    }
    if (json.contains("max_file_bytes")) {
      options.max_file_bytes = json.at("max_file_bytes").get<int64_t>();
    }
    if (json.contains("check_timeout_ms")) {
      options.check_timeout = std::chrono::milliseconds(json.at("check_timeout_ms").get<int64_t>());
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("run options have a field of the wrong type: ") +
                                   e.what());
  }
  return Status::Ok();
}

Status ValidateLimits(const RunOptions& options) {
  if (options.context_window < 1000 || options.context_window > 100'000'000) {
    return Status::InvalidArgument("--context-window must be between 1000 and 100000000 tokens");
  }
  if (options.max_context_restarts < 0 || options.max_context_restarts > 1000) {
    return Status::InvalidArgument("--max-context-restarts must be between 0 and 1000");
  }
  if (options.max_gate_failures < 1 || options.max_gate_failures > 1000) {
    return Status::InvalidArgument("--max-attempts must be between 1 and 1000");
  }
  if (options.max_turns < 1 || options.max_turns > 100000) {
    return Status::InvalidArgument("--max-turns must be between 1 and 100000");
  }
  if (options.check_timeout.count() < 100 || options.check_timeout.count() > 86'400'000) {
    return Status::InvalidArgument("--check-timeout must be between 0.1 and 86400 seconds");
  }
  if (options.max_output_tokens < 0 || options.max_output_tokens > options.context_window / 2) {
    return Status::InvalidArgument(fmt::format(
        "--max-output-tokens {} leaves too little of --context-window {} for the prompt: it "
        "may be at most half the window ({}); lower it or raise --context-window",
        options.max_output_tokens, options.context_window, options.context_window / 2));
  }
  if (!(options.temperature >= 0.0 && options.temperature <= 2.0)) {
    return Status::InvalidArgument(fmt::format(
        "--temperature {} is out of range: it must be between 0 and 2", options.temperature));
  }
  if (options.max_cost_usd < 0) {
    return Status::InvalidArgument("--max-cost must be 0 (no budget) or more dollars");
  }
  if (options.max_tokens < 0) {
    return Status::InvalidArgument("--max-tokens must be 0 (no budget) or more tokens");
  }
  if (options.max_file_bytes < kMinFileBytesLimit || options.max_file_bytes > kMaxFileBytesLimit) {
    return Status::InvalidArgument("--max-file-bytes (files.max_file_bytes) must be between " +
                                   std::to_string(kMinFileBytesLimit) + " and " +
                                   std::to_string(kMaxFileBytesLimit) +
                                   " bytes (the file store's own limit)");
  }
  llm::PriceTable prices = llm::PriceTable::BuiltIn();
  L2MAC_RETURN_IF_ERROR(prices.Override(options.prices));
  return Status::Ok();
}

namespace {

// Records why a run stopped, and puts the instruction in flight back to pending so the
// stored state says what is true: nothing runs any more (best effort: the run's own error
// is what gets reported).
Result<RunReport> NoteStop(Workspace& workspace, Result<RunReport> result) {
  if (!result.ok()) {
    (void)workspace.registry().ResetInterrupted();
    (void)workspace.SetMeta("state", result.status().code() == StatusCode::kCancelled
                                         ? std::string("interrupted")
                                         : "stopped: " + result.status().message());
  }
  return result;
}

}  // namespace

Result<RunReport> StartRun(const RunOptions& options, llm::Provider& provider) {
  // Everything that can be checked is checked before the output folder is touched, so
  // bad input leaves no trace.
  if (options.out_dir.empty()) {
    return Status::InvalidArgument("the output folder is empty: pass --out DIR");
  }
  if (options.task.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("the task is empty: write the spec in the file, or pass --task");
  }
  L2MAC_RETURN_IF_ERROR(ValidateLimits(options));
  L2MAC_ASSIGN_OR_RETURN(auto prompts, agents::LoadPromptSet(options.domain, options.prompts_dir));
  if (!options.program) {
    L2MAC_RETURN_IF_ERROR(agents::CheckPlannerFits(
        options.task, prompts,
        agents::ContextBudget::ForWindow(options.context_window, 1.0, options.max_output_tokens)));
  }
  L2MAC_ASSIGN_OR_RETURN(auto workspace, Workspace::Open(options.out_dir, OpenMode::kCreate));
  {
    // The run exists once this lands: task, options and a supplied program together.
    L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace->db()));
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("options", DumpJson(options.ToJson())));
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("provider", provider.Describe()));
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("state", "running"));
    if (options.program) L2MAC_RETURN_IF_ERROR(workspace->registry().SaveProgram(*options.program));
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("task", options.task));
    L2MAC_RETURN_IF_ERROR(txn->Commit());
  }
  llm::PriceTable prices = llm::PriceTable::BuiltIn();
  L2MAC_RETURN_IF_ERROR(prices.Override(options.prices));
  RunLoop loop(*workspace, provider, options, std::move(prices));
  return NoteStop(*workspace, loop.Run());
}

Result<RunReport> ResumeRun(const std::filesystem::path& out_dir, llm::Provider& provider,
                            const std::optional<nlohmann::json>& overrides, GateSetup gate,
                            EventSink* events, const CancelToken* cancel) {
  L2MAC_ASSIGN_OR_RETURN(auto workspace, Workspace::Open(out_dir, OpenMode::kExisting));
  RunOptions options;
  options.out_dir = out_dir;
  options.gate = std::move(gate);
  options.cancel = cancel;
  options.events = events;
  RunResumed resumed;
  L2MAC_ASSIGN_OR_RETURN(auto task, workspace->GetMeta("task"));
  L2MAC_ASSIGN_OR_RETURN(auto stored, workspace->GetMeta("options"));
  if (!task || !stored) return DamagedState(out_dir, "it has no stored task or options");
  options.task = *task;
  auto json = nlohmann::json::parse(*stored, nullptr, false);
  if (Status applied = RunOptions::ApplyJson(json, options); !applied.ok()) {
    return DamagedState(out_dir, "its stored run options: " + applied.message());
  }
  if (overrides) L2MAC_RETURN_IF_ERROR(RunOptions::ApplyJson(*overrides, options));
  L2MAC_RETURN_IF_ERROR(ValidateLimits(options));

  {
    // Whatever did not commit starts over from the last commit: instructions in flight
    // when the run stopped, and those that failed or were skipped (a resume retries them,
    // typically with raised limits). Their earlier exchanges leave the transcript, so the
    // transcript stays the record of the run as it finally happened.
    L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace->db()));
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("options", DumpJson(options.ToJson())));
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("provider", provider.Describe()));
    L2MAC_ASSIGN_OR_RETURN(auto all, workspace->registry().All());
    std::vector<std::string> unfinished;
    for (const auto& record : all) {
      if (record.status != InstructionStatus::kCommitted) {
        unfinished.push_back(record.instruction.id);
      }
    }
    L2MAC_ASSIGN_OR_RETURN(bool has_program, workspace->registry().HasProgram());
    L2MAC_RETURN_IF_ERROR(workspace->exchanges().Supersede(unfinished, !has_program));
    L2MAC_ASSIGN_OR_RETURN(int interrupted, workspace->registry().ResetInterrupted());
    L2MAC_ASSIGN_OR_RETURN(int retried, workspace->registry().ResetFailed());
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("state", "running"));
    L2MAC_RETURN_IF_ERROR(txn->Commit());
    resumed.interrupted = interrupted;
    resumed.retried = retried;
  }
  llm::PriceTable prices = llm::PriceTable::BuiltIn();
  L2MAC_RETURN_IF_ERROR(prices.Override(options.prices));
  RunLoop loop(*workspace, provider, options, std::move(prices));
  loop.set_resumed(std::move(resumed));
  return NoteStop(*workspace, loop.Run());
}

Result<nlohmann::json> ReadStoredOptions(const std::filesystem::path& out_dir) {
  L2MAC_ASSIGN_OR_RETURN(auto workspace, Workspace::Open(out_dir, OpenMode::kReadOnlyView));
  L2MAC_ASSIGN_OR_RETURN(auto stored, workspace->GetMeta("options"));
  if (!stored) return DamagedState(out_dir, "it has a task but no stored run options");
  auto json = nlohmann::json::parse(*stored, nullptr, false);
  if (!json.is_object()) return DamagedState(out_dir, "its stored run options are not JSON");
  return json;
}

Result<int64_t> CountRecordedExchanges(const std::filesystem::path& out_dir) {
  L2MAC_ASSIGN_OR_RETURN(auto workspace, Workspace::Open(out_dir, OpenMode::kReadOnlyView));
  L2MAC_ASSIGN_OR_RETURN(bool has_program, workspace->registry().HasProgram());
  L2MAC_ASSIGN_OR_RETURN(
      Statement query,
      workspace->db().Prepare("SELECT COUNT(*) FROM exchanges e WHERE e.superseded = 0 AND ("
                              " (e.purpose = 'plan' AND ?1 = 1) OR"
                              " e.instruction_id IN (SELECT id FROM instructions"
                              "   WHERE status IN ('committed', 'failed', 'skipped')))"));
  query.Bind(1, static_cast<int64_t>(has_program ? 1 : 0));
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  return row ? query.ColumnInt(0) : 0;
}

}  // namespace l2mac::control_unit
