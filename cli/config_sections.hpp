// Reading the sections of the user's configuration that have no owner class of their own,
// and ValidateConfigSections: every section checked the way `run` reads it.
//
// LoadUserConfig calls ValidateConfigSections, so `run`, `resume` and `doctor` refuse the
// same configurations with the same message (file and key path, exit status 3) before
// doing anything. A new section reader belongs in ValidateConfigSections too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/status.hpp"

namespace l2mac::cli {

// The "files" section: {"max_file_bytes": N}.
Result<std::optional<int64_t>> FileLimitFromConfig(const Config& config);

// model.calibrate_tokens (the rest of "model" is read by ProviderFlags::ApplyConfig).
Result<bool> CalibrationFromConfig(const Config& config);

// The "judge" section: {"enabled": bool, "max_rounds": N, "model": "name"}; unset keys
// stay unset (the flags --no-judge, --max-rounds and --judge-model win).
struct JudgeConfig {
  std::optional<bool> enabled;
  std::optional<int> max_rounds;
  std::optional<std::string> model;
};
Result<JudgeConfig> JudgeFromConfig(const Config& config);

// The "analysis" section: {"enabled": bool}, the failure analysis (default true; the flag
// --no-analysis wins).
Result<bool> AnalysisFromConfig(const Config& config);

// The "git" section: {"branch": "NAME"}, the --git-branch of every `run` (the flag wins);
// "" when unset.
Result<std::string> GitBranchFromConfig(const Config& config);

// The "run" section: {"parallel": N} (1..16), how many instructions run at once; unset
// stays unset (--parallel wins).
Result<std::optional<int>> ParallelFromConfig(const Config& config);

// Every known section through the reader `run` uses for it: model (ProviderFlags::
// ApplyConfig, CalibrationFromConfig), budget (BudgetFlags::ApplyConfig), prices
// (PriceOverrides), files (FileLimitFromConfig), judge (JudgeFromConfig), analysis
// (AnalysisFromConfig), git (GitBranchFromConfig), run (ParallelFromConfig), sandbox and toolchains
// (ReadGateConfig). The first error, naming the file and the key path.
Status ValidateConfigSections(const Config& config);

}  // namespace l2mac::cli
