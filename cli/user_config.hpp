// Finds and loads the user's configuration file for the subcommands that read it.
#pragma once

#include <string>

#include "core/config.hpp"

namespace l2mac::cli {

// `flag_value` is the --config flag (empty when not given). Applies Config::LoadDefault's
// search order, rejects unknown top-level sections and validates every section
// (ValidateConfigSections), so a typo fails before a run starts, and `doctor` refuses
// exactly what `run` refuses.
Result<Config> LoadUserConfig(const std::string& flag_value);

// The --config help text, shared by every subcommand that takes it.
extern const char* const kConfigFlagHelp;

}  // namespace l2mac::cli
