// The judge loop's effect on the L2MAC paper's three tasks, measured with `l2mac eval`
// against the imperfect simulated model (tests/scenarios/imperfect_model.hpp: each
// requirement implemented with probability 0.6 per attempt, four requirements per
// instruction, the judge deciding from the store). Runs the real l2mac binary twice over
// url_shortener, social_media and chat_app with SEEDS seeds: with the judge and two
// rounds of follow-ups, then with --no-judge, and prints both tables (the figures in
// bench/README.md). The --no-judge table has no Features % (nothing measures it); the
// first pass's Features % is the judge's with --max-rounds 0, run third.
// Usage: build/bench/eval_bench [SEEDS [OUT]]   (default 10, a temporary folder)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/process.hpp"
#include "tests/scenarios/imperfect_model.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace {

using namespace l2mac;

int Eval(const std::string& title, const std::string& base_url, const std::string& out,
         const std::string& seeds, std::vector<std::string> extra) {
  ProcessOptions options;
  options.argv = {L2MAC_BINARY, "eval",   "--tasks", "url_shortener,social_media,chat_app",
                  "--seeds",    seeds,    "--out",   out,
                  "--base-url", base_url, "-q"};
  options.argv.insert(options.argv.end(), extra.begin(), extra.end());
  options.env = CleanEnvironment();
  options.timeout = std::chrono::hours(6);
  options.max_output_bytes = 1 << 20;
  auto run = RunProcess(options);
  if (!run.ok()) {
    std::fprintf(stderr, "eval_bench: %s\n", run.status().ToString().c_str());
    return 1;
  }
  std::printf("### %s (%.0f s)\n\n%s\n", title.c_str(),
              static_cast<double>(run->wall_time.count()) / 1000.0, run->output.c_str());
  std::fflush(stdout);
  return run->succeeded() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string seeds = argc > 1 ? argv[1] : "10";
  std::filesystem::path root = argc > 2 ? std::filesystem::path(argv[2])
                                        : std::filesystem::temp_directory_path() /
                                              ("l2mac-eval-bench-" + std::to_string(::getpid()));
  scenario::ImperfectModel imperfect;
  imperfect.probability = 0.6;
  imperfect.per_instruction = 4;
  scenario::ScriptedModel model = imperfect.Model();
  sim::SimModelServer server(model.Handler());
  if (Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "eval_bench: %s\n", started.ToString().c_str());
    return 1;
  }
  int failed = 0;
  failed += Eval("judge, --max-rounds 2", server.base_url(), (root / "judge").string(), seeds, {});
  failed +=
      Eval("--no-judge", server.base_url(), (root / "no-judge").string(), seeds, {"--no-judge"});
  failed += Eval("judge, --max-rounds 0 (the first pass, judged)", server.base_url(),
                 (root / "one-pass").string(), seeds, {"--max-rounds", "0"});
  std::printf("runs and reports in %s\n", root.string().c_str());
  return failed == 0 ? 0 : 1;
}
