// The l2mac subcommands. Each returns the process exit status (see exit_codes.hpp) and
// prints errors to stderr as one clear line naming the problem and the fix.
#pragma once

#include <optional>
#include <string>

#include "cli/provider_setup.hpp"
#include "core/config.hpp"

namespace l2mac::cli {

struct RunFlags {
  std::string spec;  // path to the spec file; or empty with task_text
  std::string task_text;
  std::string out;
  std::string program;
  std::string domain = "codebase";
  std::string prompts;
  ProviderFlags provider;
  BudgetFlags budget;
  int64_t context_window = 128000;
  int max_context_restarts = 6;
  int max_attempts = 4;
  int max_turns = 80;
  double check_timeout_seconds = 120;
  std::optional<int64_t> max_file_bytes;  // unset: files.max_file_bytes, else 1 MiB
  bool calibrate_tokens = false;          // or model.calibrate_tokens
  bool json = false;                      // the events as JSONL on stdout
  bool no_progress = false;               // plain log lines even on a terminal
  bool no_judge = false;                  // or judge.enabled false
  std::optional<int> max_rounds;          // unset: judge.max_rounds, else 2
  std::string judge_model;                // empty: judge.model, else the worker's model
  bool no_analysis = false;               // or analysis.enabled false
  std::string git_branch;                 // empty: git.branch in the config, else none
  std::optional<int> parallel;            // unset: run.parallel in the config, else 1
};

// Limits given on `resume`; unset ones keep the stored values.
struct ResumeFlags {
  std::string out;
  ProviderFlags provider;
  BudgetFlags budget;
  std::optional<int64_t> context_window;
  std::optional<int> max_context_restarts;
  std::optional<int> max_attempts;
  std::optional<int> max_turns;
  std::optional<double> check_timeout_seconds;
  std::optional<int64_t> max_file_bytes;  // unset: files.max_file_bytes, else the stored one
  bool calibrate_tokens = false;          // turns calibration on (or model.calibrate_tokens)
  bool no_judge = false;                  // turns the judge off for the rest of the run
  std::optional<int> max_rounds;
  bool no_analysis = false;     // turns the failure analysis off for the rest of the run
  std::optional<int> parallel;  // unset: run.parallel in the config, else the stored one
  bool json = false;            // the events as JSONL on stdout
  bool no_progress = false;     // plain log lines even on a terminal
};

// `config` is the user's configuration file (empty when there is none); each owner reads
// its own section.
int RunCommand(const RunFlags& flags, const Config& config);
int ResumeCommand(const ResumeFlags& flags, const Config& config);
int TranscriptCommand(const std::string& out);

}  // namespace l2mac::cli
