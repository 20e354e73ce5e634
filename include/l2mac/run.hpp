// Running l2mac from C++: Run::Start begins a new run of a task in an output folder,
// Run::Resume continues a stopped one, Run::Cancel stops one from any thread, and
// Run::Wait returns how it ended. A run plans the task into instructions, then runs each
// in a fresh model context with tools over a versioned file store, and commits it only
// when its checks pass (docs/ARCHITECTURE.md); the folder always shows the committed head.
//
// Ownership: Start and Resume return a Run the caller owns. The run works on a thread of
// its own, which the Run owns; destroying the Run cancels the run if it is still going and
// waits for that thread to end, so no callback is called after the destructor returns.
//
// Threads: Cancel(), Wait(), Finished(), out_dir() and model() may be called from any
// thread, concurrently. The event callback runs on the run's thread, and on its lanes'
// threads with Options::parallel above 1, one call at a time (see events.hpp).
// One process may hold several Runs at once in different folders; a folder is locked by
// the run working in it (also against other processes), so a second Start or Resume there
// fails with kFailedPrecondition while it works.
//
// Errors come back as Status (status.hpp), never as exceptions: Start and Resume return
// at once with what can be checked before anything is written (kInvalidArgument for a bad
// option or model setting, kNotFound for a folder without a run to resume); Wait()
// returns what ended the run: kCancelled after Cancel(), kFailedPrecondition or
// kAlreadyExists for a folder that cannot take it, kUnauthenticated or kUnavailable from
// the model, kResourceExhausted for l2mac's own bounds, kIoError or kCorruption from the
// disk. Instructions that fail their checks are not an error: see RunResult::outcome.
//
// Cancelling is clean: no model call starts after it, the call or check in flight is
// aborted, the instruction in flight is rolled back to pending, and nothing committed is
// lost. Run::Resume on the same folder continues from the last commit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "l2mac/events.hpp"
#include "l2mac/options.hpp"
#include "l2mac/status.hpp"

namespace l2mac {

enum class RunOutcome {
  kCompleted,          // every instruction committed
  kIncomplete,         // some instruction failed its checks (or depends on one that did)
  kBudgetReached,      // stopped before a model call that could pass a budget
  kRequirementsUnmet,  // all committed, but the judge found requirements unmet
};

// "completed", "incomplete", "budget_reached", "requirements_unmet".
const char* RunOutcomeName(RunOutcome outcome);

// How a run ended (its totals include every earlier start and resume of the folder).
struct RunResult {
  RunOutcome outcome = RunOutcome::kCompleted;
  int instructions = 0;
  int committed = 0;
  int failed = 0;
  int skipped = 0;
  int context_restarts = 0;
  int64_t model_calls = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cost_microusd = 0;
  int64_t files = 0;                            // at the committed head
  std::string budget_stop;                      // kBudgetReached: which budget, how much spent
  std::vector<std::string> problems;            // "<id>: <status>: <why>" per failed/skipped
  double features_pct = 0;                      // the judge's last score, when judged
  std::vector<std::string> unmet_requirements;  // the judge's, in order
};

class Run {
 public:
  // Starts a new run of options.task in options.out_dir and returns at once; the run goes
  // on on its own thread, calling `on_event` with each event.
  static Result<std::unique_ptr<Run>> Start(const Options& options, EventCallback on_event = {});
  // Continues the run stored in `out_dir` (stopped, cancelled, killed, or with failed
  // instructions to retry) with its stored options and `options`' changes.
  static Result<std::unique_ptr<Run>> Resume(const std::string& out_dir,
                                             const ResumeOptions& options = {},
                                             EventCallback on_event = {});

  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  ~Run();

  // Asks the run to stop at its next safe point and returns at once; Wait() then returns
  // kCancelled (unless the run had already ended). Idempotent.
  void Cancel();
  // Blocks until the run has ended; returns the same result on every call.
  Result<RunResult> Wait();
  // Whether the run has ended (Wait() would not block).
  bool Finished() const;

  const std::string& out_dir() const;
  // How the model is reached, e.g. "openai-compatible model 'gpt-4o' at https://...";
  // never a secret.
  const std::string& model() const;

  struct Impl;  // defined in the library

 private:
  explicit Run(std::unique_ptr<Impl> impl);
  static std::unique_ptr<Run> Launch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace l2mac
