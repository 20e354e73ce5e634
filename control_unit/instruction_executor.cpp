#include "control_unit/instruction_executor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "agents/toolchains/test_protection.hpp"
#include "agents/worker.hpp"
#include "control_unit/event_payloads.hpp"
#include "control_unit/judge_round.hpp"
#include "control_unit/rebase.hpp"
#include "control_unit/requirement_steps.hpp"
#include "control_unit/run_status.hpp"
#include "core/text.hpp"

namespace l2mac::control_unit {
namespace {

using registry::InstructionStatus;

toolchains::GateDomain GateDomainFor(agents::Domain domain) {
  return domain == agents::Domain::kBook ? toolchains::GateDomain::kBook
                                         : toolchains::GateDomain::kCodebase;
}

std::string FirstLine(const std::string& text) {
  return TruncateUtf8(text.substr(0, text.find('\n')), 120);
}

}  // namespace

std::filesystem::path CheckTreeRootOf(const std::filesystem::path& workspace_dir) {
  return workspace_dir / ".l2mac" / "check";
}

Result<toolchains::GateReport> InstructionExecutor::RunChecks(
    filestore::StoreTransaction& txn, const std::vector<std::string>& test_paths,
    const std::string& instruction_text,
    const std::vector<toolchains::ProtectedTest>& protected_tests) {
  const RunOptions& options = run_.options;
  std::shared_ptr<const Sandbox> sandbox = CheckSandbox();
  if (!check_tree_) {
    // Each lane checks in a tree of its own, so lanes' checks never share a folder.
    const std::string name = run_.lane == 0 ? "main" : "lane-" + std::to_string(run_.lane);
    check_tree_ =
        std::make_unique<CheckTree>(CheckTreeRootOf(run_.workspace.dir()) / name, sandbox);
  }
  L2MAC_RETURN_IF_ERROR(check_tree_->Prepare(run_.workspace.store(), txn));
  toolchains::GateOptions gate_options;
  gate_options.timeout = options.check_timeout;
  // step_complete passes no paths: the whole suite runs, so earlier tests keep passing.
  gate_options.test_paths = test_paths;
  // A follow-up's quoted judge text sets no length target and unprotects no test.
  gate_options.instruction_text = InstructionOwnText(instruction_text);
  gate_options.sandbox = sandbox;
  gate_options.files = &check_tree_->Files();
  gate_options.snapshot_handed_over = check_tree_->handed_over();
  gate_options.profiles = options.gate.profiles;
  gate_options.protected_tests = protected_tests;
  L2MAC_ASSIGN_OR_RETURN(gate_options.preexisting_failures,
                         run_.workspace.test_baseline().LoadPreexistingFailures());
  gate_options.cancel = options.cancel;
  run_.events.Emit(CheckStarted{test_paths});
  const auto started = std::chrono::steady_clock::now();
  Result<toolchains::GateReport> report = Status::Internal("the checks did not run");
  {
    // The checks work in this lane's own tree only: the other lanes go on meanwhile.
    StateReleased released(run_.state_lock);
    report = toolchains::RunGate(GateDomainFor(options.domain), check_tree_->root(),
                                 txn.ChangedPaths(), gate_options);
  }
  // A check killed by the interrupt says nothing about the instruction.
  if (IsCancelled(options.cancel)) return Status::Cancelled("interrupted during the checks");
  if (!report.ok()) {
    // The checks themselves could not run (no interpreter, no pytest): a problem of this
    // machine, not of the instruction, so the run stops rather than failing it.
    return Status::Unavailable("the checks could not run: " + report.status().message());
  }
  run_.events.Emit(CheckFinishedFrom(*report, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - started)
                                                  .count()));
  return report;
}

Result<toolchains::GateReport> InstructionExecutor::CheckHead() {
  L2MAC_ASSIGN_OR_RETURN(auto head, run_.workspace.store().Begin());
  return RunChecks(*head, {}, "", {});
}

