// What `run` builds before it starts a run, shared with `eval`, which starts one run per
// task and seed exactly as `run` would: the RunOptions from the flags and the
// configuration, and the providers those options use (the workers', and the judge's for
// --judge-model).
//
// Not thread-safe: PrepareRun installs the process-wide token counter (--tokenizer). A
// PreparedRun is a plain value owned by one thread; its options do not point at its
// providers, so it may be moved.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "cli/commands.hpp"
#include "cli/provider_setup.hpp"
#include "control_unit/run_options.hpp"
#include "core/config.hpp"
#include "core/status.hpp"

namespace l2mac::cli {

struct PreparedRun {
  control_unit::RunOptions options;  // events and cancel unset: the caller's
  ProviderFlags provider_flags;      // as resolved from flags, environment and config
  std::unique_ptr<FailureTrackingProvider> provider;
  std::unique_ptr<FailureTrackingProvider> judge_provider;  // null without --judge-model
  bool seed_sent = false;  // the seed goes to the server in each request's "seed" field
};

// The options and providers of a new run of `flags`, or, when something cannot work (a
// missing spec, a bad flag, no model configured), the exit status after the error was
// printed to stderr (exit_codes.hpp). `seed`, when given, is sent in every request body's
// "seed" field (through model.extra_body, replacing a configured seed) to servers on the
// OpenAI wire; Anthropic's API takes no seed, so none is sent there, nor to a replay.
std::variant<int, PreparedRun> PrepareRun(const RunFlags& flags, const Config& config,
                                          std::optional<uint64_t> seed = std::nullopt);

// The judge's own provider for --judge-model: the workers' server settings with that model.
// Null when there is no judge model, or the run replays a transcript (whose one stream of
// replies holds the judge's too).
Result<std::unique_ptr<FailureTrackingProvider>> MakeJudgeProvider(const ProviderFlags& workers,
                                                                   const std::string& model);

}  // namespace l2mac::cli
