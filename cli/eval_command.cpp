#include "cli/eval_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <variant>

#include "cli/eval_results.hpp"
#include "cli/eval_tasks.hpp"
#include "cli/event_printer.hpp"
#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "cli/option_checks.hpp"
#include "cli/report_writer.hpp"
#include "cli/run_setup.hpp"
#include "control_unit/code_metrics.hpp"
#include "control_unit/event_payloads.hpp"
#include "control_unit/run_measures.hpp"
#include "control_unit/runner.hpp"
#include "control_unit/workspace.hpp"

namespace l2mac::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int Fail(const Status& status) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return ExitCodeFor(status, /*model_failed=*/false);
}

std::string RunKey(const std::string& task, int seed) { return task + "#" + std::to_string(seed); }

// The settings that make two runs comparable: a results file written with others is not
// mixed with these.
json SettingsOf(const PreparedRun& prepared) {
  return {{"model", prepared.provider_flags.ModelName()},
          {"judge", prepared.options.judge},
          {"max_rounds", prepared.options.max_rounds},
          {"judge_model", prepared.options.judge_model},
          {"seed_sent", prepared.seed_sent}};
}

bool SameSettings(const json& stored, const json& now) {
  for (const char* key : {"model", "judge", "max_rounds", "judge_model"}) {
    if (!stored.contains(key) || stored[key] != now[key]) return false;
  }
  return true;
}

// Measures a folder that holds a run into `record`: the stored state and the files.
// kCancelled when interrupted while pyflakes ran.
Status Measure(const fs::path& dir, const CancelToken* cancel, json& record) {
  auto measures = control_unit::ReadRunMeasures(dir);
  if (measures.ok()) {
    const auto& m = *measures;
    record["state"] = m.state;
    record["features_measured"] = m.features_pct.has_value();
    record["features_pct"] = m.features_pct ? json(*m.features_pct) : json(nullptr);
    record["judge_rounds"] = m.judge_rounds;
    record["requirements"] = m.requirements;
    record["unmet"] = m.unmet;
    record["tests_passed"] = m.tests_passed;
    record["tests_failed"] = m.tests_failed;
    record["tests_total"] = m.tests_passed + m.tests_failed;
    record["instructions"] = m.instructions;
    record["committed"] = m.committed;
    record["failed"] = m.failed;
    record["skipped"] = m.skipped;
    record["model_calls"] = m.model_calls;
    record["prompt_tokens"] = m.prompt_tokens;
    record["completion_tokens"] = m.completion_tokens;
    record["tokens"] = m.prompt_tokens + m.completion_tokens;
    record["cost_usd"] = static_cast<double>(m.cost_microusd) / 1e6;
  } else {
    record["measure_error"] = measures.status().message();
  }
  control_unit::CodeMetricsOptions options;
  options.cancel = cancel;
  auto code = control_unit::MeasureCode(dir, options);
  if (!code.ok() && code.status().code() == StatusCode::kCancelled) return code.status();
  if (code.ok()) {
    record["python_files"] = code->python_files;
    record["loc"] = code->loc;
    record["lint_errors"] = code->lint_errors ? json(*code->lint_errors) : json(nullptr);
    record["lint_messages"] = code->lint_messages;
    record["lint_note"] = code->lint_note;
  } else {
    record["lint_errors"] = nullptr;
    record["lint_note"] = code.status().message();
  }
  auto report = WriteRunReport(dir.string(), "");
  if (report.ok()) {
    record["report"] = report->string();
  } else {
    record["report"] = nullptr;
    record["report_error"] = report.status().message();
  }
  return Status::Ok();
}

// What running one task and seed gave: a record, an exit status that stops the whole
// evaluation (a setting that no run can work with), or an interruption.
struct RunResult {
  json record;
  int abort = -1;  // >= 0: stop the evaluation with this status
  bool interrupted = false;
};

