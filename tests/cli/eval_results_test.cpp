// The evaluation's summary and results file: mean and sample standard deviation per
// column, unmeasured values (null) left out rather than counted as 0, the table's layout,
// and a results file that is not one refused and left alone.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "cli/eval_results.hpp"
#include "tests/scenarios/temp_dir.hpp"

namespace l2mac::cli {
namespace {

using nlohmann::json;

TEST(EvalResults, MeanAndSampleStandardDeviation) {
  EXPECT_FALSE(Summarize({}).has_value());
  auto one = Summarize({42});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->mean, 42);
  EXPECT_EQ(one->sd, 0);
  auto three = Summarize({50, 60, 70});
  ASSERT_TRUE(three);
  EXPECT_DOUBLE_EQ(three->mean, 60);
  EXPECT_DOUBLE_EQ(three->sd, 10);  // sqrt((100 + 0 + 100) / 2)
  EXPECT_EQ(three->n, 3u);
}

TEST(EvalResults, UnmeasuredValuesAreLeftOutAndTheTableSaysSo) {
  const json runs = json::parse(R"([
    {"task": "a", "outcome": "completed", "features_pct": 100, "lint_errors": 1, "loc": 10,
     "tests_passed": 3, "tokens": 100, "cost_usd": 0.5, "wall_seconds": 2},
    {"task": "a", "outcome": "requirements_unmet", "features_pct": 50, "lint_errors": null,
     "loc": 20, "tests_passed": 1, "tokens": 300, "cost_usd": 1.5, "wall_seconds": 4},
    {"task": "b", "outcome": "error", "features_pct": null, "lint_errors": 0, "loc": 0,
     "tests_passed": 0, "tokens": 0, "cost_usd": 0, "wall_seconds": 1}])");
  json a = SummarizeTask("a", "built-in a", runs);
  EXPECT_EQ(a["runs"], 2);
  EXPECT_EQ(a["outcomes"], json::parse(R"({"completed": 1, "requirements_unmet": 1})"));
  EXPECT_DOUBLE_EQ(a["features_pct"]["mean"].get<double>(), 75);
  EXPECT_DOUBLE_EQ(a["features_pct"]["sd"].get<double>(), std::sqrt(1250.0));
  EXPECT_EQ(a["lint_errors"]["n"], 1);  // the null one is not a 0
  json b = SummarizeTask("b", "b.md", runs);
  EXPECT_TRUE(b["features_pct"].is_null());
  EXPECT_EQ(b["outcomes"]["error"], 1);

  const std::string table = FormatEvalTable(json::array({a, b}));
  EXPECT_NE(table.find("| task | runs | Features % | # errors (lint) | LOC | tests passed | "
                       "tokens | cost ($) | time (s) |"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| a | 2 | 75.0 ± 35.4 | 1.0 ± 0.0 (n=1) | 15.0 ± 7.1 |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| b | 1 | n/a | 0.0 ± 0.0 |"), std::string::npos) << table;
}

TEST(EvalResults, AResultsFileIsWrittenWholeAndAForeignOneIsRefused) {
  scenario::TempDir dir("eval-results");
  const auto path = dir.path() / "results.json";
  auto none = ReadEvalResults(path);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  const json results = {{"format", kEvalFormat}, {"runs", json::array({{{"task", "a"}}})}};
  ASSERT_TRUE(WriteEvalResults(path, results).ok());
  auto read = ReadEvalResults(path);
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ(**read, results);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);  // no temporary file left

  std::ofstream(path) << R"({"format": "something-else", "runs": []})";
  auto foreign = ReadEvalResults(path);
  EXPECT_EQ(foreign.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(foreign.status().message().find("remove it to start over"), std::string::npos);

  auto unwritable = WriteEvalResults(dir.path() / "no-such-folder" / "r.json", results);
  EXPECT_EQ(unwritable.code(), StatusCode::kIoError);
  EXPECT_NE(unwritable.message().find("--json FILE"), std::string::npos);
}

}  // namespace
}  // namespace l2mac::cli
