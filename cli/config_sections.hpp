// Reading the sections of the user's configuration that have no owner class of their own,
// and ValidateConfigSections: every section checked the way `run` reads it.
//
// LoadUserConfig calls ValidateConfigSections, so `run`, `resume` and `doctor` refuse the
// same configurations with the same message (file and key path, exit status 3) before
// doing anything. A new section reader belongs in ValidateConfigSections too.
#pragma once

#include <cstdint>
#include <optional>

#include "core/config.hpp"
#include "core/status.hpp"

namespace l2mac::cli {

// The "files" section: {"max_file_bytes": N}.
Result<std::optional<int64_t>> FileLimitFromConfig(const Config& config);

// model.calibrate_tokens (the rest of "model" is read by ProviderFlags::ApplyConfig).
Result<bool> CalibrationFromConfig(const Config& config);

// Every known section through the reader `run` uses for it: model (ProviderFlags::
// ApplyConfig, CalibrationFromConfig), budget (BudgetFlags::ApplyConfig), prices
// (PriceOverrides), files (FileLimitFromConfig), sandbox and toolchains (ReadGateConfig).
// The first error, naming the file and the key path.
Status ValidateConfigSections(const Config& config);

}  // namespace l2mac::cli
