#include "control_unit/event_payloads.hpp"

#include <optional>
#include <string_view>

#include "core/text.hpp"

namespace l2mac::control_unit {
namespace {

constexpr size_t kMaxMessageBytes = 300;

// A failing test's finding: the first "- file:line: test: message" line (see
// toolchains::Finding::Format) in a failed check's details that names the test, by its
// id or its name followed by ": ".
struct NamedFailure {
  size_t check = 0;
  std::string message;
};
std::optional<NamedFailure> FindFailure(const toolchains::GateReport& report,
                                        const toolchains::TestResult& test) {
  for (size_t c = 0; c < report.checks.size(); ++c) {
    const auto& check = report.checks[c];
    if (check.passed) continue;
    std::string_view detail = check.detail;
    size_t start = 0;
    while (start < detail.size()) {
      size_t end = detail.find('\n', start);
      if (end == std::string_view::npos) end = detail.size();
      std::string_view line = detail.substr(start, end - start);
      start = end + 1;
      if (line.rfind("- ", 0) != 0) continue;
      for (const std::string& key : {test.id, test.name}) {
        if (key.empty()) continue;
        // Only where the key is a whole field: after "- ", a space or "::".
        size_t at = line.find(key + ": ");
        while (at != std::string_view::npos) {
          if (at == 2 || line[at - 1] == ' ' || line[at - 1] == ':') {
            return NamedFailure{c,
                                TruncateUtf8(line.substr(at + key.size() + 2), kMaxMessageBytes)};
          }
          at = line.find(key + ": ", at + 1);
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace

CheckFinished CheckFinishedFrom(const toolchains::GateReport& report, int64_t duration_ms) {
  CheckFinished event;
  event.passed = report.passed;
  event.summary = report.OneLine();
  event.duration_ms = duration_ms;
  std::optional<size_t> first_failed;
  for (size_t c = 0; c < report.checks.size(); ++c) {
    const auto& check = report.checks[c];
    if (!check.passed && !first_failed) first_failed = c;
    event.checks.push_back({check.name,
                            check.passed      ? "passed"
                            : check.timed_out ? "timed_out"
                                              : "failed",
                            check.summary,
                            {}});
  }
  size_t listed = 0;
  for (const auto& run : report.test_runs) {
    for (const auto& test : run.tests) {
      if (test.outcome != toolchains::TestOutcome::kFailed) continue;
      if (listed == kMaxFailingTests) return event;
      std::optional<NamedFailure> finding = FindFailure(report, test);
      if (!finding && !first_failed) continue;  // no failed check to put it under
      const size_t check = finding ? finding->check : *first_failed;
      event.checks[check].failing_tests.push_back(
          {test.id, test.file, finding ? finding->message : ""});
      ++listed;
    }
  }
  return event;
}

PlanReady PlanReadyFrom(const std::vector<registry::InstructionRecord>& records) {
  PlanReady event;
  for (const auto& record : records) {
    event.instructions.push_back(
        {record.instruction.id, record.instruction.text, record.instruction.depends_on});
  }
  return event;
}

RunFinished RunFinishedFrom(const RunReport& report) {
  RunFinished event;
  event.outcome = RunOutcomeName(report.outcome);
  event.instructions = report.instructions;
  event.committed = report.committed;
  event.failed = report.failed;
  event.skipped = report.skipped;
  event.context_restarts = report.context_restarts;
  event.gate_failures = report.gate_failures;
  event.model_calls = report.model_calls;
  event.prompt_tokens = report.prompt_tokens;
  event.completion_tokens = report.completion_tokens;
  event.cached_tokens = report.cached_tokens;
  event.cost_microusd = report.cost_microusd;
  event.files = report.files;
  if (report.judge_rounds > 0) {
    event.features_pct = report.features_pct;
    event.unmet_requirements = report.unmet_requirements;
    event.inconsistency_count = static_cast<int>(report.inconsistencies.size());
  }
  return event;
}

}  // namespace l2mac::control_unit

namespace l2mac {

// Declared in include/l2mac/run.hpp; the control unit's events and the public API both
// name outcomes with it.
const char* RunOutcomeName(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kCompleted:
      return "completed";
    case RunOutcome::kIncomplete:
      return "incomplete";
    case RunOutcome::kBudgetReached:
      return "budget_reached";
    case RunOutcome::kRequirementsUnmet:
      return "requirements_unmet";
  }
  return "incomplete";
}

}  // namespace l2mac
