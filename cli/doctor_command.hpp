// `l2mac doctor`: what the checks of this machine will run with, and (with --model)
// whether the configured model server can be used, before a run needs it.
#pragma once

#include <string>

#include "cli/provider_setup.hpp"
#include "core/config.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace l2mac::cli {

struct DoctorFlags {
  bool json = false;
  // The same model options as `run` (--preset, --base-url, --api-key-env, timeouts, ...);
  // --model takes an optional NAME here, so `doctor --model` alone asks for the probe.
  ProviderFlags provider;
  std::string model_option;           // --model's value, "" when given without one
  CLI::Option* model_flag = nullptr;  // set by AddDoctorCommand; count() > 0: probe
  bool ProbeModel() const;
};

// Registers the `doctor` subcommand on `app`, bound to `flags` (which must outlive the
// parse). Returns the subcommand.
CLI::App* AddDoctorCommand(CLI::App& app, DoctorFlags& flags);

// Prints the sandbox mode in force (bubblewrap, or the fallback and why), its limits, and
// for each toolchain profile the tools it uses with their paths and versions; with
// --model, the model probe (cli/model_probe.hpp) too. Exit status 0 when everything
// required is there (a missing optional toolchain only means its checks are skipped), 8
// when something required is missing (Python with pytest, or bubblewrap when the
// configuration requires it), 4 when the model cannot be used (unreachable, rejected key,
// no such model: the reason is printed), 2 when no model is configured or its settings
// cannot work (as `run` would say). A malformed configuration never gets here: loading it
// fails with exit status 3 (LoadUserConfig).
int DoctorCommand(const Config& config, const DoctorFlags& flags);

}  // namespace l2mac::cli
