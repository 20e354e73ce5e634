// The gate's setup from the user's configuration: the "sandbox" and "toolchains" sections.
#pragma once

#include <vector>

#include "agents/toolchains/profile.hpp"
#include "control_unit/runner.hpp"
#include "core/config.hpp"
#include "core/sandbox.hpp"
#include "core/status.hpp"

namespace l2mac::cli {

// The two sections as read, before anything is probed.
struct GateConfig {
  SandboxSettings sandbox;
  std::vector<toolchains::ToolchainProfile> profiles;
};

// kInvalidArgument (exit 3) naming the file and key for a malformed section.
Result<GateConfig> ReadGateConfig(const Config& config);

// ReadGateConfig's errors, and kUnavailable (exit 8) when the configuration requires
// bubblewrap and it cannot run here.
Result<control_unit::GateSetup> GateSetupFromConfig(const Config& config);

}  // namespace l2mac::cli
