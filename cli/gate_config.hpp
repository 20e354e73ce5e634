// The gate's setup from the user's configuration: the "sandbox" and "toolchains" sections.
#pragma once

#include "control_unit/runner.hpp"
#include "core/config.hpp"
#include "core/status.hpp"

namespace l2mac::cli {

// kInvalidArgument (exit 3) for a malformed section; kUnavailable (exit 8) when the
// configuration requires bubblewrap and it cannot run here.
Result<control_unit::GateSetup> GateSetupFromConfig(const Config& config);

}  // namespace l2mac::cli
