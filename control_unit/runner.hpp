// The control unit's run loop: plan, then run each ready instruction in a fresh agent
// context, gate it, and commit its writes or roll them back.
//
// State lives in the workspace database and is written before it is acted on, so a run
// killed at any moment continues with Resume(): committed instructions are not redone
// and committed files are not lost; an interrupted instruction starts over from the last
// commit. The output folder always shows the committed head.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/domain.hpp"
#include "agents/toolchains/profile.hpp"
#include "control_unit/events.hpp"
#include "core/llm/provider.hpp"
#include "core/sandbox.hpp"
#include "core/status.hpp"
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

enum class RunOutcome {
  kCompleted,      // every instruction committed
  kIncomplete,     // some instruction failed its checks (or was skipped because of one)
  kBudgetReached,  // stopped before a model call that could pass max_cost_usd or max_tokens
};

struct InstructionSummary {
  std::string id;
  std::string status;
  std::string failure;
};

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
};

// The range of RunOptions::max_file_bytes: 1 KiB up to the file store's own 4 MiB.
inline constexpr int64_t kMinFileBytesLimit = 1024;
inline constexpr int64_t kMaxFileBytesLimit = int64_t{4} << 20;

// kInvalidArgument naming the flag when a limit is out of range.
Status ValidateLimits(const RunOptions& options);

// Starts a new run in options.out_dir. Borrows `provider` for the duration.
// Whatever error ends a run, no instruction is left `running` in the database: the one in
// flight goes back to pending (only a killed process leaves one running).
// Errors: kCancelled (options.cancel), kAlreadyExists (the folder holds a run),
// kInvalidArgument (bad input),
// model errors from the provider, I/O and database errors. A run whose instructions fail
// their checks is not an error: see RunReport::outcome.
Result<RunReport> StartRun(const RunOptions& options, llm::Provider& provider);

// Continues the run in `out_dir` with its stored options; `overrides` (when given)
// replaces the stored limits, e.g. a larger context window. Instructions that did not
// commit (interrupted, failed or skipped) run again from the last commit. `events`
// (borrowed, may be null) receives the run's events as RunOptions::events does; their
// sequence numbers continue the stored history.
Result<RunReport> ResumeRun(const std::filesystem::path& out_dir, llm::Provider& provider,
                            const std::optional<nlohmann::json>& overrides = std::nullopt,
                            GateSetup gate = {}, EventSink* events = nullptr,
                            const CancelToken* cancel = nullptr);

// The options stored with the run in `out_dir` (as RunOptions::ToJson() wrote them).
Result<nlohmann::json> ReadStoredOptions(const std::filesystem::path& out_dir);

// How many model exchanges of the run in `out_dir` are already recorded and kept; a
// replay provider resuming this run skips that many responses.
Result<int64_t> CountRecordedExchanges(const std::filesystem::path& out_dir);

}  // namespace l2mac::control_unit
