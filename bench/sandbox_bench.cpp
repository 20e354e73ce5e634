// Sandbox start-up overhead and concurrent gates.
//
// 1. The median wall time of the same command run by a plain fork/exec (RunProcess) and
//    through the sandbox (bubblewrap, and the fallback), interleaved in one run so the
//    machine's noise hits both alike; prints the added milliseconds and the ratio.
// 2. N gates run at once on separate snapshots, each with its own expected result (one of
//    them failing on purpose), against the same gates run one after another: every verdict
//    must be the one its own snapshot calls for. Exits 1 if any is not.
//
// Usage: sandbox_bench [iterations (default 60)] [concurrent gates (default 4)]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "core/process.hpp"
#include "core/sandbox.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

struct Series {
  std::string name;
  std::vector<double> ms;
};

void Print(const Series& base, const Series& other) {
  const double b = Percentile(base.ms, 0.5);
  const double o = Percentile(other.ms, 0.5);
  std::printf("  %-34s median %7.2f ms  p90 %7.2f ms  added %+7.2f ms  ratio x%.2f\n",
              other.name.c_str(), o, Percentile(other.ms, 0.9), o - b, o / b);
}

bool Overhead(int iterations, const fs::path& root) {
  auto bubblewrap = l2mac::Sandbox::Create(l2mac::SandboxSettings{});
  l2mac::SandboxSettings off;
  off.request = l2mac::SandboxRequest::kOff;
  auto fallback = l2mac::Sandbox::Create(off);
  if (!bubblewrap.ok() || !fallback.ok()) return false;
  std::printf("sandbox mode: %s\n", (*bubblewrap)->DescribeMode().c_str());

  const std::vector<std::vector<std::string>> commands = {{"/bin/true"},
                                                          {"/usr/bin/python3", "-c", "pass"}};
  bool ok = true;
  for (const auto& argv : commands) {
    std::string label;
    for (const auto& a : argv) label += (label.empty() ? "" : " ") + a;
    Series plain{"plain fork/exec", {}};
    Series wrapped{"bubblewrap sandbox", {}};
    Series limited{"fallback (rlimits + group)", {}};
    for (int i = 0; i < iterations; ++i) {
      l2mac::ProcessOptions options;
      options.argv = argv;
      options.env = l2mac::CleanEnvironment();
      options.cwd = root.string();
      auto start = Clock::now();
      auto run = l2mac::RunProcess(options);
      plain.ms.push_back(Millis(Clock::now() - start));
      ok = ok && run.ok() && run->succeeded();

      l2mac::SandboxCommand command;
      command.argv = argv;
      command.root = root;
      command.env = l2mac::CleanEnvironment();
      start = Clock::now();
      auto boxed = (*bubblewrap)->Run(command);
      wrapped.ms.push_back(Millis(Clock::now() - start));
      ok = ok && boxed.ok() && boxed->succeeded();

      start = Clock::now();
      auto fell = (*fallback)->Run(command);
      limited.ms.push_back(Millis(Clock::now() - start));
      ok = ok && fell.ok() && fell->succeeded();
    }
    std::printf("%s (%d runs each, interleaved)\n", label.c_str(), iterations);
    std::printf("  %-34s median %7.2f ms  p90 %7.2f ms\n", plain.name.c_str(),
                Percentile(plain.ms, 0.5), Percentile(plain.ms, 0.9));
    Print(plain, wrapped);
    Print(plain, limited);
  }
  return ok;
}

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// Snapshot i: its module returns i, its test expects i (snapshot `failing` expects i + 1).
// All of them write the same file name in /tmp and in their folder, to show they do not
// see each other.
fs::path MakeSnapshot(const fs::path& base, int i, int failing) {
  const fs::path dir = base / ("snapshot-" + std::to_string(i));
  Write(dir / "value.py", "def value():\n    return " + std::to_string(i) + "\n");
  Write(dir / "test_value.py",
        "import os, time\nfrom value import value\n\n"
        "def test_value():\n"
        "    for path in ('/tmp/shared.txt', 'shared.txt'):\n"
        "        assert not os.path.exists(path), path + ' written by another gate'\n"
        "        open(path, 'w').write(str(value()))\n"
        "    time.sleep(0.3)\n"
        "    assert open('/tmp/shared.txt').read() == str(value())\n"
        "    assert value() == " +
            std::to_string(i == failing ? i + 1 : i) + "\n");
  return dir;
}

bool Concurrency(int gates, const fs::path& base) {
  const int failing = gates / 2;
  auto sandbox = l2mac::Sandbox::Create(l2mac::SandboxSettings{});
  if (!sandbox.ok()) return false;
  auto run_all = [&](bool concurrent, const std::string& round) {
    std::vector<fs::path> dirs;
    for (int i = 0; i < gates; ++i) dirs.push_back(MakeSnapshot(base / round, i, failing));
    std::vector<int> verdicts(gates, -1);
    auto gate = [&](int i) {
      l2mac::toolchains::GateOptions options;
      options.sandbox = *sandbox;
      options.timeout = std::chrono::milliseconds(60000);
      auto report = l2mac::toolchains::RunGate(l2mac::toolchains::GateDomain::kCodebase, dirs[i],
                                               {}, options);
      verdicts[i] = report.ok() ? (report->passed ? 1 : 0) : -1;
    };
    const auto start = Clock::now();
    if (concurrent) {
      std::vector<std::thread> threads;
      for (int i = 0; i < gates; ++i) threads.emplace_back(gate, i);
      for (auto& t : threads) t.join();
    } else {
      for (int i = 0; i < gates; ++i) gate(i);
    }
    const double ms = Millis(Clock::now() - start);
    bool right = true;
    for (int i = 0; i < gates; ++i) right = right && verdicts[i] == (i == failing ? 0 : 1);
    return std::make_pair(ms, right);
  };
  const auto [sequential_ms, sequential_ok] = run_all(false, "sequential");
  const auto [concurrent_ms, concurrent_ok] = run_all(true, "concurrent");
  std::printf("%d Python gates (syntax, pyflakes, pytest), gate %d failing on purpose\n", gates,
              failing);
  std::printf("  one after another: %8.0f ms  verdicts %s\n", sequential_ms,
              sequential_ok ? "all as expected" : "WRONG");
  std::printf("  concurrently:      %8.0f ms  verdicts %s  speed-up x%.2f\n", concurrent_ms,
              concurrent_ok ? "all as expected" : "WRONG", sequential_ms / concurrent_ms);
  return sequential_ok && concurrent_ok;
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::max(5, std::atoi(argv[1])) : 60;
  const int gates = argc > 2 ? std::max(2, std::atoi(argv[2])) : 4;
  const fs::path base =
      fs::temp_directory_path() / ("l2mac_sandbox_bench_" + std::to_string(::getpid()));
  fs::create_directories(base / "root");
  bool ok = Overhead(iterations, base / "root");
  ok = Concurrency(gates, base) && ok;
  std::error_code ignored;
  fs::remove_all(base, ignored);
  if (!ok) std::printf("FAILED: a command or a verdict was not as expected\n");
  return ok ? 0 : 1;
}
