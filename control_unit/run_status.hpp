// A run's state as one model, read from its output folder: what `l2mac status` prints,
// what `l2mac report` summarizes and what StartRun/ResumeRun return (RunReport), built in
// one place so that they always agree.
//
// Besides the registry's record of each instruction it reads the `events` table for the
// failed attempts of each instruction's latest try (the checks that failed, the failing
// tests with the first line of each assertion, and the store branch that keeps the files
// the checks saw), so a user sees why an instruction is failing without the transcript.
//
// ReadRunStatus only reads: the workspace may be a read-only view of a run in progress.
// What it loads from the events table is bounded (RunStatusLimits), so a run of any
// length gives a status of bounded size. The structs are plain values; ReadRunStatus
// borrows the workspace for the call, one thread at a time, like the Workspace itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control_unit/events.hpp"
#include "control_unit/exchange_log.hpp"
#include "control_unit/judge_verdicts.hpp"
#include "control_unit/program_shape.hpp"
#include "control_unit/workspace.hpp"
#include "core/status.hpp"
#include "l2mac/run.hpp"
#include "registry/instruction_registry.hpp"

namespace l2mac::control_unit {

// How a run ended: the public enum (include/l2mac/run.hpp), so embedders and the control
// unit share one list and one RunOutcomeName().
using ::l2mac::RunOutcome;

struct InstructionSummary {
  std::string id;
  std::string status;
  std::string failure;
};

// How a run ended, as StartRun and ResumeRun return it.
struct RunReport {
  RunOutcome outcome = RunOutcome::kCompleted;
  int instructions = 0;
  int committed = 0;
  int failed = 0;
  int skipped = 0;
  int context_restarts = 0;
  int gate_failures = 0;
  int64_t model_calls = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t cost_microusd = 0;
  int64_t files = 0;
  std::string budget_stop;                   // kBudgetReached: which budget, spent and allowed
  std::vector<InstructionSummary> problems;  // failed and skipped instructions
  std::vector<std::string> kept_user_edits;  // files in the folder the user changed
  // Tests that already failed before the run, on the existing code it started from
  // (control_unit/existing_code.hpp): not held against it.
  std::vector<std::string> preexisting_failures;
  // The judge's last verdict, when the run was judged (control_unit/judge_round.hpp).
  int judge_rounds = 0;  // verdicts stored; 0: not judged
  double features_pct = 0;
  std::vector<std::string> unmet_requirements;  // scored partial or missing, in order
  std::vector<std::string> inconsistencies;     // what each inconsistency left is
};

// A step_complete that the checks refused, from its step_rejected event and the
// check_finished event before it.
struct FailedAttempt {
  int attempt = 0;  // 1-based among the refusals of the instruction's latest try
  int max_attempts = 0;
  int64_t time_ms = 0;
  std::string checks;               // the gate's one-line summary
  std::vector<CheckResult> failed;  // the checks that did not pass, with failing tests
  std::string kept_as;              // the store branch with the files the checks saw
};

struct InstructionState {
  registry::InstructionRecord record;
  // The status as a user should read it: the registry's name, except "interrupted" for
  // an instruction stored as running in a folder no process holds (a killed run).
  std::string status;
  // The newest failed attempts of the latest try (since its last instruction_started),
  // oldest first; at most RunStatusLimits::max_attempts_per_instruction.
  std::vector<FailedAttempt> failed_attempts;
  int failed_attempts_omitted = 0;  // older refusals of that try not listed
  // The branch keeping the files staged when the latest try gave up, when they changed
  // after its last refused check (else the last attempt's branch has them).
  std::string kept_at_failure;
  // The --parallel lane its latest try ran in (from its instruction_started event); 0 for
  // a run without lanes, or an instruction that has not started.
  int lane = 0;
};

// The per-instruction bounds the run was started (or last resumed) with, from its stored
// options; 0 when unknown.
struct StoredLimits {
  int max_attempts = 0;  // --max-attempts
  int max_turns = 0;     // --max-turns
  int max_context_restarts = 0;
};

struct RunStatus {
  // The stored state ("running", "finished", "stopped: ...", ...), or "interrupted" when
  // it says running (or interrupted) and no process holds the folder.
  std::string state;
  bool busy = false;     // an l2mac process works in the folder right now
  std::string provider;  // how the model was reached (never a secret)
  StoredLimits limits;
  std::vector<InstructionState> instructions;  // program order
  // The program's critical path and width (control_unit/program_shape.hpp).
  ProgramShape shape;
  ExchangeTotals totals;
  int64_t head_commit = 0;
  int64_t files = 0;  // at the head of main
  // False for a run recorded before events existed: failed attempts are then unknown.
  bool has_events = true;
  // Why the failed attempts could not be read (a damaged events table), "" when they were:
  // everything else in the status still shows.
  std::string attempts_error;

  // The program's requirements, and the judge's verdicts, oldest round first (empty when
  // the run was not judged).
  std::vector<registry::Requirement> requirements;
  std::vector<StoredVerdict> verdicts;
  // The tests that already failed before the run, on the existing code it started from
  // (control_unit/existing_code.hpp), by id.
  std::vector<std::string> preexisting_failures;

  int committed = 0;
  int failed = 0;
  int skipped = 0;
  int pending = 0;  // pending, running or interrupted
  int context_restarts = 0;
  int gate_failures = 0;  // refused step_completes, over every instruction
};

struct RunStatusLimits {
  size_t max_attempts_per_instruction = 4;  // the newest failed attempts listed
  size_t max_failing_tests_per_check = 5;
  size_t max_message_bytes = 300;  // one assertion line
  // The newest attempt events read (instruction_started, check_finished, step_rejected,
  // instruction_failed);
  // older attempts of a very long run are not listed.
  int64_t max_events = 5000;
  bool read_attempts = true;  // false: skip the events table (the run loop's own report)
};

Result<RunStatus> ReadRunStatus(Workspace& workspace, const RunStatusLimits& limits = {});

// The counts of `status` as a RunReport (outcome kCompleted, kIncomplete or
// kRequirementsUnmet; a budget stop is the caller's to set).
RunReport ReportFrom(const RunStatus& status);

// The store branch that keeps the files of the n-th kept failed attempt of
// `instruction_id`: "attempt/<id>/<n>". An id that is not made of letters, digits, '-' and
// '_' alone, or is longer than 64 characters, is written with the others replaced by '_',
// cut, and followed by '-' and 8 hex digits of a hash of the whole id, so different ids
// never share a name and every name is a valid branch name.
std::string AttemptBranch(const std::string& instruction_id, int n);
// "attempt/<id>/": the prefix of every attempt branch of `instruction_id`.
std::string AttemptBranchPrefix(const std::string& instruction_id);

}  // namespace l2mac::control_unit
