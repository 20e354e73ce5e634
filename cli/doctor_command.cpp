#include "cli/doctor_command.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <set>

#include <CLI/CLI.hpp>

#include "agents/toolchains/gate.hpp"
#include "cli/exit_codes.hpp"
#include "cli/gate_config.hpp"
#include "cli/model_probe.hpp"
#include "core/process.hpp"
#include "core/sandbox.hpp"

namespace l2mac::cli {
namespace {

constexpr std::chrono::milliseconds kVersionTimeout{15000};
// Each probe request's limit unless --request-timeout says otherwise.
constexpr double kProbeTimeoutSeconds = 20;

std::string Which(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return ::access(program.c_str(), X_OK) == 0 ? program : "";
  }
  const char* path = std::getenv("PATH");
  const std::string list = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    const std::string candidate = list.substr(start, end - start) + "/" + program;
    struct stat info;
    if (end > start && ::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return "";
}

// The first non-empty line of `argv`'s output, or empty when it fails.
std::string FirstOutputLine(const std::vector<std::string>& argv) {
  ProcessOptions options;
  options.argv = argv;
  options.env = CleanEnvironment();
  options.timeout = kVersionTimeout;
  options.max_output_bytes = 16384;
  auto run = RunProcess(options);
  if (!run.ok() || !run->succeeded()) return "";
  size_t start = 0;
  while (start < run->output.size()) {
    size_t end = run->output.find('\n', start);
    if (end == std::string::npos) end = run->output.size();
    std::string line = run->output.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
    start = end + 1;
  }
  return "";
}

struct Tool {
  std::string name;
  std::string path;  // empty: missing
  std::string version;
};

Tool Probe(const std::string& name) {
  Tool tool{name, Which(name), ""};
  if (tool.path.empty()) return tool;
  tool.version = FirstOutputLine(name == "go" ? std::vector<std::string>{tool.path, "version"}
                                              : std::vector<std::string>{tool.path, "--version"});
  return tool;
}

// The model section of the report: resolves the model options exactly as `run` does,
// then probes the server. Returns the exit status the model alone calls for.
int CheckModel(const Config& config, const DoctorFlags& flags, nlohmann::json& report,
               std::string& text) {
  ProviderFlags provider = flags.provider;
  if (!flags.model_option.empty()) provider.model = flags.model_option;
  auto refuse = [&](int code, const std::string& problem) {
    report["model"] = {{"usable", false}, {"problem", problem}};
    text += "model: UNUSABLE: " + problem + "\n";
    return code;
  };
  if (Status resolved = provider.ResolveForNewRun(config); !resolved.ok()) {
    return refuse(ExitCodeFor(resolved, false), resolved.message());
  }
  if (Status url = CheckBaseUrl(provider.base_url); !url.ok()) {
    return refuse(ExitCodeFor(url, false), url.message());
  }
  if (Status usable = provider.CheckModelSettings(); !usable.ok()) {
    return refuse(kExitUsage, usable.message());
  }
  if (!provider.replay.empty()) {
    return refuse(kExitUsage, "--replay serves recorded responses: there is no server to check");
  }
  if (!provider.Configured()) return refuse(kExitUsage, HowToConfigureProvider());
  auto choice = ChooseServer(provider);
  if (!choice.ok()) return refuse(ExitCodeFor(choice.status(), false), choice.status().message());
  const double seconds = provider.request_timeout_seconds.value_or(kProbeTimeoutSeconds);
  ModelProbeReport probe =
      ProbeModel(std::move(choice).value(),
                 std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000))));
  report["model"] = probe.ToJson();
  text += probe.ToText();
  return probe.usable ? kExitOk : kExitModel;
}

}  // namespace

bool DoctorFlags::ProbeModel() const { return model_flag != nullptr && model_flag->count() > 0; }

CLI::App* AddDoctorCommand(CLI::App& app, DoctorFlags& flags) {
  CLI::App* command = app.add_subcommand(
      "doctor",
      "Show the sandbox mode and the toolchains the checks will use, and with --model whether "
      "the model server answers; exit 8 when something required is missing, 4 when the "
      "model cannot be used.");
  command->add_flag("--json", flags.json, "machine-readable output");
  AddProviderOptions(*command, flags.provider, /*model_name_option=*/false);
  flags.model_flag =
      command
          ->add_option("--model", flags.model_option,
                       "also check the model server with a few tiny requests (at most three, "
                       "20 s each, or --request-timeout): reachable, latency, tool calling, "
                       "streaming. NAME, if given, is the model (default as for `run`)")
          ->expected(0, 1)
          ->type_name("[NAME]")
          ->group("Model");
  return command;
}

