#include "control_unit/runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <optional>
#include <system_error>
#include <thread>

#include "agents/planner.hpp"
#include "agents/prompt_set.hpp"
#include "control_unit/event_emitter.hpp"
#include "control_unit/event_payloads.hpp"
#include "control_unit/existing_code.hpp"
#include "control_unit/git_branch_export.hpp"
#include "control_unit/instruction_executor.hpp"
#include "control_unit/judge_round.hpp"
#include "control_unit/judge_verdicts.hpp"
#include "control_unit/lane_order.hpp"
#include "control_unit/next_task.hpp"
#include "control_unit/recording_gateway.hpp"
#include "control_unit/run_budget.hpp"
#include "control_unit/run_context.hpp"
#include "control_unit/run_state_lock.hpp"
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
        provider_(provider),
        gateway_(provider, workspace),
        options_(std::move(options)),
        prices_(prices),
        model_(provider.Describe()) {
    ConfigureGateway(gateway_);
    if (options_.judge_provider != nullptr) {
      // --judge-model: the judge's calls go to its own provider, recorded and budgeted
      // in the same run (priced by the judge's model when the server names none).
      judge_gateway_ = std::make_unique<RecordingGateway>(*options_.judge_provider, workspace);
      judge_gateway_->set_pricing(
          prices, options_.judge_model.empty() ? options_.priced_model : options_.judge_model);
      judge_gateway_->set_temperature(options_.temperature);
      judge_gateway_->set_token_counter(options_.token_counter);
      judge_gateway_->set_cancel(options_.cancel);
      judge_gateway_->set_run_budget({options_.max_tokens, options_.max_cost_usd});
    }
  }

  // Set by ResumeRun: the run is continued rather than started.
  void set_resumed(RunResumed resumed) { resumed_ = std::move(resumed); }
  // Set with --git-branch, once CheckGitBranch passed: committed instructions are exported.
  void set_git_target(std::optional<GitBranchTarget> target) { git_target_ = std::move(target); }

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
    if (workspace_.continued()) {
      events.Emit(Notice{"info", "the run in " + workspace_.dir().string() +
                                     " has finished: continuing it with the new task"});
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
    // A check tree is written whole at its first use in a process; what an earlier one
    // (or an older version's snapshots, .l2mac/tmp) left is removed first.
    std::filesystem::remove_all(CheckTreeRootOf(workspace_.dir()), ignored);
    std::filesystem::remove_all(workspace_.dir() / ".l2mac" / "tmp", ignored);
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

    // A folder of existing code: its files become the base commit, and its tests are run
    // once, before anything changes them (control_unit/existing_code.hpp).
    L2MAC_RETURN_IF_ERROR(ImportExistingCode(run));
    L2MAC_RETURN_IF_ERROR(user_edits.Import());
    if (git_target_) {
      git_ = std::make_unique<GitBranchExport>(workspace_, *git_target_, Secrets());
      L2MAC_RETURN_IF_ERROR(git_->ExcludeStateFolder());
      // What a kill left unexported.
      L2MAC_RETURN_IF_ERROR(ExportToGit(events));
    }
    L2MAC_RETURN_IF_ERROR(CheckNotCancelled());
    L2MAC_RETURN_IF_ERROR(CheckExistingTests(run, executor));
    L2MAC_ASSIGN_OR_RETURN(bool has_program, workspace_.registry().HasProgram());
    if (!has_program) {
      L2MAC_ASSIGN_OR_RETURN(std::string over, BudgetStopBeforeNext(budget));
      if (!over.empty()) return stop_for_budget(over);
      if (Status planned = Plan(run); !planned.ok()) {
        if (auto refusal = gateway_.TakeRefusal()) return stop_for_budget(refusal->stop);
        return planned;
      }
    } else {
      L2MAC_ASSIGN_OR_RETURN(int unplanned, UnplannedTask(workspace_));
      if (unplanned > 0) {
        // A new task on a finished run: its plan is appended to the program.
        L2MAC_ASSIGN_OR_RETURN(std::string over, BudgetStopBeforeNext(budget));
        if (!over.empty()) return stop_for_budget(over);
        if (Status planned = PlanTask(run, unplanned); !planned.ok()) {
          if (auto refusal = gateway_.TakeRefusal()) return stop_for_budget(refusal->stop);
          return planned;
        }
      } else if (!resumed_) {
        // A supplied program (--program) is the plan of this run (of this task, when a
        // finished run was given a new one).
        L2MAC_ASSIGN_OR_RETURN(auto records, workspace_.registry().All());
        if (workspace_.continued()) {
          L2MAC_ASSIGN_OR_RETURN(int task, TaskCount(workspace_));
          const std::string prefix = TaskIdPrefix(task);
          std::erase_if(records, [&](const auto& record) {
            return record.instruction.id.rfind(prefix, 0) != 0;
          });
        }
        events.Emit(PlanReadyFrom(records));
      }
    }
    // Repairs a kill between marking a failure and skipping its dependents.
    L2MAC_RETURN_IF_ERROR(executor.SkipBlocked());
    JudgeRound judge(run, judge_gateway_ ? *judge_gateway_ : gateway_);
    while (true) {
      if (options_.parallel > 1) {
        L2MAC_ASSIGN_OR_RETURN(std::string stop, RunLanes(run, user_edits, budget, executor));
        if (!stop.empty()) return stop_for_budget(stop);
      }
      while (options_.parallel <= 1) {
        L2MAC_ASSIGN_OR_RETURN(auto next, workspace_.registry().NextReady());
        if (!next) break;
        L2MAC_ASSIGN_OR_RETURN(std::string over, BudgetStopBeforeNext(budget));
        if (!over.empty()) return stop_for_budget(over);
        L2MAC_ASSIGN_OR_RETURN(std::string refused_call, executor.Execute(*next));
        L2MAC_RETURN_IF_ERROR(ExportToGit(events));
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

  // One parallel lane: its own gateway, emitter, context and executor (check tree), and
  // the thread running its current instruction.
  struct Lane {
    std::unique_ptr<RecordingGateway> gateway;
    std::unique_ptr<EventEmitter> events;
    std::unique_ptr<RunContext> context;
    std::unique_ptr<InstructionExecutor> executor;
    std::thread thread;
    bool running = false;
    bool done = false;                          // its instruction ended; join and take result
    std::optional<Result<std::string>> result;  // Execute()'s, once done
    InstructionExecutor::LaneTicket ticket;     // of its current instruction
  };

  // --parallel N: runs the ready instructions, up to N at once, each on a lane of its own,
  // in the order and from the views LaneOrder decides (lane_order.hpp), until none is
  // ready or running (see "Parallel lanes" in docs/ARCHITECTURE.md). The lanes' threads
  // and this one share the run's state through one RunStateLock, which this thread holds
  // except while it waits for a lane to finish. Returns "" or the budget that stopped the
  // run; the first error of any lane ends the run once every lane has finished its
  // instruction (an interrupt stops them all at their next safe point).
  Result<std::string> RunLanes(RunContext& run, UserEdits& user_edits, RunBudget& budget,
                               InstructionExecutor& executor) {
    RunStateLock state;
    InFlightSpend in_flight;
    std::vector<std::unique_ptr<Lane>> lanes;
    for (int number = 1; number <= options_.parallel; ++number) {
      auto lane = std::make_unique<Lane>();
      lane->gateway = std::make_unique<RecordingGateway>(provider_, workspace_);
      ConfigureGateway(*lane->gateway);
      lane->events = std::make_unique<EventEmitter>(run.events, number);
      lane->gateway->set_events(lane->events.get());
      lane->gateway->set_state_lock(&state);
      lane->gateway->set_in_flight(&in_flight);
      lane->context = std::make_unique<RunContext>(RunContext{
          workspace_, *lane->gateway, options_, *lane->events, run.prompts, &state, number});
      lane->executor = std::make_unique<InstructionExecutor>(*lane->context, user_edits);
      lane->executor->ShareSandbox(executor.CheckSandbox());
      lanes.push_back(std::move(lane));
    }
    run.events.set_state_lock(&state);
    std::condition_variable_any lane_done;
    Status error;
    std::string stop;
    {
      std::unique_lock<RunStateLock> hold(state);
      auto start = ReadLaneView(workspace_);
      if (!start.ok()) {
        hold.unlock();
        run.events.set_state_lock(nullptr);
        return start.status();
      }
      LaneOrder order(state, options_.parallel,
                      std::make_shared<const LaneView>(std::move(*start)));
      while (true) {
        // Takes the results of the lanes that finished.
        for (auto& lane : lanes) {
          if (!lane->done) continue;
          lane->thread.join();
          lane->running = false;
          lane->done = false;
          Result<std::string> result = std::move(*lane->result);
          lane->result.reset();
          if (!result.ok()) {
            if (error.ok()) error = result.status();
          } else if (!result->empty() && stop.empty()) {
            stop = *result;
          }
          if (Status exported = ExportToGit(run.events); !exported.ok() && error.ok()) {
            error = exported;
          }
        }
        // Starts the next ticket on its lane once that lane is free, unless the run is
        // stopping or nothing is ready yet.
        bool started = false;
        Lane& next_lane = *lanes[static_cast<size_t>(order.issued() % options_.parallel)];
        if (error.ok() && stop.empty() && !next_lane.running) {
          LaneOrder::Decision decision = order.Next();
          if (decision.start) {
            auto over = BudgetStopBeforeNext(budget);
            if (!over.ok()) {
              error = over.status();
            } else if (!over->empty()) {
              stop = *over;
            } else {
              error = StartLane(next_lane, std::move(*decision.start), order, state, lane_done);
              started = error.ok();
            }
          }
        }
        if (started) continue;
        const bool any_running =
            std::any_of(lanes.begin(), lanes.end(), [](const auto& lane) { return lane->running; });
        if (!any_running) break;
        lane_done.wait(hold, [&] {
          return std::any_of(lanes.begin(), lanes.end(),
                             [](const auto& lane) { return lane->done; });
        });
      }
    }
    run.events.set_state_lock(nullptr);
    if (!error.ok()) return error;
    return stop;
  }

  // Runs `start` on `lane`'s thread (the caller holds `state`): the instruction, then, at
  // its turn, the view it leaves for later tickets.
  Status StartLane(Lane& lane, LaneOrder::Start start, LaneOrder& order, RunStateLock& state,
                   std::condition_variable_any& lane_done) {
    const std::string id = start.record.instruction.id;
    // Marked running before the lane's thread starts, as its status shows.
    L2MAC_RETURN_IF_ERROR(workspace_.registry().MarkRunning(id));
    order.Issue(start);
    lane.ticket = InstructionExecutor::LaneTicket{&order, start.ticket, start.view};
    lane.running = true;
    Lane* self = &lane;
    try {
      lane.thread =
          std::thread([this, self, record = std::move(start.record), &order, &state, &lane_done] {
            std::unique_lock<RunStateLock> mine(state);
            try {
              self->result = self->executor->Execute(record, &self->ticket);
            } catch (const std::exception& e) {
              self->result = Status::Internal(std::string("a lane stopped: ") + e.what());
            }
            // The view this ticket leaves is taken at its turn, so it holds exactly tickets
            // 1..t; when it cannot be read, the ticket's own view stands in (the run is
            // ending with that error).
            order.WaitForTurn(self->ticket.ticket);
            std::shared_ptr<const LaneView> after = self->ticket.view;
            auto view = ReadLaneView(workspace_);
            if (view.ok()) {
              after = std::make_shared<const LaneView>(std::move(*view));
            } else if (self->result->ok()) {
              self->result = view.status();
            }
            order.End(self->ticket.ticket, std::move(after));
            self->done = true;
            lane_done.notify_all();
          });
    } catch (const std::system_error& e) {
      // No thread: the ticket ends here, unstarted, and the run stops.
      lane.running = false;
      order.End(start.ticket, start.view);
      (void)workspace_.registry().MarkPending(id);
      return Status::Unavailable(std::string("could not start a thread for a lane: ") + e.what() +
                                 "; run with a lower --parallel");
    }
    return Status::Ok();
  }

  // What stops the next instruction from starting: an interrupt (the error), a budget
  // reached (its name; "" when none). Warns once at 80% of a budget.
  Result<std::string> BudgetStopBeforeNext(RunBudget& budget) {
    L2MAC_RETURN_IF_ERROR(CheckNotCancelled());
    L2MAC_RETURN_IF_ERROR(budget.WarnWhenNear());
    return budget.Reached();
  }

  // The settings every gateway of the run's worker model shares.
  void ConfigureGateway(RecordingGateway& gateway) const {
    gateway.set_temperature(options_.temperature);
    gateway.set_token_counter(options_.token_counter);
    gateway.set_cancel(options_.cancel);
    gateway.set_run_budget({options_.max_tokens, options_.max_cost_usd});
    gateway.set_pricing(prices_, options_.priced_model);
  }

  // With --git-branch, the committed instructions not yet on the branch become commits
  // there. A failure stops the run: the store keeps the instructions, and a resume exports
  // them.
  Status ExportToGit(EventEmitter& events) {
    if (!git_) return Status::Ok();
    auto exported = git_->ExportPending();
    if (!exported.ok()) {
      return Status::IoError("exporting to git branch " + git_->target().branch +
                             " failed: " + exported.status().message() +
                             "; the run keeps what it committed, "
                             "and `l2mac resume " +
                             workspace_.dir().string() + "` exports it once git works");
    }
    for (const GitExported& commit : *exported) {
      events.Emit(Notice{"info", "instruction " + commit.instruction + " is commit " +
                                     commit.commit.substr(0, 12) + " on git branch " +
                                     git_->target().branch});
    }
    return Status::Ok();
  }

  // Values that must never reach a commit message: the API key's, when the run has one.
  std::vector<std::string> Secrets() const {
    std::vector<std::string> secrets;
    if (!options_.provider_settings.is_object()) return secrets;
    const auto variable = options_.provider_settings.find("api_key_env");
    if (variable == options_.provider_settings.end() || !variable->is_string()) return secrets;
    const std::string name = variable->get<std::string>();
    if (name.empty()) return secrets;
    if (const char* value = std::getenv(name.c_str()); value != nullptr && *value != '\0') {
      secrets.emplace_back(value);
    }
    return secrets;
  }

  Status CheckNotCancelled() const {
    if (IsCancelled(options_.cancel)) return Status::Cancelled("interrupted between steps");
    return Status::Ok();
  }

  // Asks the planner for a program over the committed head (plan_started first).
  Result<registry::Program> AskPlanner(RunContext& run) {
    run.events.Emit(PlanStarted{});
    gateway_.set_instruction("");
    L2MAC_ASSIGN_OR_RETURN(auto view, workspace_.store().Begin());
    agents::PlannerLimits limits;
    L2MAC_ASSIGN_OR_RETURN(limits.budget, NextContextBudget(run));
    return agents::RunPlanner(options_.task, run.prompts, gateway_, *view, limits);
  }

  // Asks the planner for the program. (A --program was saved when the run started.)
  Status Plan(RunContext& run) {
    L2MAC_ASSIGN_OR_RETURN(auto program, AskPlanner(run));
    L2MAC_RETURN_IF_ERROR(workspace_.registry().SaveProgram(program));
    L2MAC_ASSIGN_OR_RETURN(auto records, workspace_.registry().All());
    run.events.Emit(PlanReadyFrom(records));
    return Status::Ok();
  }

  // Asks the planner for the program of task `task` of a finished run given a new one,
  // and appends it (control_unit/next_task.hpp).
  Status PlanTask(RunContext& run, int task) {
    L2MAC_ASSIGN_OR_RETURN(auto program, AskPlanner(run));
    L2MAC_RETURN_IF_ERROR(AppendTaskProgram(workspace_, program, task));
    std::vector<registry::InstructionRecord> added;
    for (const auto& instruction : TaskInstructions(program, task)) {
      L2MAC_ASSIGN_OR_RETURN(auto record, workspace_.registry().Get(instruction.id));
      added.push_back(std::move(record));
    }
    run.events.Emit(PlanReadyFrom(added));
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
  llm::Provider& provider_;  // shared by the lanes' gateways (thread-safe Complete())
  RecordingGateway gateway_;
  RunOptions options_;
  llm::PriceTable prices_;
  // The judge's own gateway with --judge-model; null: the judge uses gateway_.
  std::unique_ptr<RecordingGateway> judge_gateway_;
  std::string model_;  // the provider's description, for run_started
  std::optional<RunResumed> resumed_;
  std::optional<GitBranchTarget> git_target_;
  std::unique_ptr<GitBranchExport> git_;  // with --git-branch, during RunSteps
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

namespace {

// Lanes need a provider that answers each request, not each call in turn.
Status CheckProviderServesLanes(const RunOptions& options, const llm::Provider& provider) {
  if (options.parallel <= 1 || !provider.AnswersInCallOrder()) return Status::Ok();
  return Status::InvalidArgument(
      provider.Describe() +
      " answers calls in the order they come (its transcript has no exchange keys: it was "
      "recorded before they existed, or written by hand), and parallel lanes interleave their "
      "calls differently every run: replay it with --parallel 1");
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
  L2MAC_RETURN_IF_ERROR(CheckProviderServesLanes(options, provider));
  L2MAC_ASSIGN_OR_RETURN(auto prompts, agents::LoadPromptSet(options.domain, options.prompts_dir));
  if (!options.program) {
    L2MAC_RETURN_IF_ERROR(agents::CheckPlannerFits(
        options.task, prompts,
        agents::ContextBudget::ForWindow(options.context_window, 1.0, options.max_output_tokens,
                                         options.token_counter)));
  }
  std::optional<GitBranchTarget> git_target;
  std::error_code state_error;
  const bool had_state =
      std::filesystem::exists(Workspace::StatePath(options.out_dir), state_error);
  if (!options.git_branch.empty() && !had_state) {
    // Checked before the folder gets a state: a refusal creates nothing.
    L2MAC_ASSIGN_OR_RETURN(git_target, CheckGitBranch(options.out_dir, options.git_branch, {}));
  }
  L2MAC_ASSIGN_OR_RETURN(auto workspace, Workspace::Open(options.out_dir, OpenMode::kCreate));
  if (!options.git_branch.empty() && had_state) {
    // A finished run given a new task: the files its earlier tasks wrote into the folder are
    // l2mac's own, not the user's changes (as on resume).
    L2MAC_ASSIGN_OR_RETURN(auto own, StoreHeadPaths(workspace->store()));
    L2MAC_ASSIGN_OR_RETURN(git_target, CheckGitBranch(options.out_dir, options.git_branch, own));
  }
  {
    // The run exists once this lands: task, options and a supplied program together.
    L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace->db()));
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("options", DumpJson(options.ToJson())));
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("provider", provider.Describe()));
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("state", "running"));
    if (workspace->continued()) {
      // A finished run given a new task: its program is appended (control_unit/next_task.hpp).
      L2MAC_ASSIGN_OR_RETURN(int task, AddTask(*workspace));
      if (options.program) {
        L2MAC_RETURN_IF_ERROR(AppendTaskProgram(*workspace, *options.program, task));
      }
    } else if (options.program) {
      L2MAC_RETURN_IF_ERROR(workspace->registry().SaveProgram(*options.program));
    }
    L2MAC_RETURN_IF_ERROR(workspace->SetMeta("task", options.task));
    L2MAC_RETURN_IF_ERROR(txn->Commit());
  }
  llm::PriceTable prices = llm::PriceTable::BuiltIn();
  L2MAC_RETURN_IF_ERROR(prices.Override(options.prices));
  RunLoop loop(*workspace, provider, options, std::move(prices));
  loop.set_git_target(std::move(git_target));
  return NoteStop(*workspace, loop.Run());
}

