// The control unit's run loop: plan, then run each ready instruction in a fresh agent
// context, gate it, and commit its writes or roll them back.
//
// State lives in the workspace database and is written before it is acted on, so a run
// killed at any moment continues with Resume(): committed instructions are not redone
// and committed files are not lost; an interrupted instruction starts over from the last
// commit. The output folder always shows the committed head.
#pragma once

#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "control_unit/events.hpp"
#include "control_unit/run_options.hpp"
#include "control_unit/run_status.hpp"
#include "core/llm/provider.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

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
// sequence numbers continue the stored history. `judge_provider` (borrowed, may be null)
// is RunOptions::judge_provider; `token_counter` is RunOptions::token_counter (the one
// the run was started with, so its contexts restart at the same points).
Result<RunReport> ResumeRun(const std::filesystem::path& out_dir, llm::Provider& provider,
                            const std::optional<nlohmann::json>& overrides = std::nullopt,
                            GateSetup gate = {}, EventSink* events = nullptr,
                            const CancelToken* cancel = nullptr,
                            llm::Provider* judge_provider = nullptr,
                            std::shared_ptr<const TokenCounter> token_counter = nullptr);

// The options stored with the run in `out_dir` (as RunOptions::ToJson() wrote them).
Result<nlohmann::json> ReadStoredOptions(const std::filesystem::path& out_dir);

// How many model exchanges of the run in `out_dir` are already recorded and kept; a
// replay provider resuming this run skips that many responses.
Result<int64_t> CountRecordedExchanges(const std::filesystem::path& out_dir);

}  // namespace l2mac::control_unit
