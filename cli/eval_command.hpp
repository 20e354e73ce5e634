// `l2mac eval`: the L2MAC paper's protocol against the configured model. For each task and
// seed it starts a real run (PrepareRun and StartRun, exactly as `run` does) in
// OUT/<task>/seed-<n>, then measures it: Features % from the judge's stored verdicts, the
// tests of the last gate, lines of code and pyflakes' findings on the output's files,
// tokens, cost, wall time and the outcome; writes each run's HTML report; and prints a
// table of mean ± standard deviation per task in the paper's layout. The results file
// (docs/CLI.md has its schema) is rewritten after every run, so an interrupted evaluation
// keeps what finished and says which runs are missing; a rerun with the same --out skips
// the runs already in it and resumes a run that was cut short.
//
// One thread; at most one eval per process (it installs the SIGINT handler).
#pragma once

#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/config.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace l2mac::cli {

struct EvalFlags {
  std::string tasks;               // comma-separated built-in task names
  std::vector<std::string> specs;  // --spec FILE...
  int seeds = 10;
  std::string out = "l2mac-eval";
  std::string json;  // empty: OUT/results.json
  // The model, judge, limits and budgets, as `run` takes them (spec and out unused).
  RunFlags run;
  int verbosity = 0;  // > 0: each run's progress lines too
};

// Registers `eval` on `app`, bound to `flags` (which must outlive the parse); the model
// options are the caller's to add (they are shared with `run`). Returns the subcommand.
CLI::App* AddEvalCommand(CLI::App& app, EvalFlags& flags);

// Exit status: 0 every run measured (whatever each run's own outcome); 2 usage (an
// unknown task, --replay, no model); 3 a spec or the configuration malformed or missing,
// or a results file that is not one; 5 every run ran but some ended in an error (recorded
// as such); 6 the output folder or results file belongs to other settings; 7 the results
// cannot be written; 130 interrupted (the finished runs are kept, the missing ones
// listed).
int EvalCommand(const EvalFlags& flags, const Config& config);

}  // namespace l2mac::cli
