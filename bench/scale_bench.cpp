// What a step costs as the store grows: l2mac's own CPU per model call and per instruction
// transition, at several store sizes, in one run (issue "The control unit at scale").
//
// For each store size S (default 0, 1000 and 10000 files), in its own child process:
//   1. seed instructions write S small files (batches of at most 200 write_file calls per
//      reply, at most 1000 per instruction, as the worker's tool budget allows);
//   2. M measured instructions (default 5) each write C files (default 10), one per reply,
//      then call step_complete.
// The simulated model server runs in the parent process (it keeps every request it gets,
// which would otherwise count as l2mac's memory); the run talks to it over loopback. The
// figures are the run thread's CPU (CLOCK_THREAD_CPUTIME_ID), read by an event sink, which runs
// on the run thread:
//   - per model call: the CPU between two model_call_started events of a measured
//     instruction (the call, its tool calls, the next context);
//   - transition: from the step_complete call's model_call_finished to the next
//     instruction_started, with the checks' own time (check_started to check_finished)
//     taken out: setting up the check workspace, the commit, materializing the folder.
// The seeded files are text (no check applies to them) unless --python, when they are
// Python modules and the measured instructions write Python too, so the checks' cost
// shows in the "checks" column.
// Peak RSS is the child's: the run alone, as `l2mac run` would hold it (the model provider,
// the store, the contexts, the checks), with the pages it shares with the parent.
// Targets: ≤ 2 ms per call at 1,000 files, ≤ 10 ms at 10,000, ratio 10,000 / empty ≤ 1.5;
// transition ≤ 20 ms at 10,000 files with 10 changed; peak RSS ≤ 64 MB. Exit status 1 when
// a run fails or a target is missed (only targets for sizes that were run are checked).
// Usage: build/bench/scale_bench [--python] [--measured M] [--changed C] [SIZE...]
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "control_unit/runner.hpp"
#include "core/llm/openai_provider.hpp"
#include "tests/scenarios/scripted_model.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace {

using namespace l2mac;
using namespace l2mac::control_unit;
using scenario::ScriptedModel;

constexpr int kBatch = 200;                // write_file calls per reply while seeding
constexpr int kPerSeedInstruction = 1000;  // the worker's tool calls per instruction

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double WallMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct BenchConfig {
  bool python = false;
  int measured = 5;
  int changed = 10;
  std::vector<int> sizes;
};

std::string SeedPath(const BenchConfig& config, int n) {
  return "pkg_" + std::to_string(n / 100) + "/mod_" + std::to_string(n) +
         (config.python ? ".py" : ".txt");
}

std::string SeedContent(const BenchConfig& config, int n) {
  if (config.python)
    return "def value_" + std::to_string(n) + "():\n    return " + std::to_string(n) + "\n";
  return "seeded file " + std::to_string(n) + "\n";
}

std::string MeasuredPath(const BenchConfig& config, int instruction, int file) {
  return "feature_" + std::to_string(instruction) + "/part_" + std::to_string(file) +
         (config.python ? ".py" : ".txt");
}

std::string MeasuredContent(int instruction, int file) {
  std::string text;
  for (int line = 0; line < 20; ++line) {
    text += "# feature " + std::to_string(instruction) + ", part " + std::to_string(file) +
            ", line " + std::to_string(line) + "\n";
  }
  return text + "PART = " + std::to_string(file) + "\n";
}

int SeedInstructions(int size) { return (size + kPerSeedInstruction - 1) / kPerSeedInstruction; }

std::string SeedId(int i) { return "s" + std::to_string(i + 1); }
std::string MeasuredId(int i) { return "m" + std::to_string(i + 1); }

ScriptedModel ModelFor(const BenchConfig& config, int size) {
  ScriptedModel model;
  for (int s = 0; s < SeedInstructions(size); ++s) {
    auto& script = model.instructions[SeedId(s)];
    const int first = s * kPerSeedInstruction;
    const int last = std::min(size, first + kPerSeedInstruction);
    for (int batch = first; batch < last; batch += kBatch) {
      std::vector<scenario::ToolUse> uses;
      for (int n = batch; n < std::min(last, batch + kBatch); ++n) {
        uses.push_back(scenario::WriteFileUse(SeedPath(config, n), SeedContent(config, n)));
      }
      script.turns.push_back(scenario::Tools(std::move(uses)));
    }
    script.turns.push_back(scenario::StepComplete("seeded"));
  }
  for (int m = 0; m < config.measured; ++m) {
    auto& script = model.instructions[MeasuredId(m)];
    for (int f = 0; f < config.changed; ++f) {
      script.turns.push_back(
          scenario::WriteFile(MeasuredPath(config, m, f), MeasuredContent(m, f)));
    }
    script.turns.push_back(scenario::StepComplete("feature written"));
  }
  return model;
}

