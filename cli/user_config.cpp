#include "cli/user_config.hpp"

#include <optional>

#include "cli/config_sections.hpp"

namespace l2mac::cli {

const char* const kConfigFlagHelp =
    "JSON configuration file (default $L2MAC_CONFIG, else $XDG_CONFIG_HOME/l2mac/config.json "
    "or ~/.config/l2mac/config.json when present)";

Result<Config> LoadUserConfig(const std::string& flag_value) {
  std::optional<std::filesystem::path> explicit_path;
  if (!flag_value.empty()) explicit_path = flag_value;
  L2MAC_ASSIGN_OR_RETURN(Config config, Config::LoadDefault(explicit_path));
  L2MAC_RETURN_IF_ERROR(config.RejectUnknownSections(KnownConfigSections()));
  L2MAC_RETURN_IF_ERROR(ValidateConfigSections(config));
  return config;
}

}  // namespace l2mac::cli
