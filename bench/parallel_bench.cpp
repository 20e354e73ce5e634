// --parallel against one instruction at a time: the real l2mac binary, a task-solving
// simulated model answering every reply after LATENCY, and a program of INSTRUCTIONS
// instructions in CHAINS independent chains (each instruction writes FILES Python files,
// a module and its test, so the checks run for real). Runs the same program with
// --parallel 1 and --parallel N, and prints each run's wall clock, the speed-up and whether
// the two output folders hold identical files (the figures in bench/README.md; the issue's
// target is >= 3x for 16 instructions in 4 chains at 1 s with --parallel 4).
// Usage: build/bench/parallel_bench [LATENCY_MS [LANES [INSTRUCTIONS [CHAINS]]]]
//        (default 1000 4 16 4)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/process.hpp"
#include "tests/scenarios/scripted_model.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace {

using namespace l2mac;
using scenario::ModelRequest;
using scenario::ScriptedModel;
using scenario::Turn;

Turn Slow(Turn turn, std::chrono::milliseconds delay) {
  return [turn = std::move(turn), delay](const ModelRequest& request) {
    sim::SimReply reply = turn(request);
    reply.delay = delay;
    return reply;
  };
}

// Chain c's step k writes m<c>_<k>.py (importing the chain's previous module) and its
// test, then completes: three replies.
ScriptedModel Chains(int instructions, int chains, std::chrono::milliseconds latency) {
  ScriptedModel model;
  std::vector<scenario::json> steps;
  const int per_chain = instructions / chains;
  for (int step = 0; step < per_chain; ++step) {
    for (int chain = 0; chain < chains; ++chain) {
      const std::string id = "c" + std::to_string(chain) + "s" + std::to_string(step);
      const std::string module = "m" + std::to_string(chain) + "_" + std::to_string(step);
      std::vector<std::string> depends_on;
      std::string code = "VALUE = " + std::to_string(step + 1) + "\n";
      if (step > 0) {
        const std::string previous = "m" + std::to_string(chain) + "_" + std::to_string(step - 1);
        depends_on.push_back("c" + std::to_string(chain) + "s" + std::to_string(step - 1));
        code = "from " + previous + " import VALUE as PREVIOUS\n\nVALUE = PREVIOUS + 1\n";
      }
      steps.push_back(scenario::PlanStep(id, "Write " + module + ".py and its test.", depends_on));
      const std::string test = "from " + module + " import VALUE\n\n\ndef test_value():\n" +
                               "    assert VALUE == " + std::to_string(step + 1) + "\n";
      model.instructions[id].turns = {
          Slow(scenario::WriteFile(module + ".py", code), latency),
          Slow(scenario::WriteFile("test_" + module + ".py", test), latency),
          Slow(scenario::StepComplete(module + ".py is written and tested."), latency)};
    }
  }
  model.plan = scenario::PlanOf(steps);
  return model;
}

std::map<std::string, std::string> ReadFiles(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".py") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    files[entry.path().filename().string()] = content.str();
  }
  return files;
}

struct Timed {
  bool ok = false;
  double seconds = 0;
};

Timed Run(const std::string& base_url, const std::filesystem::path& root, int lanes) {
  const std::filesystem::path out = root / ("parallel-" + std::to_string(lanes));
  const std::filesystem::path spec = root / "spec.md";
  std::ofstream(spec) << "Write the modules of the program, each with its test.\n";
  ProcessOptions options;
  options.argv = {L2MAC_BINARY,          "run",        spec.string(),   "--out",
                  out.string(),          "--base-url", base_url,        "--parallel",
                  std::to_string(lanes), "--no-judge", "--no-progress", "-q"};
  options.env = CleanEnvironment();
  options.env.emplace_back("TMPDIR=" + root.string());
  options.timeout = std::chrono::hours(1);
  options.max_output_bytes = 1 << 20;
  const auto started = std::chrono::steady_clock::now();
  auto run = RunProcess(options);
  Timed timed;
  timed.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!run.ok()) {
    std::fprintf(stderr, "parallel_bench: %s\n", run.status().ToString().c_str());
    return timed;
  }
  timed.ok = run->succeeded();
  if (!timed.ok)
    std::fprintf(stderr, "parallel_bench: --parallel %d failed:\n%s\n", lanes, run->output.c_str());
  return timed;
}

}  // namespace

int main(int argc, char** argv) {
  const int latency_ms = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int lanes = argc > 2 ? std::atoi(argv[2]) : 4;
  const int instructions = argc > 3 ? std::atoi(argv[3]) : 16;
  const int chains = argc > 4 ? std::atoi(argv[4]) : 4;
  if (latency_ms < 0 || lanes < 1 || lanes > 16 || chains < 1 || instructions < chains) {
    std::fprintf(stderr, "usage: parallel_bench [LATENCY_MS [LANES [INSTRUCTIONS [CHAINS]]]]\n");
    return 2;
  }
  const std::filesystem::path root = std::filesystem::temp_directory_path() /
                                     ("l2mac-parallel-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root);
  const ScriptedModel model = Chains(instructions, chains, std::chrono::milliseconds(latency_ms));
  sim::SimModelServer server(model.Handler());
  if (Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "parallel_bench: %s\n", started.ToString().c_str());
    return 1;
  }
  std::printf("%d instructions in %d chains, %d ms per model reply (3 replies each), checks on\n",
              instructions, chains, latency_ms);
  const Timed one = Run(server.base_url(), root, 1);
  const Timed many = Run(server.base_url(), root, lanes);
  const bool same =
      one.ok && many.ok &&
      ReadFiles(root / "parallel-1") == ReadFiles(root / ("parallel-" + std::to_string(lanes)));
  std::printf("| --parallel | wall clock |\n|---:|---:|\n| 1 | %.1f s |\n| %d | %.1f s |\n",
              one.seconds, lanes, many.seconds);
  std::printf("speed-up: %.2fx (target >= 3x at 4 lanes)\nidentical files: %s\n",
              many.seconds > 0 ? one.seconds / many.seconds : 0.0, same ? "yes" : "NO");
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
  return one.ok && many.ok && same ? 0 : 1;
}