std::shared_ptr<const Sandbox> InstructionExecutor::CheckSandbox() {
  if (sandbox_checked_) return sandbox_;
  sandbox_checked_ = true;
  sandbox_ = run_.options.gate.sandbox;
  if (!sandbox_) {
    auto made = Sandbox::Create(SandboxSettings{}, SandboxWarning::kCaller);
    // An error leaves it null: RunGate then makes its own and reports the error.
    if (made.ok()) sandbox_ = *made;
  }
  if (sandbox_ && !sandbox_->fallback_warning().empty()) {
    run_.events.Emit(Notice{"warning", sandbox_->fallback_warning()});
  }
  return sandbox_;
}

Result<std::string> InstructionExecutor::KeepAttempt(const filestore::StoreTransaction& txn,
                                                     const std::string& id,
                                                     const std::string& why) {
  filestore::FileStore& store = run_.workspace.store();
  // The next free number for this instruction: names are never reused, so what an event
  // once named stays what it names, and a branch is always new (on an empty store it
  // starts empty, so its commit holds just the staged files).
  L2MAC_ASSIGN_OR_RETURN(auto branches, store.Branches());
  const std::string prefix = AttemptBranchPrefix(id);
  int last = 0;
  for (auto it = branches.lower_bound(prefix); it != branches.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    const std::string number = it->first.substr(prefix.size());
    if (!number.empty() && number.size() < 9 &&
        number.find_first_not_of("0123456789") == std::string::npos) {
      last = std::max(last, std::stoi(number));
    }
  }
  const int attempt = last + 1;
  const std::string branch = AttemptBranch(id, attempt);
  // The branch and its commit land together: a kill leaves no branch that names other
  // files.
  L2MAC_ASSIGN_OR_RETURN(auto db_txn, Transaction::Begin(run_.workspace.db()));
  if (txn.base() != 0) L2MAC_RETURN_IF_ERROR(store.SetBranch(branch, txn.base()));
  L2MAC_ASSIGN_OR_RETURN(auto copy, store.BeginOn(branch));
  for (const std::string& path : txn.ChangedPaths()) {
    L2MAC_ASSIGN_OR_RETURN(auto content, txn.Read(path));
    if (content) {
      L2MAC_RETURN_IF_ERROR(copy->Write(path, std::move(*content)));
      continue;
    }
    Status deleted = copy->Delete(path);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
  }
  L2MAC_ASSIGN_OR_RETURN(
      int64_t commit,
      copy->Commit(fmt::format("failed attempt of instruction {}: {}", id, FirstLine(why)),
                   "instruction " + id));
  if (commit == txn.base()) return std::string();  // nothing differed from the base
  L2MAC_RETURN_IF_ERROR(db_txn->Commit());
  return branch;
}

std::string InstructionExecutor::KeepAttemptOrWarn(const filestore::StoreTransaction& txn,
                                                   const std::string& id, const std::string& why) {
  if (!txn.HasChanges()) return "";
  auto kept = KeepAttempt(txn, id, why);
  if (kept.ok()) return *kept;
  // Keeping the files is a convenience: the run goes on without it.
  run_.events.Emit(Notice{"warning", fmt::format("the files of a failed attempt of instruction "
                                                 "{} could not be kept on a branch: {}",
                                                 id, kept.status().message())});
  return "";
}

Result<std::string> InstructionExecutor::Execute(const registry::InstructionRecord& record,
                                                 const LaneTicket* lane) {
  lane_ = lane;
  struct ForgetLane {
    const LaneTicket*& lane;
    ~ForgetLane() { lane = nullptr; }
  } forget{lane_};
  Workspace& workspace = run_.workspace;
  const std::string& id = record.instruction.id;
  L2MAC_RETURN_IF_ERROR(workspace.registry().MarkRunning(id));
  L2MAC_ASSIGN_OR_RETURN(auto all, workspace.registry().All());
  run_.events.set_instruction(id);
  run_.events.Emit(InstructionStarted{record.instruction.text, static_cast<int>(record.seq),
                                      static_cast<int>(all.size())});
  // Each pass is one try; only a result that cannot join main (--parallel) makes another.
  std::string rerun_note;
  for (int tries = 1;; ++tries) {
    // A lane's first try starts from its ticket's view; a rerun, at its turn, from main.
    const LaneView* view = lane != nullptr && tries == 1 ? lane->view.get() : nullptr;
    L2MAC_ASSIGN_OR_RETURN(TryResult result, Try(record, rerun_note, view));
    if (!result.retry) return result.stop;
    if (tries >= kMaxMergeTries) {
      L2MAC_RETURN_IF_ERROR(
          Fail(id, fmt::format("its result could not join main in {} tries: other instructions "
                               "committed meanwhile kept conflicting with it; {}",
                               tries, result.retry->detail)));
      return std::string();
    }
    rerun_note = result.retry->detail;
    result.retry->attempt = static_cast<int>(run_.gateway.attempt()) + 1;
    run_.events.Emit(std::move(*result.retry));
  }
}

