// Runs one ready instruction of the prompt program: a worker in a fresh context on a
// transaction staged on top of main's head, its step_complete checked by the gate on a
// snapshot of the staged state, and then either the commit (store commit, registry record,
// test baseline and event in one database transaction) or the failure (writes discarded
// from main, dependents skipped).
//
// The files of each attempt the checks refused are kept as a store branch
// ("attempt/<instruction>/<n>", see AttemptBranch in run_status.hpp), so a user can see
// what the model tried (`l2mac files DIR diff --at attempt/3/2`); the branch never touches main.
//
// Borrows the run's parts (RunContext); the run's one thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "control_unit/run_context.hpp"
#include "control_unit/user_edits.hpp"
#include "core/sandbox.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"
#include "registry/instruction_registry.hpp"

namespace l2mac::control_unit {

class InstructionExecutor {
 public:
  InstructionExecutor(RunContext& run, UserEdits& user_edits)
      : run_(run), user_edits_(user_edits) {}

  // Runs `record` (pending, its dependencies committed) to its commit or its failure.
  // Returns "" then; or, when the gateway refused a call at the run's budget, which budget
  // stopped it (the instruction is back to pending, its writes discarded). Errors (the
  // model, the database, the checks unable to run, kCancelled) end the run.
  Result<std::string> Execute(const registry::InstructionRecord& record);

  // Marks the dependents of failed instructions skipped, each with an event (in the
  // caller's transaction when one is open).
  Status SkipBlocked();

 private:
  Result<toolchains::GateReport> RunChecks(
      filestore::StoreTransaction& txn, const std::vector<std::string>& test_paths,
      const std::string& instruction_text,
      const std::vector<toolchains::ProtectedTest>& protected_tests);

  // Commits the staged state of `txn` as one commit on a new branch
  // AttemptBranch(id, n), n the next free number for `id`, off the staged base, in one
  // database transaction; returns the branch, or "" when nothing differs from the base.
  // Never changes main.
  Result<std::string> KeepAttempt(const filestore::StoreTransaction& txn, const std::string& id,
                                  const std::string& why);
  // KeepAttempt, best effort: "" when nothing is staged, and on an error a warning notice
  // (a branch is a convenience for the user; it never stops the run).
  std::string KeepAttemptOrWarn(const filestore::StoreTransaction& txn, const std::string& id,
                                const std::string& why);

  // The sandbox the checks run in: the configured one, else the default made once here.
  // The first call emits the sandbox's fallback warning, if it has one, as a notice (the
  // sandbox logs nothing itself during a run: SandboxWarning::kCaller).
  std::shared_ptr<const Sandbox> CheckSandbox();

  // Gate snapshots live in the workspace, so a run killed during a check leaves nothing
  // behind elsewhere; whatever a killed run left there is removed when the next starts.
  std::filesystem::path SnapshotRoot() const;

  RunContext& run_;
  UserEdits& user_edits_;
  bool sandbox_checked_ = false;  // CheckSandbox() ran
  std::shared_ptr<const Sandbox> sandbox_;
};

// Where gate snapshots of the run in `workspace_dir` are made.
std::filesystem::path SnapshotRootOf(const std::filesystem::path& workspace_dir);

}  // namespace l2mac::control_unit