RunResult RunOne(const EvalTask& task, int seed, const fs::path& dir, const EvalFlags& flags,
                 const Config& config, const CancelToken& cancel) {
  RunResult result;
  RunFlags run_flags = flags.run;
  run_flags.spec.clear();
  run_flags.task_text = task.text;
  run_flags.out = dir.string();
  auto prepared_or = PrepareRun(run_flags, config, static_cast<uint64_t>(seed));
  if (std::holds_alternative<int>(prepared_or)) {
    result.abort = std::get<int>(prepared_or);
    return result;
  }
  PreparedRun& prepared = std::get<PreparedRun>(prepared_or);
  prepared.options.task_source = task.source;
  prepared.options.cancel = &cancel;
  std::unique_ptr<ProgressLogSink> progress;
  if (flags.verbosity > 0) progress = std::make_unique<ProgressLogSink>(dir.string());
  prepared.options.events = progress.get();

  const bool resumed = control_unit::InspectFolder(dir) == control_unit::FolderState::kHoldsWork;
  const auto started = std::chrono::steady_clock::now();
  Result<control_unit::RunReport> report =
      resumed
          ? control_unit::ResumeRun(dir, *prepared.provider,
                                    json{{"provider", prepared.provider_flags.ToSettings()}},
                                    std::move(prepared.options.gate), progress.get(), &cancel,
                                    prepared.judge_provider.get(), prepared.options.token_counter)
          : control_unit::StartRun(prepared.options, *prepared.provider);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!report.ok() && report.status().code() == StatusCode::kCancelled) {
    result.interrupted = true;
    return result;
  }
  const bool model_failed =
      prepared.provider->failed() || (prepared.judge_provider && prepared.judge_provider->failed());
  json& record = result.record;
  record = {{"task", task.name},   {"seed", seed},       {"seed_sent", prepared.seed_sent},
            {"dir", dir.string()}, {"resumed", resumed}, {"wall_seconds", wall}};
  if (report.ok()) {
    record["outcome"] = control_unit::RunOutcomeName(report->outcome);
    record["exit_status"] =
        report->outcome == control_unit::RunOutcome::kCompleted ? kExitOk : kExitIncomplete;
    record["error"] = "";
  } else {
    record["outcome"] = "error";
    record["exit_status"] = ExitCodeFor(report.status(), model_failed);
    record["error"] = report.status().message();
  }
  if (control_unit::InspectFolder(dir) != control_unit::FolderState::kNoRun) {
    if (!Measure(dir, &cancel, record).ok()) result.interrupted = true;
  }
  return result;
}

// One line per run on stderr (hidden by -q).
void LogRun(const json& record) {
  std::string features = record.contains("features_pct") && record["features_pct"].is_number()
                             ? fmt::format("Features {:.1f}%", record["features_pct"].get<double>())
                             : "Features not measured";
  std::string lint = record.contains("lint_errors") && record["lint_errors"].is_number()
                         ? fmt::format("{} lint", record["lint_errors"].get<int64_t>())
                         : "lint not measured";
  spdlog::info("eval: {} seed {}: {}{}; {}, tests {}/{}, {} LOC, {}, {} tokens, ${:.4f}, {:.1f} s",
               record.value("task", ""), record.value("seed", 0), record.value("outcome", ""),
               record.value("error", "").empty() ? "" : " (" + record.value("error", "") + ")",
               features, record.value("tests_passed", int64_t{0}),
               record.value("tests_total", int64_t{0}), record.value("loc", int64_t{0}), lint,
               record.value("tokens", int64_t{0}), record.value("cost_usd", 0.0),
               record.value("wall_seconds", 0.0));
}

}  // namespace