Result<InstructionExecutor::TryResult> InstructionExecutor::Try(
    const registry::InstructionRecord& record, const std::string& rerun_note,
    const LaneView* view) {
  Workspace& workspace = run_.workspace;
  const RunOptions& options = run_.options;
  const std::string& id = record.instruction.id;
  run_.gateway.set_instruction(id,
                               {record.instruction.max_tokens, record.instruction.max_cost_usd});
  premerged_.reset();
  merged_failure_.reset();
  // A lane's view, not main as it is now: what other lanes committed meanwhile depends on
  // the clock, and the context must not (lane_order.hpp).
  std::vector<registry::InstructionRecord> all;
  std::unique_ptr<filestore::StoreTransaction> txn;
  if (view != nullptr) {
    all = view->records;
    L2MAC_ASSIGN_OR_RETURN(txn, workspace.store().BeginAt(view->head));
  } else {
    L2MAC_ASSIGN_OR_RETURN(all, workspace.registry().All());
    L2MAC_ASSIGN_OR_RETURN(txn, workspace.store().Begin());
  }

  agents::WorkerInput input;
  input.task = options.task;
  input.instruction_id = id;
  input.instruction_text = record.instruction.text;
  input.instruction_count = static_cast<int>(all.size());
  input.rerun_note = rerun_note;
  for (const auto& other : all) {
    if (other.status == InstructionStatus::kCommitted) {
      input.earlier_summaries.push_back("[" + other.instruction.id + "] " + other.summary);
    }
  }
  L2MAC_ASSIGN_OR_RETURN(input.requirements, CoveredRequirements(workspace, record.instruction));

  agents::WorkerLimits limits;
  L2MAC_ASSIGN_OR_RETURN(limits.budget, NextContextBudget(run_));
  limits.max_context_restarts = options.max_context_restarts;
  limits.max_gate_failures = options.max_gate_failures;
  limits.max_turns = options.max_turns;
  if (record.instruction.max_turns > 0 && record.instruction.max_turns < limits.max_turns) {
    limits.max_turns = record.instruction.max_turns;
    limits.max_turns_source = "the instruction's own \"max_turns\" in the prompt program";
  }
  limits.max_write_bytes = static_cast<size_t>(options.max_file_bytes);
  limits.analyze_failures = options.analysis;
  filestore::StoreTransaction& staged = *txn;
  // Refused attempts of this try, and whether a write succeeded after the last one (then
  // a failure keeps the files on a branch of their own).
  int refused = 0;
  bool changed_since_refusal = false;
  // What the worker reports is counted in the registry and passed on as events.
  auto on_agent_event = [&](const agents::AgentEvent& event) -> Status {
    if (std::holds_alternative<agents::ContextRestarted>(event)) {
      L2MAC_RETURN_IF_ERROR(workspace.registry().AddContextRestart(id));
    } else if (const auto* rejected = std::get_if<agents::StepRejected>(&event)) {
      L2MAC_RETURN_IF_ERROR(workspace.registry().AddAttempt(id));
      refused = rejected->attempts;
      changed_since_refusal = false;
      agents::StepRejected kept = *rejected;
      kept.kept_as = KeepAttemptOrWarn(staged, id, rejected->checks);
      run_.events.Emit(std::move(kept));
      return Status::Ok();
    } else if (const auto* tool = std::get_if<agents::ToolCalled>(&event)) {
      const bool writes =
          tool->name == "write_file" || tool->name == "edit_file" || tool->name == "delete_file";
      if (writes && tool->ok) changed_since_refusal = true;
    }
    std::visit([this](const auto& payload) { run_.events.Emit(payload); }, event);
    return Status::Ok();
  };
  // The tests that passed at the last commit (of the view): every gate of this
  // instruction holds to them.
  std::vector<toolchains::ProtectedTest> protected_tests;
  if (view != nullptr) {
    protected_tests = view->protected_tests;
  } else {
    L2MAC_ASSIGN_OR_RETURN(protected_tests, workspace.test_baseline().Load());
  }
  // run_tests checks the staged state as it is; step_complete may check it merged.
  agents::Worker worker(
      run_.prompts, run_.gateway, staged, workspace.dir(),
      [this, &staged, &record, &protected_tests](const std::vector<std::string>& paths) {
        return RunChecks(staged, paths, record.instruction.text, protected_tests);
      },
      limits, on_agent_event);
  worker.set_step_checker(
      [this, &staged, &record, &protected_tests](const std::vector<std::string>& paths) {
        return CheckStep(staged, paths, record.instruction.text, protected_tests);
      });
  // add_instructions: checked against the program now, appended only with the commit.
  worker.set_instruction_validator([&workspace](const std::vector<registry::Instruction>& added) {
    return workspace.registry().CheckAppend(added);
  });
  auto worked = worker.Run(input);
  if (!worked.ok()) {
    auto refusal = run_.gateway.TakeRefusal();
    if (!refusal) return worked.status();
    if (refusal->scope == BudgetScope::kRun) {
      // Stopped like a budget stop between instructions: the staged work is discarded
      // and the instruction waits, pending, for a resume with a raised budget.
      txn->Discard();
      L2MAC_RETURN_IF_ERROR(workspace.registry().MarkPending(id));
      return TryResult{refusal->stop, std::nullopt};
    }
    agents::WorkerOutcome capped;  // the instruction's own cap: it fails, the run goes on
    capped.failure = refusal->message;
    worked = std::move(capped);
  }
  agents::WorkerOutcome outcome = std::move(*worked);

  if (!outcome.completed) {
    std::string kept_as;
    if (refused == 0 || changed_since_refusal) {
      kept_as = KeepAttemptOrWarn(*txn, id, outcome.failure);
    }
    txn->Discard();
    L2MAC_RETURN_IF_ERROR(Fail(id, outcome.failure, kept_as));
    return TryResult{};
  }
  // With lanes, main may have moved on since this try began: the result joins main as it
  // is now, checked there, or the instruction runs again.
  L2MAC_ASSIGN_OR_RETURN(
      std::optional<MergeRetried> retry,
      JoinHead(txn, record.instruction.text, outcome.gate_report, protected_tests));
  if (!retry && !outcome.added_instructions.empty()) {
    // Checked when the worker added them, but another lane may have appended ids of the
    // same name since: then this try's result cannot join the program as it is.
    if (Status appendable = workspace.registry().CheckAppend(outcome.added_instructions);
        !appendable.ok()) {
      MergeRetried clash;
      clash.reason = "conflict";
      clash.detail = TruncateUtf8(
          "Your changes could not be kept: the follow-up instructions you added with "
          "add_instructions clash with what other instructions added while you worked (" +
              appendable.message() +
              "). Start from the files as they are now and do this instruction again; "
              "choose ids that are not in the program.",
          kMaxRetryDetailBytes);
      retry = std::move(clash);
    }
  }
  if (retry) {
    txn->Discard();
    return TryResult{"", std::move(retry)};
  }
  std::vector<std::string> changed;
  {
    // The store commit and the registry's record of it land together or not at all.
    L2MAC_ASSIGN_OR_RETURN(auto db_txn, Transaction::Begin(workspace.db()));
    changed = txn->ChangedPaths();
    const auto files_changed = static_cast<int64_t>(changed.size());
    L2MAC_ASSIGN_OR_RETURN(
        int64_t commit_id,
        txn->Commit("instruction " + id + ": " + FirstLine(outcome.summary), "instruction " + id));
    L2MAC_RETURN_IF_ERROR(workspace.registry().MarkCommitted(id, outcome.summary, commit_id));
    L2MAC_RETURN_IF_ERROR(workspace.test_baseline().Replace(
        toolchains::NextProtectedTests(outcome.gate_report.test_runs, protected_tests)));
    L2MAC_RETURN_IF_ERROR(RecordRequirementTests(workspace, commit_id, outcome.gate_report));
    if (!outcome.added_instructions.empty()) {
      L2MAC_RETURN_IF_ERROR(
          workspace.registry().AppendInstructions(outcome.added_instructions, id));
      InstructionsAdded added;
      for (const auto& instruction : outcome.added_instructions) {
        added.instructions.push_back(instruction.id);
      }
      run_.events.Emit(std::move(added));
    }
    // The event lands with the commit it reports.
    run_.events.Emit(InstructionCommitted{commit_id, files_changed, FirstLine(outcome.summary)});
    L2MAC_RETURN_IF_ERROR(run_.events.Flush());
    L2MAC_RETURN_IF_ERROR(db_txn->Commit());
  }
  // The folder showed the commit's parent (the run's start materialized it whole, and
  // every commit since materialized its paths), so the changed paths bring it up to date.
  L2MAC_ASSIGN_OR_RETURN(auto materialized,
                         workspace.store().MaterializePaths(workspace.dir(), changed));
  user_edits_.NoteKept(materialized);
  run_.events.set_instruction("");
  return TryResult{};
}

