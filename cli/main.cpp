// The l2mac command line: parses flags with CLI11 and dispatches to the subcommands.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/doctor_command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/files_command.hpp"
#include "cli/user_config.hpp"
#include "core/version.hpp"

namespace {

using l2mac::cli::ProviderFlags;

constexpr const char* kExitCodesHelp =
    "Exit status: 0 completed; 1 internal error; 2 usage error or no model configured;\n"
    "3 malformed input (spec, program, transcript, prompts, config); 4 model unusable (auth,\n"
    "not found, unreachable, replay exhausted, strict replay mismatch); 5 run incomplete\n"
    "(failed instructions, planner gave up, budget reached); 6 output folder conflict\n"
    "(holds a run, has none, or is busy); 7 file system or database error; 8 a tool the\n"
    "checks need is missing (Python with pytest, or bubblewrap when the configuration\n"
    "requires it; `l2mac doctor` shows what is missing).";

void AddProviderFlags(CLI::App& command, ProviderFlags& flags) {
  l2mac::cli::AddProviderOptions(command, flags);
}

void SetUpLogging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("l2mac");
  logger->set_pattern("%^l2mac: %v%$");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbosity > 0   ? spdlog::level::debug
                    : verbosity < 0 ? spdlog::level::warn
                                    : spdlog::level::info);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "l2mac: an LLM automatic computer. It turns a task (a spec for a codebase, an outline\n"
      "for a book) into an output far larger than a model's context: a planner writes a\n"
      "prompt program, each instruction runs in a fresh context with tools on a versioned\n"
      "file store, and commits only when its checks pass.",
      "l2mac"};
  app.footer(kExitCodesHelp);
  app.require_subcommand(1);
  app.fallthrough();  // -v and -q work after the subcommand too
  app.set_version_flag("--version", std::string("l2mac ") + l2mac::L2macVersion());
  int verbosity = 0;
  app.add_flag_function(
      "-v,--verbose", [&](int64_t count) { verbosity = static_cast<int>(count); },
      "more detail on stderr");
  app.add_flag_function(
      "-q,--quiet", [&](int64_t) { verbosity = -1; }, "only warnings and errors on stderr");

  std::string config_path;
  app.add_option("--config", config_path, l2mac::cli::kConfigFlagHelp);

  l2mac::cli::RunFlags run;
  auto* run_cmd = app.add_subcommand(
      "run", "Run a task into a new output folder: plan, execute, check, commit.");
  run_cmd->add_option("SPEC", run.spec, "the task's spec file (Markdown or text)");
  run_cmd->add_option("--task", run.task_text, "the task as text, instead of a SPEC file");
  run_cmd->add_option("-o,--out", run.out, "output folder (must not hold a run yet)")->required();
  run_cmd->add_option("--program", run.program,
                      "a prompt program to use instead of planning: JSON {\"instructions\": "
                      "[{\"id\", \"text\", \"depends_on\"}]}");
  run_cmd->add_option("--domain", run.domain, "codebase, book or custom")
      ->capture_default_str()
      ->check(CLI::IsMember({"codebase", "book", "custom"}));
  run_cmd->add_option("--prompts", run.prompts,
                      "folder with planner.md and worker.md (custom domain)");
  run_cmd
      ->add_option("--context-window", run.context_window, "the model's context window in tokens")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1000}, int64_t{100000000}))
      ->group("Limits");
  run_cmd
      ->add_option("--max-context-restarts", run.max_context_restarts,
                   "context summaries-and-restarts allowed per instruction")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000))
      ->group("Limits");
  run_cmd
      ->add_option("--max-attempts", run.max_attempts,
                   "failed checks allowed per instruction before it fails")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000))
      ->group("Limits");
  run_cmd->add_option("--max-turns", run.max_turns, "model calls allowed per instruction")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000))
      ->group("Limits");
  run_cmd
      ->add_option("--max-file-bytes", run.max_file_bytes,
                   "largest file the model may write (default: files.max_file_bytes in the "
                   "config, else 1048576; at most 4194304)")
      ->group("Limits");
  run_cmd
      ->add_flag("--calibrate-tokens", run.calibrate_tokens,
                 "scale each context's budget by how the server's prompt token counts compare "
                 "with l2mac's estimates so far (config model.calibrate_tokens)")
      ->group("Limits");
  run_cmd
      ->add_option("--check-timeout", run.check_timeout_seconds,
                   "seconds each check (syntax, tests) may take; a timeout is a failure")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0))
      ->group("Limits");
  AddProviderFlags(*run_cmd, run.provider);
  l2mac::cli::AddBudgetOptions(*run_cmd, run.budget);
  run_cmd->footer(kExitCodesHelp);

  l2mac::cli::ResumeFlags resume;
  auto* resume_cmd = app.add_subcommand(
      "resume", "Continue an interrupted run; committed instructions are not redone.");
  resume_cmd->add_option("DIR", resume.out, "the run's output folder")->required();
  resume_cmd->add_option("--context-window", resume.context_window, "override the stored value")
      ->check(CLI::Range(int64_t{1000}, int64_t{100000000}))
      ->group("Limits");
  resume_cmd->add_option("--max-context-restarts", resume.max_context_restarts, "override")
      ->check(CLI::Range(0, 1000))
      ->group("Limits");
  resume_cmd->add_option("--max-attempts", resume.max_attempts, "override")
      ->check(CLI::Range(1, 1000))
      ->group("Limits");
  resume_cmd->add_option("--max-turns", resume.max_turns, "override")
      ->check(CLI::Range(1, 100000))
      ->group("Limits");
  resume_cmd->add_option("--max-file-bytes", resume.max_file_bytes, "override")->group("Limits");
  resume_cmd->add_flag("--calibrate-tokens", resume.calibrate_tokens, "turn calibration on")
      ->group("Limits");
  resume_cmd->add_option("--check-timeout", resume.check_timeout_seconds, "override")
      ->check(CLI::Range(0.1, 86400.0))
      ->group("Limits");
  AddProviderFlags(*resume_cmd, resume.provider);
  l2mac::cli::AddBudgetOptions(*resume_cmd, resume.budget);
  resume_cmd->footer(kExitCodesHelp);

  std::string status_dir;
  bool status_json = false;
  auto* status_cmd = app.add_subcommand(
      "status", "Print the prompt program with each instruction's status, attempts and tokens.");
  status_cmd->add_option("DIR", status_dir, "the run's output folder")->required();
  status_cmd->add_flag("--json", status_json, "machine-readable output");

  std::string transcript_dir;
  auto* transcript_cmd = app.add_subcommand(
      "transcript", "Write the run's model exchanges as JSONL, the format --replay reads.");
  transcript_cmd->add_option("DIR", transcript_dir, "the run's output folder")->required();

  l2mac::cli::DoctorFlags doctor;
  auto* doctor_cmd = l2mac::cli::AddDoctorCommand(app, doctor);
  doctor_cmd->footer(kExitCodesHelp);

  l2mac::cli::FilesCommand files = l2mac::cli::AddFilesCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : l2mac::cli::kExitUsage;
  }
  SetUpLogging(verbosity);
  // Only the subcommands that read the configuration load it, so a broken file cannot
  // stop `status` or `transcript` from showing a run.
  auto load_config = [&]() -> l2mac::Result<l2mac::Config> {
    auto config = l2mac::cli::LoadUserConfig(config_path);
    if (!config.ok()) std::cerr << "l2mac: error: " << config.status().message() << "\n";
    return config;
  };
  try {
    if (*run_cmd || *resume_cmd) {
      auto config = load_config();
      if (!config.ok()) return l2mac::cli::kExitBadInput;
      return *run_cmd ? l2mac::cli::RunCommand(run, *config)
                      : l2mac::cli::ResumeCommand(resume, *config);
    }
    if (*doctor_cmd) {
      auto config = load_config();
      return config.ok() ? l2mac::cli::DoctorCommand(*config, doctor) : l2mac::cli::kExitBadInput;
    }
    if (*status_cmd) return l2mac::cli::StatusCommand(status_dir, status_json);
    if (*transcript_cmd) return l2mac::cli::TranscriptCommand(transcript_dir);
    if (*files.command) return l2mac::cli::RunFilesCommand(files);
  } catch (const std::exception& e) {
    std::cerr << "l2mac: internal error: " << e.what() << "\n";
    return l2mac::cli::kExitInternal;
  }
  return l2mac::cli::kExitUsage;
}
