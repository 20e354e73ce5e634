#include "cli/config_sections.hpp"

#include <fmt/format.h>

#include "cli/gate_config.hpp"
#include "cli/provider_setup.hpp"
#include "control_unit/run_options.hpp"

namespace l2mac::cli {

Result<std::optional<int64_t>> FileLimitFromConfig(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(ConfigSection files, config.Section("files"));
  L2MAC_RETURN_IF_ERROR(files.RejectUnknownKeys({"max_file_bytes"}));
  return files.GetInteger("max_file_bytes");
}

Result<bool> CalibrationFromConfig(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(ConfigSection model, config.Section("model"));
  L2MAC_ASSIGN_OR_RETURN(std::optional<bool> calibrate, model.GetBool("calibrate_tokens"));
  return calibrate.value_or(false);
}

Result<JudgeConfig> JudgeFromConfig(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(ConfigSection judge, config.Section("judge"));
  L2MAC_RETURN_IF_ERROR(judge.RejectUnknownKeys({"enabled", "max_rounds", "model"}));
  JudgeConfig result;
  L2MAC_ASSIGN_OR_RETURN(result.enabled, judge.GetBool("enabled"));
  L2MAC_ASSIGN_OR_RETURN(std::optional<int64_t> rounds, judge.GetInteger("max_rounds"));
  if (rounds) {
    if (*rounds < 0 || *rounds > 20) {
      return Status::InvalidArgument(config.origin() +
                                     ": judge.max_rounds must be between 0 and 20");
    }
    result.max_rounds = static_cast<int>(*rounds);
  }
  L2MAC_ASSIGN_OR_RETURN(result.model, judge.GetString("model"));
  return result;
}

Result<bool> AnalysisFromConfig(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(ConfigSection analysis, config.Section("analysis"));
  L2MAC_RETURN_IF_ERROR(analysis.RejectUnknownKeys({"enabled"}));
  L2MAC_ASSIGN_OR_RETURN(std::optional<bool> enabled, analysis.GetBool("enabled"));
  return enabled.value_or(true);
}

Result<std::string> GitBranchFromConfig(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(ConfigSection git, config.Section("git"));
  L2MAC_RETURN_IF_ERROR(git.RejectUnknownKeys({"branch"}));
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> branch, git.GetString("branch"));
  return branch.value_or("");
}

Result<std::optional<int>> ParallelFromConfig(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(ConfigSection run, config.Section("run"));
  L2MAC_RETURN_IF_ERROR(run.RejectUnknownKeys({"parallel"}));
  L2MAC_ASSIGN_OR_RETURN(std::optional<int64_t> parallel, run.GetInteger("parallel"));
  if (!parallel) return std::optional<int>();
  if (*parallel < 1 || *parallel > control_unit::RunOptions::kMaxParallel) {
    return Status::InvalidArgument(fmt::format("{}: run.parallel must be between 1 and {}",
                                               config.origin(),
                                               control_unit::RunOptions::kMaxParallel));
  }
  return std::optional<int>(static_cast<int>(*parallel));
}

Status ValidateConfigSections(const Config& config) {
  ProviderFlags model;
  L2MAC_RETURN_IF_ERROR(model.ApplyConfig(config));
  L2MAC_RETURN_IF_ERROR(CalibrationFromConfig(config).status());
  BudgetFlags budget;
  L2MAC_RETURN_IF_ERROR(budget.ApplyConfig(config));
  L2MAC_RETURN_IF_ERROR(PriceOverrides(config).status());
  L2MAC_RETURN_IF_ERROR(FileLimitFromConfig(config).status());
  L2MAC_RETURN_IF_ERROR(JudgeFromConfig(config).status());
  L2MAC_RETURN_IF_ERROR(AnalysisFromConfig(config).status());
  L2MAC_RETURN_IF_ERROR(GitBranchFromConfig(config).status());
  L2MAC_RETURN_IF_ERROR(ParallelFromConfig(config).status());
  L2MAC_RETURN_IF_ERROR(ReadGateConfig(config).status());
  return Status::Ok();
}

}  // namespace l2mac::cli
