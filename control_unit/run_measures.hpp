// What `l2mac eval` reads from a finished run's state database, besides its files
// (code_metrics.hpp): the judge's Features %, the tests of the last gate, tokens, cost and
// the instructions' counts. Read through a read-only view, like `l2mac status`
// (ReadRunStatus, so the figures are the ones status and the report show).
//
// Tests: `tests_passed` is the number of tests that passed at the run's last instruction
// commit (the protected baseline, test_baseline.hpp: what the output folder holds);
// `tests_failed` is the number the run's last gate reported failing when that gate
// refused a step after that commit (an instruction that gave up on failing tests, whose
// files are on an attempt branch, not in the output), else 0.
//
// A plain value; ReadRunMeasures opens its own connection: thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace l2mac::control_unit {

struct RunMeasures {
  std::string state;  // the stored state: "finished", "stopped: ...", "interrupted", ...
  int instructions = 0;
  int committed = 0;
  int failed = 0;
  int skipped = 0;
  int requirements = 0;
  // The judge's last verdict; unset when the run was not judged (--no-judge, no
  // requirements, or it stopped before the judge).
  std::optional<double> features_pct;
  int judge_rounds = 0;
  std::vector<std::string> unmet;
  int64_t tests_passed = 0;
  int64_t tests_failed = 0;
  int64_t model_calls = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cost_microusd = 0;
};

// Errors: as Workspace::Open(kReadOnlyView) (kNotFound when `dir` holds no run) and
// kCorruption for a damaged database.
Result<RunMeasures> ReadRunMeasures(const std::filesystem::path& dir);

}  // namespace l2mac::control_unit