CLI::App* AddEvalCommand(CLI::App& app, EvalFlags& flags) {
  auto* command = app.add_subcommand(
      "eval",
      "Evaluate the model on tasks with numbered features (the L2MAC paper's three system-"
      "design tasks, or your specs): N runs per task, each measured, and a table of mean ± "
      "standard deviation.");
  command->add_option("--tasks", flags.tasks,
                      "built-in tasks, comma-separated: url_shortener, social_media, chat_app "
                      "(default: all three, unless --spec is given)");
  command->add_option("--spec", flags.specs, "a spec file to evaluate as a task (repeatable)");
  command->add_option("--seeds", flags.seeds, "runs per task, seeds 1..N")
      ->capture_default_str()
      ->check(WholeNumberRange(1, 1000));
  command->add_option("--out", flags.out, "folder of the runs: OUT/<task>/seed-<n>")
      ->capture_default_str();
  command->add_option("--json", flags.json,
                      "the results file (default OUT/results.json; schema in docs/CLI.md)");
  command
      ->add_option("--context-window", flags.run.context_window,
                   "the model's context window in tokens")
      ->capture_default_str()
      ->check(WholeNumberRange(1000, 100000000))
      ->group("Limits");
  command->add_option("--max-attempts", flags.run.max_attempts, "failed checks per instruction")
      ->capture_default_str()
      ->check(WholeNumberRange(1, 1000))
      ->group("Limits");
  command->add_option("--max-turns", flags.run.max_turns, "model calls per instruction")
      ->capture_default_str()
      ->check(WholeNumberRange(1, 100000))
      ->group("Limits");
  command
      ->add_option("--check-timeout", flags.run.check_timeout_seconds,
                   "seconds each check may take")
      ->capture_default_str()
      ->check(NumberRange(0.1, 86400.0))
      ->group("Limits");
  command
      ->add_flag("--no-judge", flags.run.no_judge,
                 "run without the judge: Features % is "
                 "then not measured (null, not 0)")
      ->group("Judge");
  command
      ->add_option("--max-rounds", flags.run.max_rounds,
                   "rounds of the judge's follow-up instructions per run (default 2)")
      ->check(WholeNumberRange(0, 20))
      ->group("Judge");
  command
      ->add_option("--judge-model", flags.run.judge_model,
                   "the judge's model, on the workers' server (default: the workers' model)")
      ->group("Judge");
  AddBudgetOptions(*command, flags.run.budget);
  command->footer(
      "Each run is a real `l2mac run` of the task's spec into OUT/<task>/seed-<n>, with its\n"
      "HTML report in OUT/<task>/seed-<n>/.l2mac/report.html. The seed is sent in each\n"
      "request's \"seed\" field to OpenAI-compatible servers; Anthropic's API takes none, so\n"
      "there it only numbers the repetition. Budgets apply to each run. The results file is\n"
      "rewritten after every run; rerun the same command to skip the finished runs and\n"
      "resume one cut short.\n"
      "Exit status: 0 every run measured; 2 usage (unknown task, --replay, no model); 3 a\n"
      "spec or config missing or malformed, or a results file that is not one; 5 some runs\n"
      "ended in an error (recorded); 6 the results file holds runs of other settings; 7 the\n"
      "results cannot be written; 130 interrupted (finished runs kept, missing ones listed).");
  return command;
}

