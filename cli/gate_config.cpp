#include "cli/gate_config.hpp"

namespace l2mac::cli {

Result<GateConfig> ReadGateConfig(const Config& config) {
  GateConfig read;
  L2MAC_ASSIGN_OR_RETURN(ConfigSection sandbox_section, config.Section("sandbox"));
  L2MAC_ASSIGN_OR_RETURN(read.sandbox, SandboxSettings::FromConfig(sandbox_section));
  L2MAC_ASSIGN_OR_RETURN(ConfigSection toolchains, config.Section("toolchains"));
  L2MAC_ASSIGN_OR_RETURN(read.profiles, toolchains::ProfilesFromConfig(toolchains));
  return read;
}

Result<control_unit::GateSetup> GateSetupFromConfig(const Config& config) {
  L2MAC_ASSIGN_OR_RETURN(GateConfig read, ReadGateConfig(config));
  control_unit::GateSetup setup;
  setup.profiles = std::move(read.profiles);
  // The run reports a fallback as an event (RunLoop), so the warning is not logged here.
  auto sandbox = Sandbox::Create(read.sandbox, SandboxWarning::kCaller);
  if (!sandbox.ok()) return Status::Unavailable(sandbox.status().message());
  setup.sandbox = *sandbox;
  return setup;
}

}  // namespace l2mac::cli
