#include "control_unit/runner.hpp"

#include <optional>

#include "agents/planner.hpp"
#include "agents/prompt_set.hpp"
#include "control_unit/event_emitter.hpp"
#include "control_unit/event_payloads.hpp"
#include "control_unit/instruction_executor.hpp"
#include "control_unit/judge_round.hpp"
#include "control_unit/judge_verdicts.hpp"
#include "control_unit/recording_gateway.hpp"
#include "control_unit/run_budget.hpp"
#include "control_unit/run_context.hpp"
#include "control_unit/user_edits.hpp"
#include "control_unit/workspace.hpp"
#include "core/json_text.hpp"
#include "core/llm/prices.hpp"

namespace l2mac::control_unit {
namespace {

using registry::InstructionStatus;

// One session of a run, from its run_started (or run_resumed) event to its run_finished:
// planning when there is no program yet, then each ready instruction in turn
// (InstructionExecutor), stopping at a budget, an interrupt or an error.
class RunLoop {
 public:
  RunLoop(Workspace& workspace, llm::Provider& provider, RunOptions options, llm::PriceTable prices)
      : workspace_(workspace),
        gateway_(provider, workspace),
        options_(std::move(options)),
        model_(provider.Describe()) {
    gateway_.set_temperature(options_.temperature);
    gateway_.set_cancel(options_.cancel);
    gateway_.set_run_budget({options_.max_tokens, options_.max_cost_usd});
    if (options_.judge_provider != nullptr) {
      // --judge-model: the judge's calls go to its own provider, recorded and budgeted
      // in the same run (priced by the judge's model when the server names none).
      judge_gateway_ = std::make_unique<RecordingGateway>(*options_.judge_provider, workspace);
      judge_gateway_->set_pricing(
          prices, options_.judge_model.empty() ? options_.priced_model : options_.judge_model);
      judge_gateway_->set_temperature(options_.temperature);
      judge_gateway_->set_cancel(options_.cancel);
      judge_gateway_->set_run_budget({options_.max_tokens, options_.max_cost_usd});
    }
    gateway_.set_pricing(std::move(prices), options_.priced_model);
  }

  // Set by ResumeRun: the run is continued rather than started.
  void set_resumed(RunResumed resumed) { resumed_ = std::move(resumed); }

  Result<RunReport> Run() {
    L2MAC_ASSIGN_OR_RETURN(int64_t next_seq, workspace_.events().NextSeq());
    EventEmitter events(workspace_.events(), options_.events, next_seq);
    gateway_.set_events(&events);
    if (judge_gateway_) judge_gateway_->set_events(&events);
    if (resumed_) {
      resumed_->model = model_;
      events.Emit(*resumed_);
    } else {
      events.Emit(RunStarted{options_.task_source, agents::DomainName(options_.domain), model_});
    }
    if (workspace_.started_over()) {
      events.Emit(Notice{"info", "the run in " + workspace_.dir().string() +
                                     " stopped before recording anything; starting it over"});
    }
    UserEdits user_edits(workspace_, events, options_.gate);
    Result<RunReport> result = RunSteps(events, user_edits);
    events.set_instruction("");
    RunFinished finished;
    if (result.ok()) {
      finished = RunFinishedFrom(*result);
    } else {
      // The counts so far, best effort: the run's own error is what matters.
      Result<RunReport> so_far = Report(user_edits);
      if (so_far.ok()) finished = RunFinishedFrom(*so_far);
      finished.outcome = "error";
      finished.error = result.status().message();
    }
    events.Emit(std::move(finished));
    Status flushed = events.Flush();
    gateway_.set_events(nullptr);
    if (judge_gateway_) judge_gateway_->set_events(nullptr);
    if (result.ok() && !flushed.ok()) return flushed;
    return result;
  }

