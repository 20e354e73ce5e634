#include "cli/config_sections.hpp"

#include "cli/gate_config.hpp"
#include "cli/provider_setup.hpp"

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

Status ValidateConfigSections(const Config& config) {
  ProviderFlags model;
  L2MAC_RETURN_IF_ERROR(model.ApplyConfig(config));
  L2MAC_RETURN_IF_ERROR(CalibrationFromConfig(config).status());
  BudgetFlags budget;
  L2MAC_RETURN_IF_ERROR(budget.ApplyConfig(config));
  L2MAC_RETURN_IF_ERROR(PriceOverrides(config).status());
  L2MAC_RETURN_IF_ERROR(FileLimitFromConfig(config).status());
  L2MAC_RETURN_IF_ERROR(ReadGateConfig(config).status());
  return Status::Ok();
}

}  // namespace l2mac::cli
