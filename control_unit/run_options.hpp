// The settings of one run (RunOptions): what the user chose on the command line or in the
// configuration, stored with the run as JSON so that `resume` repeats them, and checked
// (ValidateLimits) before anything is written. Plain values; no shared state.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/domain.hpp"
#include "agents/toolchains/profile.hpp"
#include "control_unit/events.hpp"
#include "core/cancel_token.hpp"
#include "core/llm/provider.hpp"
#include "core/sandbox.hpp"
#include "core/status.hpp"
#include "core/token_estimator.hpp"
#include "registry/program.hpp"

namespace l2mac::control_unit {

// Where and how the gate runs its checks. Comes from the user's configuration on every
// start and resume; never stored with the run.
struct GateSetup {
  std::shared_ptr<const Sandbox> sandbox;              // null: the default sandbox
  std::vector<toolchains::ToolchainProfile> profiles;  // empty: the built-in profiles
};

struct RunOptions {
  std::filesystem::path out_dir;
  std::string task;         // the spec's text, or --task
  std::string task_source;  // the spec's path, or "--task"
  agents::Domain domain = agents::Domain::kCodebase;
  std::filesystem::path prompts_dir;         // custom domain templates
  std::optional<registry::Program> program;  // --program: skips planning

  int64_t context_window = 128000;                  // tokens
  int max_context_restarts = 6;                     // per instruction
  int max_gate_failures = 4;                        // per instruction
  int max_turns = 80;                               // model calls per instruction
  std::chrono::milliseconds check_timeout{120000};  // per check (syntax, tests)
  // Every request's output limit (--max-output-tokens), reserved in each context's
  // budget; 0: min(4096, context_window / 4). At most half the context window.
  int64_t max_output_tokens = 0;
  double temperature = 0.0;  // every request's sampling temperature (--temperature), 0 to 2
  // How the caller reached the model (base URL, model, key variable name, replay file),
  // stored for resume. Never holds a secret.
  nlohmann::json provider_settings = nlohmann::json::object();
  GateSetup gate;  // not stored: see GateSetup
  // Price overrides ({"<model>": {"input_per_mtok", ...}}, see core/llm/prices.hpp) on top
  // of the built-in table, and the model name to price calls by when the server names
  // none it knows.
  nlohmann::json prices = nlohmann::json::object();
  std::string priced_model;
  // Budgets over the whole run (every call ever made, retried instructions included);
  // zero means none. Checked before every model call against what that call could take at
  // most (its estimated prompt plus its output limit), and before planning and each
  // instruction: the run stops cleanly, the instruction in flight discarded and back to
  // pending, resumable after raising the budget (control_unit/call_budget.hpp).
  double max_cost_usd = 0;
  int64_t max_tokens = 0;
  // The largest file the model may write (files.max_file_bytes); at most the store's
  // own limit, filestore::StoreOptions::max_file_bytes.
  int64_t max_file_bytes = int64_t{1} << 20;
  // Scale each context's budget by how the server's prompt counts compare with l2mac's
  // estimates so far (ExchangeLog::EstimateScale), recomputed before each instruction.
  bool calibrate_tokens = false;
  // Counts every token estimate of the run (context budgets, budget checks, the repo
  // map): a TiktokenTokenizer for --tokenizer, null for the fast estimate. Shared and
  // immutable; not stored (the tokenizer's path is, in provider_settings), so the caller
  // loads the same one on every start and resume: a run counted differently would
  // restart its contexts at other points than its transcript.
  std::shared_ptr<const TokenCounter> token_counter;
  // The judge (control_unit/judge_round.hpp): after the program, score its requirements
  // against the store, and append instructions for the unmet ones at most `max_rounds`
  // times (--no-judge, --max-rounds). Only programs that list requirements are judged.
  bool judge = true;
  int max_rounds = 2;
  // The judge's own model (--judge-model), "" for the worker's; stored so resume repeats it.
  std::string judge_model;
  // The failure analysis (agents/failure_analysis.hpp): when an instruction's checks fail,
  // one model call states the root cause, which the worker gets with the check output
  // (--no-analysis, config analysis.enabled). A run stored before it existed resumes
  // without it, so its transcript still replays.
  bool analysis = true;
  // --parallel N (config run.parallel): how many instructions run at once, each in its own
  // lane (thread, context, check tree) on a transaction from the head, merged into main
  // when its checks pass (see "Parallel lanes" in docs/ARCHITECTURE.md). 1: one at a time,
  // as before lanes existed. Stored so resume repeats it; 1..16.
  int parallel = 1;
  static constexpr int kMaxParallel = 16;
  // --git-branch (config git.branch): the branch of the git repository holding out_dir
  // that receives one commit per committed instruction (control_unit/git_branch_export.hpp);
  // "" for none. Stored so resume keeps exporting to it.
  std::string git_branch;
  // Borrowed, may be null (the judge then uses the run's provider); not stored. The caller
  // builds it for judge_model on every start and resume.
  llm::Provider* judge_provider = nullptr;
  // Borrowed, may be null; not stored. Once cancelled (e.g. from a signal handler), the run
  // stops at the next safe point: no model call starts, the call or check in flight is
  // aborted, the instruction in flight is rolled back to pending, and StartRun/ResumeRun
  // return kCancelled. Nothing committed is lost; ResumeRun continues.
  const CancelToken* cancel = nullptr;
  // Receives every event of the run as it happens (see events.hpp), besides the events
  // table; borrowed for the run, null: none. Not stored.
  EventSink* events = nullptr;

  // The settings that shape a run, stored so that resume repeats them.
  nlohmann::json ToJson() const;
  // Restores what ToJson() wrote into `options` (out_dir, task and program excepted).
  static Status ApplyJson(const nlohmann::json& json, RunOptions& options);
};

// The range of RunOptions::max_file_bytes: 1 KiB up to the file store's own 4 MiB.
inline constexpr int64_t kMinFileBytesLimit = 1024;
inline constexpr int64_t kMaxFileBytesLimit = int64_t{4} << 20;

// kInvalidArgument naming the flag when a limit is out of range.
Status ValidateLimits(const RunOptions& options);

}  // namespace l2mac::control_unit
