#include "control_unit/run_measures.hpp"

#include "control_unit/event_log.hpp"
#include "control_unit/run_status.hpp"
#include "control_unit/test_baseline.hpp"
#include "control_unit/workspace.hpp"

namespace l2mac::control_unit {
namespace {

// The failing tests of the last gate when it came after the last commit and failed.
Result<int64_t> FailingAfterLastCommit(Database& db) {
  auto latest = ReadLatestEventsOfTypes(db, {"check_finished", "instruction_committed"}, 1);
  if (!latest.ok()) {
    // A run recorded before events: nothing to say about failing tests.
    if (latest.status().code() == StatusCode::kNotFound) return int64_t{0};
    return latest.status();
  }
  if (latest->empty()) return int64_t{0};
  const auto& event = latest->back();
  if (event.value("type", "") != "check_finished" || event.value("passed", true)) {
    return int64_t{0};
  }
  int64_t failing = 0;
  if (auto checks = event.find("checks"); checks != event.end() && checks->is_array()) {
    for (const auto& check : *checks) {
      auto tests = check.find("failing_tests");
      if (tests != check.end() && tests->is_array()) {
        failing += static_cast<int64_t>(tests->size());
      }
    }
  }
  return failing;
}

}  // namespace

Result<RunMeasures> ReadRunMeasures(const std::filesystem::path& dir) {
  L2MAC_ASSIGN_OR_RETURN(auto workspace, Workspace::Open(dir, OpenMode::kReadOnlyView));
  RunStatusLimits limits;
  limits.read_attempts = false;
  L2MAC_ASSIGN_OR_RETURN(RunStatus status, ReadRunStatus(*workspace, limits));
  const RunReport report = ReportFrom(status);
  RunMeasures measures;
  measures.state = status.state;
  measures.instructions = report.instructions;
  measures.committed = report.committed;
  measures.failed = report.failed;
  measures.skipped = report.skipped;
  measures.requirements = static_cast<int>(status.requirements.size());
  measures.judge_rounds = report.judge_rounds;
  if (report.judge_rounds > 0) {
    measures.features_pct = report.features_pct;
    measures.unmet = report.unmet_requirements;
  }
  measures.model_calls = status.totals.calls;
  measures.prompt_tokens = status.totals.prompt_tokens;
  measures.completion_tokens = status.totals.completion_tokens;
  measures.cost_microusd = status.totals.cost_microusd;
  L2MAC_ASSIGN_OR_RETURN(auto baseline, TestBaseline::Open(workspace->db()));
  L2MAC_ASSIGN_OR_RETURN(auto passed, baseline->Load());
  measures.tests_passed = static_cast<int64_t>(passed.size());
  L2MAC_ASSIGN_OR_RETURN(measures.tests_failed, FailingAfterLastCommit(workspace->db()));
  return measures;
}

}  // namespace l2mac::control_unit
