// The l2mac command line: parses flags with CLI11 and dispatches to the subcommands.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/doctor_command.hpp"
#include "cli/eval_command.hpp"
#include "cli/events_command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/files_command.hpp"
#include "cli/mcp_command.hpp"
#include "cli/option_checks.hpp"
#include "cli/report_command.hpp"
#include "cli/status_command.hpp"
#include "cli/trace_command.hpp"
#include "cli/usage_errors.hpp"
#include "cli/user_config.hpp"
#include "control_unit/run_options.hpp"
#include "core/version.hpp"

namespace {

using l2mac::cli::NumberRange;
using l2mac::cli::ProviderFlags;
using l2mac::cli::WholeNumberRange;

constexpr const char* kExitCodesHelp =
    "Exit status: 0 completed; 1 internal error; 2 usage error (also a bare `l2mac`, which\n"
    "prints this help) or no model configured; 3 malformed input (spec, program, transcript,\n"
    "prompts, config); 4 model unusable (auth, not found, unreachable, replay exhausted,\n"
    "strict replay mismatch); 5 run incomplete (failed instructions, planner gave up, budget\n"
    "reached); 6 output folder unusable (holds an unfinished run, has none, is busy, cannot\n"
    "be created, or its state database is from a newer l2mac); 7 file system error, or the\n"
    "state database is damaged; 8 a tool the checks need is missing (Python with pytest, or\n"
    "bubblewrap when the configuration requires it; `l2mac doctor` shows what is missing);\n"
    "9 --git-branch refused (git missing, the output folder not in a git work tree, its\n"
    "tracked files changed, or the branch name invalid or checked out);\n"
    "130 interrupted (Ctrl-C or SIGTERM: the run stops at the next safe point, a second\n"
    "Ctrl-C at once; `l2mac resume DIR` continues).";

// The options every command takes (-v, -q, --config). They are registered on the app and
// again on each command, so that `l2mac -q run` and `l2mac run -q` both work and each
// command's --help lists them.
struct GlobalFlags {
  int64_t verbose = 0;
  bool quiet = false;
  std::string config_path;

