// The results of `l2mac eval` (docs/CLI.md, "l2mac eval", has the JSON schema): each run's
// record, the per-task summary of mean ± standard deviation in the L2MAC paper's layout,
// the Markdown table printed at the end, and the results file, rewritten after every run so
// that an interrupted or killed evaluation keeps the runs that finished.
//
// The records are JSON objects (nlohmann::json), built by the eval command and kept in the
// file as they are; these functions only read the fields the schema documents. Pure
// functions apart from the file I/O; thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.hpp"

namespace l2mac::cli {

inline constexpr const char* kEvalFormat = "l2mac-eval/1";

// Mean and sample standard deviation (n - 1 in the denominator; 0 for a single value) of
// `values`; nullopt when there are none.
struct MeanSd {
  double mean = 0;
  double sd = 0;
  size_t n = 0;
};
std::optional<MeanSd> Summarize(const std::vector<double>& values);

// The summary of `task`'s runs in `runs` (records with that "task"): how many, their
// outcomes, and MeanSd of every measured column (a run whose value is null, e.g. Features %
// with --no-judge or lint without pyflakes, is left out of that column: "n" says how many
// counted; a column no run measured is null).
nlohmann::json SummarizeTask(const std::string& task, const std::string& spec,
                             const nlohmann::json& runs);

// The table in the paper's layout: one row per task, columns Features %, # errors (lint),
// LOC, tests passed, tokens, cost, time, each "mean ± sd" ("n/a" when not measured).
std::string FormatEvalTable(const nlohmann::json& tasks);

// The results file as a previous evaluation left it; nullopt when there is none.
// kInvalidArgument naming the file and the fix when it is not a results file.
Result<std::optional<nlohmann::json>> ReadEvalResults(const std::filesystem::path& path);

// Writes `results` to `path` through a temporary file beside it, renamed over it.
// kIoError naming the file when it cannot be written.
Status WriteEvalResults(const std::filesystem::path& path, const nlohmann::json& results);

}  // namespace l2mac::cli
