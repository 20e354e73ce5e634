// `l2mac doctor`: what the checks of this machine will run with, before a run needs it.
#pragma once

#include "core/config.hpp"

namespace l2mac::cli {

// Prints the sandbox mode in force (bubblewrap, or the fallback and why), its limits, and
// for each toolchain profile the tools it uses with their paths and versions. Exit status
// 0 when everything required is there (a missing optional toolchain only means its checks
// are skipped), 8 when something required is missing (Python with pytest, or bubblewrap
// when the configuration requires it), 3 when the configuration is malformed.
int DoctorCommand(const Config& config, bool json);

}  // namespace l2mac::cli
