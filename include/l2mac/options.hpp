// What a run is asked to do and within which bounds: Options for a new run (Run::Start),
// ResumeOptions for continuing one (Run::Resume). The same settings as `l2mac run` and
// `l2mac resume` (docs/CLI.md names each flag); they are stored with the run, so a resume
// repeats them unless ResumeOptions changes them.
//
// Checked when the run is started (Run::Start returns kInvalidArgument naming the field
// and its range) before anything is written to the output folder.
//
// Threads: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "l2mac/provider.hpp"

namespace l2mac {

struct Options {
  // The output folder: its files are the run's committed head, and DIR/.l2mac/state.db
  // everything needed to resume. A folder that holds files already has them imported as
  // the run's base; a folder whose run finished takes this task as its next one.
  std::string out_dir;
  std::string task;                 // the spec's text: what to build
  std::string task_source = "api";  // where the task came from, shown in status and events
  std::string domain = "codebase";  // "codebase", "book", or "custom" (needs prompts_dir)
  std::string prompts_dir;          // a folder with planner.md and worker.md
  ModelOptions model;

  int64_t context_window = 128000;  // tokens, at least 1000
  int max_context_restarts = 6;     // per instruction
  int max_attempts = 4;             // refused checks per instruction
  int max_turns = 80;               // model calls per instruction
  double check_timeout_seconds = 120;
  int64_t max_file_bytes = 1 << 20;  // the largest file the model may write
  // The run's budgets (0: none): no model call starts that could pass them; the run then
  // ends with RunOutcome::kBudgetReached and a resume with a larger budget continues it.
  double max_cost_usd = 0;
  int64_t max_tokens = 0;
  // The judge scores the program's requirements after it and adds instructions for the
  // unmet ones, at most max_rounds times; judge_model ("" for the run's model) is its own.
  bool judge = true;
  int max_rounds = 2;
  std::string judge_model;
  bool analysis = true;  // a model call states the root cause of a refused check
  // How many instructions run at once (1 to 16), each in its own lane, merged into the
  // files and checked there before it commits (`--parallel`, docs/CLI.md). With more than
  // one, the event callback is called from the lanes' threads too, one call at a time.
  int parallel = 1;
  // Whether the event callback also receives "text_delta" events (the reply's text as it
  // streams): many small events, never stored.
  bool text_deltas = false;
};

// What a resume changes; an unset field keeps the stored value. The model's settings given
// here win field by field over the stored ones (the key is read again from its variable).
struct ResumeOptions {
  ModelOptions model;
  std::optional<int64_t> context_window;
  std::optional<int> max_context_restarts;
  std::optional<int> max_attempts;
  std::optional<int> max_turns;
  std::optional<double> max_cost_usd;
  std::optional<int64_t> max_tokens;
  std::optional<int> parallel;  // 1 to 16
  bool text_deltas = false;
};

}  // namespace l2mac