namespace {

MergeRetried ConflictRetry(const std::vector<RebaseConflict>& conflicts, size_t limit) {
  MergeRetried retry;
  retry.reason = "conflict";
  for (const auto& conflict : conflicts) retry.paths.push_back(conflict.path);
  retry.detail = TruncateUtf8(
      "Your changes could not be merged with what other instructions committed while "
      "you worked, so nothing of them was kept. The conflicts:\n" +
          DescribeConflicts(conflicts) +
          "Start from the files as they are now (they hold the other instructions' "
          "work: keep it) and make this instruction's changes again.",
      limit);
  return retry;
}

MergeRetried ChecksRetry(const toolchains::GateReport& merged, size_t limit) {
  MergeRetried retry;
  retry.reason = "checks";
  retry.detail = TruncateUtf8(
      "Your changes passed the checks on their own, but merged with what other "
      "instructions committed while you worked they fail them, so nothing of them was "
      "kept. The failure:\n" +
          merged.FailureText(1200) +
          "\nStart from the files as they are now (they hold the other instructions' "
          "work: keep it) and make this instruction's changes again so that everything "
          "passes.",
      limit);
  return retry;
}

}  // namespace

void InstructionExecutor::AwaitTurn() {
  if (lane_ != nullptr) lane_->order->WaitForTurn(lane_->ticket);
}

