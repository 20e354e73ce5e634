#include "control_unit/instruction_executor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "agents/toolchains/test_protection.hpp"
#include "agents/worker.hpp"
#include "control_unit/event_payloads.hpp"
#include "control_unit/requirement_steps.hpp"
#include "control_unit/run_status.hpp"
#include "control_unit/temp_dir.hpp"
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

std::filesystem::path SnapshotRootOf(const std::filesystem::path& workspace_dir) {
  return workspace_dir / ".l2mac" / "tmp";
}

std::filesystem::path InstructionExecutor::SnapshotRoot() const {
  return SnapshotRootOf(run_.workspace.dir());
}

Result<toolchains::GateReport> InstructionExecutor::RunChecks(
    filestore::StoreTransaction& txn, const std::vector<std::string>& test_paths,
    const std::string& instruction_text,
    const std::vector<toolchains::ProtectedTest>& protected_tests) {
  const RunOptions& options = run_.options;
  L2MAC_ASSIGN_OR_RETURN(TempDir snapshot, TempDir::Create(SnapshotRoot(), "snapshot-"));
  L2MAC_RETURN_IF_ERROR(txn.WriteSnapshot(snapshot.path()));
  toolchains::GateOptions gate_options;
  gate_options.timeout = options.check_timeout;
  // step_complete passes no paths: the whole suite runs, so earlier tests keep passing.
  gate_options.test_paths = test_paths;
  gate_options.instruction_text = instruction_text;
  gate_options.sandbox = CheckSandbox();
  gate_options.profiles = options.gate.profiles;
  gate_options.protected_tests = protected_tests;
  gate_options.cancel = options.cancel;
  run_.events.Emit(CheckStarted{test_paths});
  const auto started = std::chrono::steady_clock::now();
  auto report = toolchains::RunGate(GateDomainFor(options.domain), snapshot.path(),
                                    txn.ChangedPaths(), gate_options);
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

Result<std::string> InstructionExecutor::Execute(const registry::InstructionRecord& record) {
  Workspace& workspace = run_.workspace;
  const RunOptions& options = run_.options;
  const std::string& id = record.instruction.id;
  L2MAC_RETURN_IF_ERROR(workspace.registry().MarkRunning(id));
  run_.gateway.set_instruction(id,
                               {record.instruction.max_tokens, record.instruction.max_cost_usd});
  L2MAC_ASSIGN_OR_RETURN(auto all, workspace.registry().All());
  run_.events.set_instruction(id);
  run_.events.Emit(InstructionStarted{record.instruction.text, static_cast<int>(record.seq),
                                      static_cast<int>(all.size())});
  L2MAC_ASSIGN_OR_RETURN(auto txn, workspace.store().Begin());

  agents::WorkerInput input;
  input.task = options.task;
  input.instruction_id = id;
  input.instruction_text = record.instruction.text;
  input.instruction_count = static_cast<int>(all.size());
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
  // The tests that passed at the last commit: every gate of this instruction holds to them.
  L2MAC_ASSIGN_OR_RETURN(auto protected_tests, workspace.test_baseline().Load());
  agents::Worker worker(
      run_.prompts, run_.gateway, staged, workspace.dir(),
      [this, &staged, &record, &protected_tests](const std::vector<std::string>& paths) {
        return RunChecks(staged, paths, record.instruction.text, protected_tests);
      },
      limits, on_agent_event);
  auto worked = worker.Run(input);
  if (!worked.ok()) {
    auto refusal = run_.gateway.TakeRefusal();
    if (!refusal) return worked.status();
    if (refusal->scope == BudgetScope::kRun) {
      // Stopped like a budget stop between instructions: the staged work is discarded
      // and the instruction waits, pending, for a resume with a raised budget.
      txn->Discard();
      L2MAC_RETURN_IF_ERROR(workspace.registry().MarkPending(id));
      return refusal->stop;
    }
    agents::WorkerOutcome capped;  // the instruction's own cap: it fails, the run goes on
    capped.failure = refusal->message;
    worked = std::move(capped);
  }
  agents::WorkerOutcome outcome = std::move(*worked);

  if (!outcome.completed) {
    InstructionFailed failed{outcome.failure, ""};
    if (refused == 0 || changed_since_refusal) {
      failed.kept_as = KeepAttemptOrWarn(*txn, id, outcome.failure);
    }
    txn->Discard();
    L2MAC_ASSIGN_OR_RETURN(auto db_txn, Transaction::Begin(workspace.db()));
    L2MAC_RETURN_IF_ERROR(workspace.registry().MarkFailed(id, outcome.failure));
    run_.events.Emit(std::move(failed));
    L2MAC_RETURN_IF_ERROR(SkipBlocked());
    L2MAC_RETURN_IF_ERROR(run_.events.Flush());
    L2MAC_RETURN_IF_ERROR(db_txn->Commit());
    return std::string();
  }
  {
    // The store commit and the registry's record of it land together or not at all.
    L2MAC_ASSIGN_OR_RETURN(auto db_txn, Transaction::Begin(workspace.db()));
    const auto files_changed = static_cast<int64_t>(txn->ChangedPaths().size());
    L2MAC_ASSIGN_OR_RETURN(
        int64_t commit_id,
        txn->Commit("instruction " + id + ": " + FirstLine(outcome.summary), "instruction " + id));
    L2MAC_RETURN_IF_ERROR(workspace.registry().MarkCommitted(id, outcome.summary, commit_id));
    L2MAC_RETURN_IF_ERROR(workspace.test_baseline().Replace(
        toolchains::NextProtectedTests(outcome.gate_report.test_runs, protected_tests)));
    L2MAC_RETURN_IF_ERROR(RecordRequirementTests(workspace, commit_id, outcome.gate_report));
    // The event lands with the commit it reports.
    run_.events.Emit(InstructionCommitted{commit_id, files_changed, FirstLine(outcome.summary)});
    L2MAC_RETURN_IF_ERROR(run_.events.Flush());
    L2MAC_RETURN_IF_ERROR(db_txn->Commit());
  }
  L2MAC_ASSIGN_OR_RETURN(auto materialized, workspace.store().Materialize(workspace.dir()));
  user_edits_.NoteKept(materialized);
  run_.events.set_instruction("");
  return std::string();
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
