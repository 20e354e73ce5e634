#include "cli/gate_config.hpp"

namespace l2mac::cli {

Result<control_unit::GateSetup> GateSetupFromConfig(const Config& config) {
  control_unit::GateSetup setup;
  L2MAC_ASSIGN_OR_RETURN(ConfigSection sandbox_section, config.Section("sandbox"));
  L2MAC_ASSIGN_OR_RETURN(SandboxSettings settings, SandboxSettings::FromConfig(sandbox_section));
  L2MAC_ASSIGN_OR_RETURN(ConfigSection toolchains, config.Section("toolchains"));
  L2MAC_ASSIGN_OR_RETURN(setup.profiles, toolchains::ProfilesFromConfig(toolchains));
  auto sandbox = Sandbox::Create(settings);
  if (!sandbox.ok()) return Status::Unavailable(sandbox.status().message());
  setup.sandbox = *sandbox;
  return setup;
}

}  // namespace l2mac::cli