Result<std::optional<MergeRetried>> InstructionExecutor::JoinHead(
    std::unique_ptr<filestore::StoreTransaction>& txn, const std::string& instruction_text,
    toolchains::GateReport& report, std::vector<toolchains::ProtectedTest>& protected_tests) {
  // From its turn on, main stays where it is until this instruction ends.
  AwaitTurn();
  filestore::FileStore& store = run_.workspace.store();
  L2MAC_ASSIGN_OR_RETURN(int64_t head, store.Head());
  if (head == txn->base()) return std::optional<MergeRetried>();
  if (premerged_ && premerged_->head == head) {
    // The passing step_complete already checked exactly this merge (CheckStep).
    txn = std::move(premerged_->txn);
    report = std::move(premerged_->report);
    protected_tests = std::move(premerged_->protected_tests);
    premerged_.reset();
    return std::optional<MergeRetried>();
  }
  if (merged_failure_ && merged_failure_->head == head) {
    // The step_complete's merged check failed here: it would fail again.
    return std::optional<MergeRetried>(ChecksRetry(merged_failure_->report, kMaxRetryDetailBytes));
  }
  L2MAC_ASSIGN_OR_RETURN(Rebased rebased, RebaseOntoHead(store, *txn));
  if (!rebased.conflicts.empty()) {
    return std::optional<MergeRetried>(ConflictRetry(rebased.conflicts, kMaxRetryDetailBytes));
  }
  // The merged result is what main would hold: it must pass the checks there, against
  // the tests protected now (other lanes' commits added theirs).
  L2MAC_ASSIGN_OR_RETURN(auto protected_now, run_.workspace.test_baseline().Load());
  L2MAC_ASSIGN_OR_RETURN(toolchains::GateReport merged_report,
                         RunChecks(*rebased.txn, {}, instruction_text, protected_now));
  if (!merged_report.passed) {
    return std::optional<MergeRetried>(ChecksRetry(merged_report, kMaxRetryDetailBytes));
  }
  txn = std::move(rebased.txn);
  report = std::move(merged_report);
  protected_tests = std::move(protected_now);
  return std::optional<MergeRetried>();
}