 private:
  Result<RunReport> RunSteps(EventEmitter& events, UserEdits& user_edits) {
    std::error_code ignored;
    std::filesystem::remove_all(SnapshotRootOf(workspace_.dir()), ignored);
    L2MAC_ASSIGN_OR_RETURN(agents::PromptSet prompts,
                           agents::LoadPromptSet(options_.domain, options_.prompts_dir));
    RunContext run{workspace_, gateway_, options_, events, prompts};
    RunBudget budget(workspace_, events, options_);
    InstructionExecutor executor(run, user_edits);
    // Stops cleanly at the budget `over` names.
    auto stop_for_budget = [&](const std::string& over) -> Result<RunReport> {
      L2MAC_RETURN_IF_ERROR(budget.RecordStop(over));
      L2MAC_ASSIGN_OR_RETURN(RunReport report, Report(user_edits));
      report.outcome = RunOutcome::kBudgetReached;
      report.budget_stop = over;
      return report;
    };

    L2MAC_RETURN_IF_ERROR(user_edits.Import());
    L2MAC_ASSIGN_OR_RETURN(bool has_program, workspace_.registry().HasProgram());
    if (!has_program) {
      L2MAC_RETURN_IF_ERROR(CheckNotCancelled());
      L2MAC_RETURN_IF_ERROR(budget.WarnWhenNear());
      L2MAC_ASSIGN_OR_RETURN(std::string over, budget.Reached());
      if (!over.empty()) return stop_for_budget(over);
      if (Status planned = Plan(run); !planned.ok()) {
        if (auto refusal = gateway_.TakeRefusal()) return stop_for_budget(refusal->stop);
        return planned;
      }
    } else if (!resumed_) {
      // A supplied program (--program) is the plan of this run.
      L2MAC_ASSIGN_OR_RETURN(auto records, workspace_.registry().All());
      events.Emit(PlanReadyFrom(records));
    }
    // Repairs a kill between marking a failure and skipping its dependents.
    L2MAC_RETURN_IF_ERROR(executor.SkipBlocked());
    JudgeRound judge(run, judge_gateway_ ? *judge_gateway_ : gateway_);
    while (true) {
      while (true) {
        L2MAC_ASSIGN_OR_RETURN(auto next, workspace_.registry().NextReady());
        if (!next) break;
        L2MAC_RETURN_IF_ERROR(CheckNotCancelled());
        L2MAC_RETURN_IF_ERROR(budget.WarnWhenNear());
        L2MAC_ASSIGN_OR_RETURN(std::string over, budget.Reached());
        if (!over.empty()) return stop_for_budget(over);
        L2MAC_ASSIGN_OR_RETURN(std::string refused_call, executor.Execute(*next));
        if (!refused_call.empty()) return stop_for_budget(refused_call);
      }
      // The judge, when due, scores the result; what it finds unmet runs as new
      // instructions, and it judges again (control_unit/judge_round.hpp).
      L2MAC_ASSIGN_OR_RETURN(JudgeRoundResult judged, judge.Next());
      if (!judged.budget_stop.empty()) return stop_for_budget(judged.budget_stop);
      if (!judged.appended) break;
    }
    L2MAC_RETURN_IF_ERROR(workspace_.SetMeta("state", "finished"));
    return Report(user_edits);
  }

  Status CheckNotCancelled() const {
    if (IsCancelled(options_.cancel)) return Status::Cancelled("interrupted between steps");
    return Status::Ok();
  }

  // Asks the planner for the program. (A --program was saved when the run started.)
  Status Plan(RunContext& run) {
    run.events.Emit(PlanStarted{});
    gateway_.set_instruction("");
    L2MAC_ASSIGN_OR_RETURN(auto view, workspace_.store().Begin());
    agents::PlannerLimits limits;
    L2MAC_ASSIGN_OR_RETURN(limits.budget, NextContextBudget(run));
    L2MAC_ASSIGN_OR_RETURN(auto program,
                           agents::RunPlanner(options_.task, run.prompts, gateway_, *view, limits));
    L2MAC_RETURN_IF_ERROR(workspace_.registry().SaveProgram(program));
    L2MAC_ASSIGN_OR_RETURN(auto records, workspace_.registry().All());
    run.events.Emit(PlanReadyFrom(records));
    return Status::Ok();
  }

  // The run's counts as they stand (the status model without the events table).
  Result<RunReport> Report(const UserEdits& user_edits) {
    RunStatusLimits limits;
    limits.read_attempts = false;
    L2MAC_ASSIGN_OR_RETURN(RunStatus status, ReadRunStatus(workspace_, limits));
    RunReport report = ReportFrom(status);
    report.kept_user_edits = user_edits.kept();
    return report;
  }

  Workspace& workspace_;
  RecordingGateway gateway_;
  RunOptions options_;
  // The judge's own gateway with --judge-model; null: the judge uses gateway_.
  std::unique_ptr<RecordingGateway> judge_gateway_;
  std::string model_;  // the provider's description, for run_started
  std::optional<RunResumed> resumed_;
};

}  // namespace

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
                            EventSink* events, const CancelToken* cancel,
                            llm::Provider* judge_provider) {
  L2MAC_ASSIGN_OR_RETURN(auto workspace, Workspace::Open(out_dir, OpenMode::kExisting));
  RunOptions options;
  options.out_dir = out_dir;
  options.gate = std::move(gate);
  options.cancel = cancel;
  options.events = events;
  options.judge_provider = judge_provider;
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
    // A judge round without a stored verdict was cut short: it is judged again.
    L2MAC_ASSIGN_OR_RETURN(auto verdicts, ReadVerdicts(workspace->db()));
    unfinished.push_back(JudgeScope(static_cast<int>(verdicts.size()) + 1));
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
  int64_t kept = row ? query.ColumnInt(0) : 0;
  // And those of every judge round whose verdict is stored.
  L2MAC_ASSIGN_OR_RETURN(auto verdicts, ReadVerdicts(workspace->db()));
  L2MAC_ASSIGN_OR_RETURN(Statement judged,
                         workspace->db().Prepare("SELECT COUNT(*) FROM exchanges WHERE superseded"
                                                 " = 0 AND purpose = 'judge' AND instruction_id"
                                                 " = ?"));
  for (const auto& verdict : verdicts) {
    judged.Bind(1, JudgeScope(verdict.round));
    L2MAC_ASSIGN_OR_RETURN(bool counted, judged.Step());
    if (counted) kept += judged.ColumnInt(0);
    judged.Reset();
  }
  return kept;
}

}  // namespace l2mac::control_unit