int DoctorCommand(const Config& config, const DoctorFlags& flags) {
  const bool json = flags.json;
  auto setup = GateSetupFromConfig(config);
  if (!setup.ok() && setup.status().code() != StatusCode::kUnavailable) {
    std::cerr << "l2mac: error: " << setup.status().message() << "\n";
    return ExitCodeFor(setup.status(), false);
  }
  bool healthy = true;
  nlohmann::json report = nlohmann::json::object();
  std::string text;

  // The sandbox.
  if (!setup.ok()) {
    healthy = false;
    report["sandbox"] = {{"mode", "unavailable"}, {"problem", setup.status().message()}};
    text += "sandbox: UNAVAILABLE: " + setup.status().message() + "\n";
  } else {
    const Sandbox& sandbox = *setup->sandbox;
    const SandboxLimits& limits = sandbox.settings().limits;
    const bool bubblewrap = sandbox.mode() == SandboxMode::kBubblewrap;
    const bool drops = ::geteuid() == 0 && sandbox.settings().drop_privileges;
    report["sandbox"] = {
        {"mode", bubblewrap ? "bubblewrap" : "fallback"},
        {"description", sandbox.DescribeMode()},
        {"bwrap", sandbox.bwrap_path()},
        {"fallback_reason", sandbox.fallback_reason()},
        {"network", sandbox.settings().network},
        {"unprivileged_uid",
         drops ? nlohmann::json(sandbox.settings().unprivileged_uid) : nlohmann::json(nullptr)},
        {"cpu_seconds", limits.cpu_seconds},
        {"memory_mb", limits.memory_bytes >> 20},
        {"max_processes", limits.max_processes},
        {"max_file_mb", limits.max_file_bytes >> 20}};
    text += "sandbox: " + sandbox.DescribeMode() + "\n";
    text +=
        fmt::format("  limits: {}s CPU, {} MiB memory, {} processes, {} MiB per file; network {}\n",
                    limits.cpu_seconds, limits.memory_bytes >> 20, limits.max_processes,
                    limits.max_file_bytes >> 20, sandbox.settings().network ? "shared" : "none");
    if (drops) {
      text += fmt::format("  checks run as uid {} where the tool and the snapshot are reachable\n",
                          sandbox.settings().unprivileged_uid);
    }
  }

  // Python, which the codebase gate requires.
  nlohmann::json python_json = nlohmann::json::object();
  auto python = toolchains::FindPythonWithPytest();
  if (python.ok()) {
    const std::string versions = FirstOutputLine(
        {*python, "-c", "import sys, pytest; print(sys.version.split()[0], pytest.__version__)"});
    const std::string pyflakes = FirstOutputLine({*python, "-m", "pyflakes", "--version"});
    python_json = {
        {"path", *python},
        {"versions", versions},
        {"pyflakes", pyflakes.empty() ? nlohmann::json(nullptr) : nlohmann::json(pyflakes)}};
    text += "python (required): " + *python + " (python, pytest: " + versions + "); pyflakes: " +
            (pyflakes.empty() ? std::string("missing (lint skipped)") : pyflakes) + "\n";
  } else {
    healthy = false;
    python_json = {{"problem", python.status().message()}};
    text += "python (required): MISSING: " + python.status().message() + "\n";
  }
  report["python"] = python_json;

  // The tools of every other profile.
  const std::vector<toolchains::ToolchainProfile>& profiles =
      setup.ok() && !setup->profiles.empty() ? setup->profiles : toolchains::BuiltinProfiles();
  nlohmann::json profiles_json = nlohmann::json::array();
  text += "toolchains:\n";
  for (const auto& profile : profiles) {
    std::vector<std::string> names;
    for (const auto& step : profile.steps) {
      if (step.command.empty()) continue;
      if (std::find(names.begin(), names.end(), step.command.front()) == names.end()) {
        names.push_back(step.command.front());
      }
    }
    nlohmann::json tools = nlohmann::json::array();
    std::string line = fmt::format("  {:<11}", profile.name);
    if (names.empty()) line += " built in";
    for (const std::string& name : names) {
      const Tool tool = Probe(name);
      tools.push_back(
          {{"name", tool.name},
           {"path", tool.path.empty() ? nlohmann::json(nullptr) : nlohmann::json(tool.path)},
           {"version", tool.version}});
      line += " " + name + ": " +
              (tool.path.empty()
                   ? std::string("missing (checks skipped)")
                   : tool.path + (tool.version.empty() ? "" : " (" + tool.version + ")")) +
              ";";
      if (tool.path.empty() && profile.required) healthy = false;
    }
    if (!line.empty() && line.back() == ';') line.pop_back();
    text += line + "\n";
    profiles_json.push_back({{"name", profile.name}, {"domain", profile.domain}, {"tools", tools}});
  }
  report["toolchains"] = profiles_json;
  const int model_exit = flags.ProbeModel() ? CheckModel(config, flags, report, text) : kExitOk;
  report["ok"] = healthy && model_exit == kExitOk;
  report["config"] = config.origin();

  if (json) {
    std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << text
              << (healthy ? "ok: the checks can run\n"
                          : "problem: something the checks require is missing (see above)\n");
    if (flags.ProbeModel()) {
      std::cout << (model_exit == kExitOk ? "ok: the model can be used\n"
                                          : "problem: the model cannot be used (see above)\n");
    }
  }
  if (model_exit != kExitOk) return model_exit;
  return healthy ? kExitOk : kExitEnvironment;
}

}  // namespace l2mac::cli