Result<toolchains::GateReport> InstructionExecutor::CheckStep(
    filestore::StoreTransaction& staged, const std::vector<std::string>& test_paths,
    const std::string& instruction_text,
    const std::vector<toolchains::ProtectedTest>& protected_tests) {
  premerged_.reset();
  merged_failure_.reset();
  if (lane_ == nullptr) return RunChecks(staged, test_paths, instruction_text, protected_tests);
  // At its turn main holds exactly tickets 1..t-1, whatever the clock: checking there makes
  // the result (and so the model's next request) the same in every run.
  AwaitTurn();
  filestore::FileStore& store = run_.workspace.store();
  L2MAC_ASSIGN_OR_RETURN(int64_t head, store.Head());
  if (head == staged.base())
    return RunChecks(staged, test_paths, instruction_text, protected_tests);
  L2MAC_ASSIGN_OR_RETURN(Rebased rebased, RebaseOntoHead(store, staged));
  if (rebased.conflicts.empty()) {
    // Checked as main would hold it, so joining main needs no second check (JoinHead).
    L2MAC_ASSIGN_OR_RETURN(auto protected_now, run_.workspace.test_baseline().Load());
    L2MAC_ASSIGN_OR_RETURN(toolchains::GateReport merged,
                           RunChecks(*rebased.txn, {}, instruction_text, protected_now));
    if (merged.passed) {
      premerged_ = Premerged{std::move(rebased.txn), head, merged, std::move(protected_now)};
      return merged;
    }
    merged_failure_ = MergedFailure{head, std::move(merged)};
  }
  // A conflict, or a failure the other instructions' files cause, which the worker cannot
  // see in its own view: it gets the checks of its own changes, and joining main reruns it
  // on the new head, told why.
  return RunChecks(staged, test_paths, instruction_text, protected_tests);
}

Status InstructionExecutor::Fail(const std::string& id, const std::string& failure,
                                 const std::string& kept_as) {
  AwaitTurn();
  L2MAC_ASSIGN_OR_RETURN(auto db_txn, Transaction::Begin(run_.workspace.db()));
  L2MAC_RETURN_IF_ERROR(run_.workspace.registry().MarkFailed(id, failure));
  run_.events.Emit(InstructionFailed{failure, kept_as});
  L2MAC_RETURN_IF_ERROR(SkipBlocked());
  L2MAC_RETURN_IF_ERROR(run_.events.Flush());
  return db_txn->Commit();
}

Status InstructionExecutor::SkipBlocked() {
  registry::InstructionRegistry& registry = run_.workspace.registry();
  L2MAC_ASSIGN_OR_RETURN(auto before, registry.All());
  L2MAC_ASSIGN_OR_RETURN(int skipped, registry.SkipBlocked());
  if (skipped == 0) return Status::Ok();
  std::set<std::string> already;
  for (const auto& record : before) {
    if (record.status == InstructionStatus::kSkipped) already.insert(record.instruction.id);
  }
  L2MAC_ASSIGN_OR_RETURN(auto after, registry.All());
  const std::string current = run_.events.instruction();
  for (const auto& record : after) {
    if (record.status != InstructionStatus::kSkipped || already.count(record.instruction.id)) {
      continue;
    }
    run_.events.set_instruction(record.instruction.id);
    run_.events.Emit(InstructionSkipped{record.failure});
  }
  run_.events.set_instruction(current);
  return Status::Ok();
}

}  // namespace l2mac::control_unit