registry::Program ProgramFor(const BenchConfig& config, int size) {
  registry::Program program;
  std::string previous;
  auto add = [&](const std::string& id, const std::string& text) {
    registry::Instruction instruction;
    instruction.id = id;
    instruction.text = text;
    if (!previous.empty()) instruction.depends_on = {previous};
    program.instructions.push_back(instruction);
    previous = id;
  };
  for (int s = 0; s < SeedInstructions(size); ++s) add(SeedId(s), "Write the seeded files.");
  for (int m = 0; m < config.measured; ++m) add(MeasuredId(m), "Write the next feature.");
  return program;
}

// Reads the run thread's CPU at the events that bound the measured phases.
class PhaseSink : public EventSink {
 public:
  void OnEvent(const RunEvent& event) override {
    const bool measured = !event.instruction.empty() && event.instruction[0] == 'm';
    const double cpu = ThreadCpuMs();
    const double wall = WallMs();
    if (std::holds_alternative<InstructionStarted>(event.payload) ||
        std::holds_alternative<RunFinished>(event.payload)) {
      EndTransition(cpu, wall);
      last_call_cpu_ = -1;
      return;
    }
    if (!measured) return;
    if (!announced_) {
      // For a profiler to attach to the measured phase alone (`perf record -p`).
      announced_ = true;
      std::fprintf(stderr, "scale_bench: measuring, pid %d, peak RSS so far %ld MB\n",
                   static_cast<int>(getpid()), PeakRssKb() / 1024);
    }
    if (std::holds_alternative<ModelCallStarted>(event.payload)) {
      if (last_call_cpu_ >= 0) per_call_cpu.push_back(cpu - last_call_cpu_);
      last_call_cpu_ = cpu;
      in_transition_ = false;
    } else if (const auto* finished = std::get_if<ModelCallFinished>(&event.payload)) {
      (void)finished;
      // Every call may be the last: the transition starts at the last one's end.
      in_transition_ = true;
      transition_start_cpu_ = cpu;
      transition_start_wall_ = wall;
      checks_cpu_ = checks_wall_ = 0;
    } else if (std::holds_alternative<CheckStarted>(event.payload)) {
      check_start_cpu_ = cpu;
      check_start_wall_ = wall;
    } else if (std::holds_alternative<CheckFinished>(event.payload)) {
      checks_cpu_ += cpu - check_start_cpu_;
      checks_wall_ += wall - check_start_wall_;
    }
  }

  std::vector<double> per_call_cpu;
  std::vector<double> transition_cpu;
  std::vector<double> transition_wall;
  std::vector<double> checks_wall;

 private:
  void EndTransition(double cpu, double wall) {
    if (!in_transition_) return;
    in_transition_ = false;
    transition_cpu.push_back(cpu - transition_start_cpu_ - checks_cpu_);
    transition_wall.push_back(wall - transition_start_wall_ - checks_wall_);
    checks_wall.push_back(checks_wall_);
  }

  double last_call_cpu_ = -1;
  bool announced_ = false;
  bool in_transition_ = false;
  double transition_start_cpu_ = 0, transition_start_wall_ = 0;
  double check_start_cpu_ = 0, check_start_wall_ = 0;
  double checks_cpu_ = 0, checks_wall_ = 0;
};

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double value : values) sum += value;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

struct Figures {
  double call_ms = 0;  // mean CPU per model call
  double call_median_ms = 0;
  double transition_cpu_ms = 0;
  double transition_wall_ms = 0;
  double checks_wall_ms = 0;
  long peak_rss_kb = 0;
};

// Runs one size in this (child) process against the simulated server at `base_url`; writes
// the figures to `out`. 0 on success.
int RunSize(const BenchConfig& config, int size, const std::string& base_url, Figures& out) {
  spdlog::set_level(spdlog::level::warn);
  llm::OpenAiOptions provider_options;
  provider_options.base_url = base_url;
  provider_options.model = "sim-model";
  auto provider = llm::MakeOpenAiProvider(std::move(provider_options));

  std::error_code ec;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("l2mac-scale-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir, ec);
  PhaseSink sink;
  RunOptions options;
  options.out_dir = dir / "out";
  options.task = "Write the files, feature by feature.";
  options.task_source = "--task";
  options.program = ProgramFor(config, size);
  options.events = &sink;
  options.judge = false;
  options.context_window = 2'000'000;  // a seeding reply holds 200 files
  auto report = StartRun(options, *provider);
  std::filesystem::remove_all(dir, ec);
  if (!report.ok() || report->outcome != RunOutcome::kCompleted) {
    std::fprintf(stderr, "scale_bench: the run at %d files did not complete: %s\n", size,
                 report.ok() ? "an instruction failed" : report.status().ToString().c_str());
    return 1;
  }
  out.call_ms = Mean(sink.per_call_cpu);
  out.call_median_ms = Median(sink.per_call_cpu);
  out.transition_cpu_ms = Median(sink.transition_cpu);
  out.transition_wall_ms = Median(sink.transition_wall);
  out.checks_wall_ms = Median(sink.checks_wall);
  return 0;
}

bool ParseArgs(int argc, char** argv, BenchConfig& config) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--python") {
      config.python = true;
    } else if ((arg == "--measured" || arg == "--changed") && i + 1 < argc) {
      (arg == "--measured" ? config.measured : config.changed) = std::atoi(argv[++i]);
    } else if (!arg.empty() && arg.find_first_not_of("0123456789") == std::string::npos) {
      config.sizes.push_back(std::atoi(arg.c_str()));
    } else {
      return false;
    }
  }
  if (config.sizes.empty()) config.sizes = {0, 1000, 10000};
  return config.measured >= 1 && config.changed >= 1;
}

}  // namespace