  // -1 quiet, 0 normal, 1 and more: more detail.
  int Verbosity() const { return quiet ? -1 : static_cast<int>(verbose); }
};

void AddGlobalOptions(CLI::App& command, GlobalFlags& flags) {
  command.add_flag_function(
      "-v,--verbose", [&flags](int64_t count) { flags.verbose += count; }, "more detail on stderr");
  command.add_flag_function(
      "-q,--quiet", [&flags](int64_t) { flags.quiet = true; },
      "only warnings and errors on stderr: no progress lines, no summary");
  command.add_option("--config", flags.config_path, l2mac::cli::kConfigFlagHelp);
}

void AddProviderFlags(CLI::App& command, ProviderFlags& flags) {
  l2mac::cli::AddProviderOptions(command, flags);
  // A misspelled preset is a usage error that suggests the intended one.
  std::vector<std::string> presets;
  for (const l2mac::cli::Preset& preset : l2mac::cli::Presets()) presets.push_back(preset.name);
  command.get_option("--preset")->check(l2mac::cli::OneOf(std::move(presets)));
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
  app.fallthrough();  // an option of the app works after the subcommand too
  app.set_version_flag("--version", std::string("l2mac ") + l2mac::L2macVersion());
  GlobalFlags global;
  AddGlobalOptions(app, global);

  l2mac::cli::RunFlags run;
  auto* run_cmd = app.add_subcommand(
      "run",
      "Run a task: plan, execute, check, commit. The output folder may be new, hold\n"
      "existing code (imported as the base: its tests are protected, those already\n"
      "failing reported as such, and the planner gets a repo map), or hold a finished\n"
      "run (the new task continues it).");
  run_cmd->add_option("SPEC", run.spec, "the task's spec file (Markdown or text)");
  run_cmd->add_option("--task", run.task_text, "the task as text, instead of a SPEC file");
  run_cmd
      ->add_option("-o,--out", run.out,
                   "output folder: new, existing code, or a finished run (not an unfinished "
                   "one: resume it)")
      ->required();
  run_cmd->add_option("--program", run.program,
                      "a prompt program to use instead of planning: JSON {\"instructions\": "
                      "[{\"id\", \"text\", \"depends_on\", \"covers\"}], \"requirements\": "
                      "[{\"id\", \"text\"}]} (requirements optional; docs/CLI.md)");
  run_cmd->add_option("--domain", run.domain, "codebase, book or custom")
      ->capture_default_str()
      ->check(l2mac::cli::OneOf({"codebase", "book", "custom"}));
  run_cmd->add_option("--prompts", run.prompts,
                      "folder with planner.md and worker.md (custom domain)");
  run_cmd
      ->add_option("--context-window", run.context_window, "the model's context window in tokens")
      ->capture_default_str()
      ->check(WholeNumberRange(1000, 100000000))
      ->group("Limits");
  run_cmd
      ->add_option("--max-context-restarts", run.max_context_restarts,
                   "context summaries-and-restarts allowed per instruction")
      ->capture_default_str()
      ->check(WholeNumberRange(0, 1000))
      ->group("Limits");
  run_cmd
      ->add_option("--max-attempts", run.max_attempts,
                   "failed checks allowed per instruction before it fails")
      ->capture_default_str()
      ->check(WholeNumberRange(1, 1000))
      ->group("Limits");
  run_cmd->add_option("--max-turns", run.max_turns, "model calls allowed per instruction")
      ->capture_default_str()
      ->check(WholeNumberRange(1, 100000))
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
      ->check(NumberRange(0.1, 86400.0))
      ->group("Limits");
  run_cmd
      ->add_flag("--no-judge", run.no_judge,
                 "do not judge the result: by default, when the program lists requirements, a "
                 "judge scores each against the files (Features %) and the unmet ones (for a "
                 "book, also the inconsistencies between chapters) run again as new "
                 "instructions (config judge.enabled)")
      ->group("Judge");
  run_cmd
      ->add_option("--max-rounds", run.max_rounds,
                   "times the judge's unmet requirements (and a book's inconsistencies) go "
                   "back to workers as new instructions (default: judge.max_rounds in the "
                   "config, else 2)")
      ->check(WholeNumberRange(0, 20))
      ->group("Judge");
  run_cmd
      ->add_option("--parallel", run.parallel,
                   "instructions run at once: each whose dependencies are committed runs in "
                   "its own lane (context, check folder) and its result is merged into the "
                   "files and checked there before it is committed (default: run.parallel "
                   "in the config, else 1)")
      ->check(WholeNumberRange(1, l2mac::control_unit::RunOptions::kMaxParallel))
      ->group("Limits");
  run_cmd
      ->add_option("--judge-model", run.judge_model,
                   "the judge's model, on the same server and key as the workers' (default: "
                   "judge.model in the config, else the workers' model)")
      ->group("Judge");
  run_cmd
      ->add_flag("--no-analysis", run.no_analysis,
                 "when an instruction's checks fail, do not first ask the model for the root "
                 "cause (by default one small extra call analyses the failure and the worker "
                 "gets its answer with the check output; config analysis.enabled)")
      ->group("Limits");
  run_cmd->add_option(
      "--git-branch", run.git_branch,
      "when the output folder is inside a git repository: commit each committed instruction "
      "onto this branch of it (created from HEAD if missing; your HEAD, index and uncommitted "
      "changes are never touched; refused if the folder's tracked files have uncommitted "
      "changes). `resume` keeps using it. Config git.branch");
  run_cmd->add_flag("--json", run.json,
                    "write the run's events to stdout as JSON lines as they happen (schema: "
                    "docs/EVENTS.md); progress stays on stderr");
  run_cmd->add_flag("--no-progress", run.no_progress,
                    "plain log lines on stderr, no live status area (it is shown only when "
                    "stderr is a terminal and TERM is not dumb; NO_COLOR turns colours off)");
  AddProviderFlags(*run_cmd, run.provider);
  l2mac::cli::AddBudgetOptions(*run_cmd, run.budget);
  run_cmd->footer(kExitCodesHelp);

  l2mac::cli::ResumeFlags resume;
  auto* resume_cmd = app.add_subcommand(
      "resume", "Continue an interrupted run; committed instructions are not redone.");
  resume_cmd->add_option("DIR", resume.out, "the run's output folder")->required();
  resume_cmd->add_option("--context-window", resume.context_window, "override the stored value")
      ->check(WholeNumberRange(1000, 100000000))
      ->group("Limits");
  resume_cmd->add_option("--max-context-restarts", resume.max_context_restarts, "override")
      ->check(WholeNumberRange(0, 1000))
      ->group("Limits");
  resume_cmd->add_option("--max-attempts", resume.max_attempts, "override")
      ->check(WholeNumberRange(1, 1000))
      ->group("Limits");
  resume_cmd->add_option("--max-turns", resume.max_turns, "override")
      ->check(WholeNumberRange(1, 100000))
      ->group("Limits");
  resume_cmd->add_option("--max-file-bytes", resume.max_file_bytes, "override")->group("Limits");
  resume_cmd->add_flag("--calibrate-tokens", resume.calibrate_tokens, "turn calibration on")
      ->group("Limits");
  resume_cmd->add_option("--check-timeout", resume.check_timeout_seconds, "override")
      ->check(NumberRange(0.1, 86400.0))
      ->group("Limits");
  resume_cmd->add_flag("--no-judge", resume.no_judge, "turn the judge off")->group("Judge");
  resume_cmd->add_option("--max-rounds", resume.max_rounds, "override")
      ->check(WholeNumberRange(0, 20))
      ->group("Judge");
  resume_cmd->add_flag("--no-analysis", resume.no_analysis, "turn the failure analysis off")
      ->group("Limits");
  resume_cmd->add_option("--parallel", resume.parallel, "override")
      ->check(WholeNumberRange(1, l2mac::control_unit::RunOptions::kMaxParallel))
      ->group("Limits");
  resume_cmd->add_flag("--json", resume.json,
                       "write the run's events to stdout as JSON lines as they happen");
  resume_cmd->add_flag("--no-progress", resume.no_progress,
                       "plain log lines on stderr, no live status area");
  AddProviderFlags(*resume_cmd, resume.provider);
  l2mac::cli::AddBudgetOptions(*resume_cmd, resume.budget);
  resume_cmd->footer(kExitCodesHelp);

  std::string status_dir;
  bool status_json = false;
  auto* status_cmd = app.add_subcommand(
      "status",
      "Print the prompt program with each instruction's status, attempts and tokens; for an "
      "instruction that is failing, each failed attempt's checks, failing tests and the store "
      "branch with its files; and the commands that continue the run.");
  status_cmd->add_option("DIR", status_dir, "the run's output folder")->required();
  status_cmd->add_flag("--json", status_json, "machine-readable output");

  std::string transcript_dir;
  auto* transcript_cmd = app.add_subcommand(
      "transcript", "Write the run's model exchanges as JSONL, the format --replay reads.");
  transcript_cmd->add_option("DIR", transcript_dir, "the run's output folder")->required();

  std::string events_dir;
  bool events_follow = false;
  auto* events_cmd = app.add_subcommand(
      "events",
      "Print the run's events as JSON lines (schema: docs/EVENTS.md), oldest first; with "
      "--follow, keep printing those of a run in progress until it finishes.");
  events_cmd->add_option("DIR", events_dir, "the run's output folder")->required();
  events_cmd->add_flag("-f,--follow", events_follow,
                       "keep reading the events of a run another l2mac process is running "
                       "(read-only); stops when it finishes or stops, or on Ctrl-C");

  l2mac::cli::ReportFlags report;
  auto* report_cmd = l2mac::cli::AddReportCommand(app, report);

  l2mac::cli::TraceFlags trace;
  auto* trace_cmd = l2mac::cli::AddTraceCommand(app, trace);

  l2mac::cli::DoctorFlags doctor;
  auto* doctor_cmd = l2mac::cli::AddDoctorCommand(app, doctor);
  doctor_cmd->footer(kExitCodesHelp);

  l2mac::cli::FilesCommand files = l2mac::cli::AddFilesCommand(app);

  auto* mcp_cmd = l2mac::cli::AddMcpCommand(app);

  l2mac::cli::EvalFlags eval;
  auto* eval_cmd = l2mac::cli::AddEvalCommand(app, eval);
  AddProviderFlags(*eval_cmd, eval.run.provider);

  for (CLI::App* command : {run_cmd, resume_cmd, status_cmd, transcript_cmd, events_cmd, report_cmd,
                            trace_cmd, doctor_cmd, files.command, mcp_cmd, eval_cmd}) {
    AddGlobalOptions(*command, global);
  }
  l2mac::cli::MakeRangesReadable(app);

  if (argc <= 1) {
    // Like git: a bare `l2mac` shows what it can do, and fails, as no command ran.
    std::cout << app.help();
    return l2mac::cli::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return l2mac::cli::ReportParseError(app, e);
  }
  SetUpLogging(global.Verbosity());
  // Only the subcommands that read the configuration load it, so a broken file cannot
  // stop `status` or `transcript` from showing a run.
  auto load_config = [&]() -> l2mac::Result<l2mac::Config> {
    auto config = l2mac::cli::LoadUserConfig(global.config_path);
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
    if (*eval_cmd) {
      auto config = load_config();
      if (!config.ok()) return l2mac::cli::kExitBadInput;
      eval.verbosity = global.Verbosity();
      return l2mac::cli::EvalCommand(eval, *config);
    }
    if (*doctor_cmd) {
      auto config = load_config();
      return config.ok() ? l2mac::cli::DoctorCommand(*config, doctor) : l2mac::cli::kExitBadInput;
    }
    if (*status_cmd) return l2mac::cli::StatusCommand(status_dir, status_json);
    if (*transcript_cmd) return l2mac::cli::TranscriptCommand(transcript_dir);
    if (*events_cmd) return l2mac::cli::EventsCommand(events_dir, events_follow);
    if (*report_cmd) return l2mac::cli::ReportCommand(report);
    if (*trace_cmd) return l2mac::cli::TraceCommand(trace);
    if (*files.command) return l2mac::cli::RunFilesCommand(files);
    if (*mcp_cmd) return l2mac::cli::McpCommand();
  } catch (const std::exception& e) {
    std::cerr << "l2mac: error: internal error (a bug in l2mac; please report it): " << e.what()
              << "\n";
    return l2mac::cli::kExitInternal;
  }
  return l2mac::cli::kExitUsage;
}