Result<RunReport> ResumeRun(const std::filesystem::path& out_dir, llm::Provider& provider,
                            const std::optional<nlohmann::json>& overrides, GateSetup gate,
                            EventSink* events, const CancelToken* cancel,
                            llm::Provider* judge_provider,
                            std::shared_ptr<const TokenCounter> token_counter) {
  L2MAC_ASSIGN_OR_RETURN(auto workspace, Workspace::Open(out_dir, OpenMode::kExisting));
  RunOptions options;
  options.out_dir = out_dir;
  options.gate = std::move(gate);
  options.cancel = cancel;
  options.events = events;
  options.judge_provider = judge_provider;
  options.token_counter = std::move(token_counter);
  RunResumed resumed;
  L2MAC_ASSIGN_OR_RETURN(auto task, workspace->GetMeta("task"));
  L2MAC_ASSIGN_OR_RETURN(auto stored, workspace->GetMeta("options"));
  if (!task || !stored) return DamagedState(out_dir, "it has no stored task or options");
  options.task = *task;
  auto json = nlohmann::json::parse(*stored, nullptr, false);
  if (Status applied = RunOptions::ApplyJson(json, options); !applied.ok()) {
    return DamagedState(out_dir, "its stored run options: " + applied.message());
  }
  // A run started before the failure analysis existed goes on without it: its recorded
  // exchanges hold no analysis calls for a replay to serve.
  if (!json.contains("analysis")) options.analysis = false;
  if (overrides) L2MAC_RETURN_IF_ERROR(RunOptions::ApplyJson(*overrides, options));
  L2MAC_RETURN_IF_ERROR(ValidateLimits(options));
  L2MAC_RETURN_IF_ERROR(CheckProviderServesLanes(options, provider));
  std::optional<GitBranchTarget> git_target;
  if (!options.git_branch.empty()) {
    // The files l2mac wrote into the folder are its own, not the user's changes.
    L2MAC_ASSIGN_OR_RETURN(auto own, StoreHeadPaths(workspace->store()));
    L2MAC_ASSIGN_OR_RETURN(git_target, CheckGitBranch(out_dir, options.git_branch, own));
  }

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
  loop.set_git_target(std::move(git_target));
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