int main(int argc, char** argv) {
  BenchConfig config;
  if (!ParseArgs(argc, argv, config)) {
    std::fprintf(stderr, "usage: scale_bench [--python] [--measured M] [--changed C] [SIZE...]\n");
    return 2;
  }
  std::printf(
      "%d measured instructions per size, each writing %d %s files in %d model calls, "
      "non-streamed, judge off\n",
      config.measured, config.changed, config.python ? "Python" : "text", config.changed + 1);
  std::printf("%8s %14s %12s %16s %16s %12s %10s\n", "files", "CPU/call ms", "median ms",
              "transition CPU", "transition wall", "checks wall", "peak RSS");
  std::vector<std::pair<int, Figures>> results;
  for (int size : config.sizes) {
    // The child is forked before the server's threads exist (forking a threaded process
    // leaves locks the child cannot trust); the parent then starts the server and sends the
    // child its URL through `url_fds`. The child leaves with _exit.
    int url_fds[2];
    int pipe_fds[2];
    if (pipe(url_fds) != 0 || pipe(pipe_fds) != 0) return 1;
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
      close(url_fds[1]);
      close(pipe_fds[0]);
      char url[256] = {};
      size_t got = 0;
      for (ssize_t n;
           got + 1 < sizeof url && (n = read(url_fds[0], url + got, sizeof url - 1 - got)) > 0;) {
        got += static_cast<size_t>(n);
      }
      if (got == 0) _exit(1);  // the parent could not start the server
      Figures figures;
      const int status = RunSize(config, size, std::string(url, got), figures);
      if (write(pipe_fds[1], &figures, sizeof figures) != sizeof figures) _exit(1);
      _exit(status);
    }
    close(url_fds[0]);
    const ScriptedModel model = ModelFor(config, size);
    sim::SimModelServer server(model.Handler());
    if (Status started = server.Start(); !started.ok()) {
      std::fprintf(stderr, "scale_bench: %s\n", started.ToString().c_str());
      close(url_fds[1]);
      waitpid(child, nullptr, 0);
      return 1;
    }
    const std::string url = server.base_url();
    const bool sent = write(url_fds[1], url.data(), url.size()) == static_cast<ssize_t>(url.size());
    close(url_fds[1]);
    if (!sent) return 1;
    close(pipe_fds[1]);
    Figures figures;
    const bool read_all = read(pipe_fds[0], &figures, sizeof figures) == sizeof figures;
    close(pipe_fds[0]);
    int status = 0;
    rusage usage{};
    wait4(child, &status, 0, &usage);
    if (!read_all || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "scale_bench: the run at %d files failed\n", size);
      return 1;
    }
    figures.peak_rss_kb = usage.ru_maxrss;
    std::printf("%8d %14.2f %12.2f %13.2f ms %13.2f ms %9.1f ms %7ld MB\n", size, figures.call_ms,
                figures.call_median_ms, figures.transition_cpu_ms, figures.transition_wall_ms,
                figures.checks_wall_ms, figures.peak_rss_kb / 1024);
    std::fflush(stdout);
    results.emplace_back(size, figures);
  }
  bool met = true;
  auto at = [&](int size) -> const Figures* {
    for (const auto& [s, f] : results)
      if (s == size) return &f;
    return nullptr;
  };
  auto check = [&](const char* what, double value, double target) {
    const bool ok = value <= target;
    met = met && ok;
    std::printf("%-52s %9.2f (target <= %.2f): %s\n", what, value, target, ok ? "met" : "MISSED");
  };
  if (const Figures* f = at(1000)) check("CPU per model call at 1,000 files, ms", f->call_ms, 2);
  if (const Figures* f = at(10000)) {
    check("CPU per model call at 10,000 files, ms", f->call_ms, 10);
    if (config.changed == 10) {
      check("transition at 10,000 files, 10 changed, wall ms", f->transition_wall_ms, 20);
    }
    check("peak RSS at 10,000 files, MB", static_cast<double>(f->peak_rss_kb) / 1024, 64);
    if (const Figures* empty = at(0)) {
      check("CPU per call, 10,000 files / empty store", f->call_ms / empty->call_ms, 1.5);
    }
  }
  return met ? 0 : 1;
}
