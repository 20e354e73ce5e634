#include "cli/eval_results.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "cli/input_files.hpp"

namespace l2mac::cli {
namespace {

using nlohmann::json;

// Results files of a long evaluation stay far below this; a larger one is not ours.
constexpr size_t kMaxResultsBytes = 64u << 20;

// The columns of the summary and the table: the run record's field, the summary's key, the
// table's heading and the digits shown.
struct Column {
  const char* field;
  const char* heading;
  int digits;
};
constexpr Column kColumns[] = {
    {"features_pct", "Features %", 1},
    {"lint_errors", "# errors (lint)", 1},
    {"loc", "LOC", 1},
    {"tests_passed", "tests passed", 1},
    {"tokens", "tokens", 0},
    {"cost_usd", "cost ($)", 4},
    {"wall_seconds", "time (s)", 1},
};

}  // namespace

std::optional<MeanSd> Summarize(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  MeanSd out;
  out.n = values.size();
  double sum = 0;
  for (double value : values) sum += value;
  out.mean = sum / static_cast<double>(out.n);
  if (out.n > 1) {
    double squares = 0;
    for (double value : values) squares += (value - out.mean) * (value - out.mean);
    out.sd = std::sqrt(squares / static_cast<double>(out.n - 1));
  }
  return out;
}

json SummarizeTask(const std::string& task, const std::string& spec, const json& runs) {
  json summary = {{"task", task}, {"spec", spec}, {"runs", 0}, {"outcomes", json::object()}};
  std::map<std::string, std::vector<double>> values;
  for (const auto& run : runs) {
    if (run.value("task", "") != task) continue;
    summary["runs"] = summary["runs"].get<int>() + 1;
    const std::string outcome = run.value("outcome", "error");
    summary["outcomes"][outcome] = summary["outcomes"].value(outcome, 0) + 1;
    for (const Column& column : kColumns) {
      auto it = run.find(column.field);
      if (it != run.end() && it->is_number()) values[column.field].push_back(it->get<double>());
    }
  }
  for (const Column& column : kColumns) {
    auto stats = Summarize(values[column.field]);
    summary[column.field] =
        stats ? json{{"mean", stats->mean}, {"sd", stats->sd}, {"n", stats->n}} : json(nullptr);
  }
  return summary;
}

std::string FormatEvalTable(const json& tasks) {
  std::string table = "| task | runs |";
  std::string rule = "|---|---:|";
  for (const Column& column : kColumns) {
    table += fmt::format(" {} |", column.heading);
    rule += "---:|";
  }
  table += "\n" + rule + "\n";
  for (const auto& task : tasks) {
    table += fmt::format("| {} | {} |", task.value("task", ""), task.value("runs", 0));
    for (const Column& column : kColumns) {
      const json& stats = task.contains(column.field) ? task[column.field] : json(nullptr);
      if (!stats.is_object()) {
        table += " n/a |";
        continue;
      }
      table += fmt::format(" {:.{}f} ± {:.{}f}", stats.value("mean", 0.0), column.digits,
                           stats.value("sd", 0.0), column.digits);
      // A column measured on fewer runs than the task had says on how many.
      if (stats.value("n", 0) != task.value("runs", 0)) {
        table += fmt::format(" (n={})", stats.value("n", 0));
      }
      table += " |";
    }
    table += "\n";
  }
  return table;
}

Result<std::optional<json>> ReadEvalResults(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<json>();
  L2MAC_ASSIGN_OR_RETURN(std::string text,
                         ReadUserTextFile(path.string(), "results", kMaxResultsBytes));
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object() || parsed.value("format", "") != kEvalFormat ||
      !parsed.contains("runs") || !parsed["runs"].is_array()) {
    return Status::InvalidArgument("the results file " + path.string() +
                                   " is not an l2mac eval results file (" + kEvalFormat +
                                   "): give another --json FILE, or remove it to start over");
  }
  return std::optional<json>(std::move(parsed));
}

Status WriteEvalResults(const std::filesystem::path& path, const json& results) {
  auto cannot = [&path](const std::string& why) {
    return Status::IoError("cannot write the results to " + path.string() + " (" + why +
                           "): choose another file with --json FILE");
  };
  std::filesystem::path temp = path;
  temp += ".tmp-" + std::to_string(::getpid());
  const std::string text = results.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return cannot(std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      return cannot("write failed, the disk may be full");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return cannot(ec.message());
  }
  return Status::Ok();
}

}  // namespace l2mac::cli
