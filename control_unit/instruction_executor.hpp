// Runs one ready instruction of the prompt program: a worker in a fresh context on a
// transaction staged on top of main's head, its step_complete checked by the gate on the
// check tree (check_tree.hpp) showing the staged state, and then either the commit (store commit,
// registry record, test baseline and event in one database transaction) or the failure (writes
// discarded from main, dependents skipped).
//
// The files of each attempt the checks refused are kept as a store branch
// ("attempt/<instruction>/<n>", see AttemptBranch in run_status.hpp), so a user can see
// what the model tried (`l2mac files DIR diff --at attempt/3/2`); the branch never touches main.
//
// Borrows the run's parts (RunContext). Without lanes the run's one thread uses it; with
// --parallel each lane has its own executor (its own check tree, "lane-<n>"), used by the
// lane's thread, which holds the run's state lock except while its checks run.
//
// With lanes an instruction starts from the view its ticket was given (lane_order.hpp),
// and its passing result may find main moved on: once it is its ticket's turn (main then
// stays put until it ends), its changes are rebased onto the head (rebase.hpp) and
// checked there before the commit, so main always passes its checks; a conflict or a
// failing merged check reruns the instruction on the new head with the reason in its
// context (event merge_retried), at most kMaxMergeTries tries in all.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "control_unit/check_tree.hpp"
#include "control_unit/lane_order.hpp"
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

  // With --parallel: the ticket an instruction runs as and the view it starts from
  // (lane_order.hpp). `order` outlives the Execute() call.
  struct LaneTicket {
    LaneOrder* order = nullptr;
    int ticket = 0;
    std::shared_ptr<const LaneView> view;
  };

  // Runs `record` (pending, its dependencies committed) to its commit or its failure.
  // Returns "" then; or, when the gateway refused a call at the run's budget, which budget
  // stopped it (the instruction is back to pending, its writes discarded). Errors (the
  // model, the database, the checks unable to run, kCancelled) end the run. With `lane`,
  // the first try starts from its view and the merged check, the commit and the failure
  // wait for its turn.
  Result<std::string> Execute(const registry::InstructionRecord& record,
                              const LaneTicket* lane = nullptr);

  // Marks the dependents of failed instructions skipped, each with an event (in the
  // caller's transaction when one is open).
  Status SkipBlocked();

  // Runs every check on main's head as it is, in the instructions' check tree (so the
  // first instruction's checks start from it): what the tests of an imported codebase
  // do before the run changes anything. Events and errors as for an instruction's checks.
  Result<toolchains::GateReport> CheckHead();

  // The sandbox the checks run in: the configured one, else the default made once here.
  // The first call emits the sandbox's fallback warning, if it has one, as a notice (the
  // sandbox logs nothing itself during a run: SandboxWarning::kCaller).
  std::shared_ptr<const Sandbox> CheckSandbox();
  // Uses `sandbox` (another executor's CheckSandbox()) instead: lanes share one sandbox
  // and its warning is told once.
  void ShareSandbox(std::shared_ptr<const Sandbox> sandbox) {
    sandbox_ = std::move(sandbox);
    sandbox_checked_ = true;
  }

 private:
  // One try's end: "" and no retry when it committed or failed; the budget that stopped
  // it; or, with lanes, why its passing result could not join main (it runs again).
  struct TryResult {
    std::string stop;
    std::optional<MergeRetried> retry;
  };
  // Tries of an instruction whose result keeps failing to join main, before it fails.
  static constexpr int kMaxMergeTries = 3;
  static constexpr size_t kMaxRetryDetailBytes = 2000;

  // One try of `record` in a fresh context, `rerun_note` (why the last try's result could
  // not join main; "" for the first) in its first message; staged on `view`'s head and
  // told of `view`'s instructions when given, else on main's head as it is.
  Result<TryResult> Try(const registry::InstructionRecord& record, const std::string& rerun_note,
                        const LaneView* view);
  // With lanes, once it is this ticket's turn: when main moved on since `txn` began,
  // replaces it by its changes rebased onto the head (rebase.hpp) once they merge and pass
  // the checks there (updating `report` and `protected_tests` to that check's), or
  // returns why they cannot.
  Result<std::optional<MergeRetried>> JoinHead(
      std::unique_ptr<filestore::StoreTransaction>& txn, const std::string& instruction_text,
      toolchains::GateReport& report, std::vector<toolchains::ProtectedTest>& protected_tests);
  // The check of a step_complete: the staged state as it is, except in a lane whose base
  // main has left by its turn (it waits for it): then the staged changes rebased onto the
  // head are checked, and the result is kept (premerged_, merged_failure_) so joining
  // main needs no second check.
  Result<toolchains::GateReport> CheckStep(
      filestore::StoreTransaction& staged, const std::vector<std::string>& test_paths,
      const std::string& instruction_text,
      const std::vector<toolchains::ProtectedTest>& protected_tests);
  // With lanes, blocks until every lower ticket ended (LaneOrder::WaitForTurn).
  void AwaitTurn();
  // Marks `id` failed with its event and skips its dependents, in one transaction (with
  // lanes, at its turn).
  Status Fail(const std::string& id, const std::string& failure, const std::string& kept_as = "");

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

  // A lane's last passing step_complete, checked rebased onto main's head `head`.
  struct Premerged {
    std::unique_ptr<filestore::StoreTransaction> txn;
    int64_t head = 0;
    toolchains::GateReport report;
    std::vector<toolchains::ProtectedTest> protected_tests;
  };

  // A lane's last step_complete whose merged check failed at main's head `head`: the
  // worker got its own changes' check, and joining main reruns it with this failure.
  struct MergedFailure {
    int64_t head = 0;
    toolchains::GateReport report;
  };

  RunContext& run_;
  UserEdits& user_edits_;
  const LaneTicket* lane_ = nullptr;  // during a lane's Execute()
  std::optional<Premerged> premerged_;
  std::optional<MergedFailure> merged_failure_;
  bool sandbox_checked_ = false;  // CheckSandbox() ran
  std::shared_ptr<const Sandbox> sandbox_;
  // Where the checks run (made at the first check): kept between instructions.
  std::unique_ptr<CheckTree> check_tree_;
};

// Where the checks' folders of the run in `workspace_dir` live: in the workspace, so a run
// killed during a check leaves nothing behind elsewhere.
std::filesystem::path CheckTreeRootOf(const std::filesystem::path& workspace_dir);

}  // namespace l2mac::control_unit