int EvalCommand(const EvalFlags& flags, const Config& config) {
  if (!flags.run.provider.replay.empty()) {
    std::cerr << "l2mac: error: eval runs each task several times against a model; a --replay "
                 "transcript holds one run's replies: replay it with `l2mac run` instead\n";
    return kExitUsage;
  }
  std::string names = flags.tasks;
  if (names.empty() && flags.specs.empty()) {
    for (const auto& name : BuiltinEvalTaskNames()) names += (names.empty() ? "" : ",") + name;
  }
  auto tasks = ResolveEvalTasks(names, flags.specs);
  if (!tasks.ok()) {
    std::cerr << "l2mac: error: " << tasks.status().message() << "\n";
    return tasks.status().code() == StatusCode::kNotFound ? kExitUsage
                                                          : ExitCodeFor(tasks.status(), false);
  }
  if (tasks->empty()) {
    std::cerr << "l2mac: error: no task to evaluate: give --tasks or --spec FILE\n";
    return kExitUsage;
  }
  const fs::path out = flags.out;
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out, ec)) {
    return Fail(Status::FailedPrecondition("cannot create the folder " + out.string() + " (" +
                                           ec.message() + "): choose another --out"));
  }
  const fs::path results_path = flags.json.empty() ? out / "results.json" : fs::path(flags.json);

  // Every setting is checked once, before any run, the way `run` checks it.
  RunFlags probe = flags.run;
  probe.task_text = tasks->front().text;
  probe.out = (out / tasks->front().name / "seed-1").string();
  auto checked = PrepareRun(probe, config, 1);
  if (std::holds_alternative<int>(checked)) return std::get<int>(checked);
  const json settings = SettingsOf(std::get<PreparedRun>(checked));

  auto previous = ReadEvalResults(results_path);
  if (!previous.ok()) return Fail(previous.status());
  std::map<std::string, json> records;
  std::vector<json> others;  // runs of tasks not evaluated now, kept as they were
  if (*previous) {
    const json& stored = **previous;
    if (!SameSettings(stored.value("settings", json::object()), settings)) {
      std::cerr << "l2mac: error: " << results_path.string()
                << " holds runs made with other settings (" << stored.value("settings", json())
                << ", now " << settings
                << "): give another --out or --json FILE, or remove it to start over\n";
      return kExitWorkspace;
    }
    for (const auto& run : stored["runs"]) {
      if (!run.is_object() || !run.contains("task") || !run.contains("seed")) continue;
      records[RunKey(run.value("task", ""), run.value("seed", 0))] = run;
    }
  }

  std::vector<std::pair<std::string, int>> order;
  for (const auto& task : *tasks) {
    for (int seed = 1; seed <= flags.seeds; ++seed) order.emplace_back(task.name, seed);
  }
  auto assemble = [&](bool interrupted) {
    json runs = json::array();
    json missing = json::array();
    std::set<std::string> listed;
    for (const auto& [task, seed] : order) {
      auto it = records.find(RunKey(task, seed));
      listed.insert(RunKey(task, seed));
      if (it == records.end()) {
        missing.push_back({{"task", task}, {"seed", seed}});
      } else {
        runs.push_back(it->second);
      }
    }
    std::vector<std::string> task_names;
    for (const auto& task : *tasks) task_names.push_back(task.name);
    for (const auto& [key, run] : records) {
      if (listed.count(key)) continue;
      runs.push_back(run);  // an earlier evaluation's, of another task or seed
      const std::string name = run.value("task", "");
      if (std::find(task_names.begin(), task_names.end(), name) == task_names.end()) {
        task_names.push_back(name);
      }
    }
    json summaries = json::array();
    for (const auto& name : task_names) {
      std::string spec;
      for (const auto& task : *tasks) {
        if (task.name == name) spec = task.source;
      }
      summaries.push_back(SummarizeTask(name, spec, runs));
    }
    return json{
        {"format", kEvalFormat}, {"complete", missing.empty()}, {"interrupted", interrupted},
        {"missing", missing},    {"settings", settings},        {"seeds", flags.seeds},
        {"runs", runs},          {"tasks", summaries}};
  };

  InterruptHandler interrupt(/*announce=*/true);
  bool interrupted = false;
  for (const auto& task : *tasks) {
    for (int seed = 1; seed <= flags.seeds && !interrupted; ++seed) {
      const std::string key = RunKey(task.name, seed);
      auto known = records.find(key);
      if (known != records.end() && known->second.value("outcome", "error") != "error") {
        spdlog::info("eval: {} seed {}: already in {}, skipped", task.name, seed,
                     results_path.string());
        continue;
      }
      if (interrupt.token().cancelled()) {
        interrupted = true;
        break;
      }
      const fs::path dir = out / task.name / ("seed-" + std::to_string(seed));
      spdlog::info("eval: {} seed {} of {} in {}", task.name, seed, flags.seeds, dir.string());
      RunResult run = RunOne(task, seed, dir, flags, config, interrupt.token());
      if (run.abort >= 0) return run.abort;
      if (run.interrupted) {
        interrupted = true;
        break;
      }
      LogRun(run.record);
      records[key] = std::move(run.record);
      if (Status written = WriteEvalResults(results_path, assemble(false)); !written.ok()) {
        return Fail(written);
      }
    }
    if (interrupted) break;
  }

  const json results = assemble(interrupted);
  if (Status written = WriteEvalResults(results_path, results); !written.ok()) {
    return Fail(written);
  }
  std::cout << FormatEvalTable(results["tasks"]);
  std::cout.flush();
  if (interrupted) {
    std::cerr << "l2mac: interrupted: " << results["runs"].size() << " finished runs are kept in "
              << results_path.string() << ", " << results["missing"].size()
              << " are missing; the same command continues\n";
    return kExitInterrupted;
  }
  spdlog::info("eval: results in {}", results_path.string());
  for (const auto& run : results["runs"]) {
    if (run.value("outcome", "") == "error") {
      std::cerr << "l2mac: error: some runs ended in an error (outcome \"error\" in "
                << results_path.string() << "); rerun the same command to resume them\n";
      return kExitIncomplete;
    }
  }
  return kExitOk;
}

}  // namespace l2mac::cli
