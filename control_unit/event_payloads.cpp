#include "control_unit/event_payloads.hpp"

#include <string_view>

#include "core/text.hpp"

namespace l2mac::control_unit {
namespace {

constexpr size_t kMaxMessageBytes = 300;

// The message of the first finding line in the check details that names the test:
// findings read "- file:line: test: message" (see toolchains::Finding::Format). The test
// is looked for by its id and by its name, each followed by ": ".
std::string FirstFailureLine(const toolchains::GateReport& report,
                             const toolchains::TestResult& test) {
  for (const auto& check : report.checks) {
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
        // Where the key ends a field: preceded by the start, a space or "::".
        size_t at = line.find(key + ": ");
        while (at != std::string_view::npos) {
          const bool whole = at == 2 || line[at - 1] == ' ' || line[at - 1] == ':';
          if (whole) {
            return TruncateUtf8(line.substr(at + key.size() + 2), kMaxMessageBytes);
          }
          at = line.find(key + ": ", at + 1);
        }
      }
    }
  }
  return "";
}

}  // namespace

CheckFinished CheckFinishedFrom(const toolchains::GateReport& report, int64_t duration_ms) {
  CheckFinished event;
  event.passed = report.passed;
  event.summary = report.OneLine();
  event.duration_ms = duration_ms;
  for (const auto& check : report.checks) {
    event.checks.push_back({check.name,
                            check.passed      ? "passed"
                            : check.timed_out ? "timed_out"
                                              : "failed",
                            check.summary});
  }
  for (const auto& run : report.test_runs) {
    for (const auto& test : run.tests) {
      if (test.outcome != toolchains::TestOutcome::kFailed) continue;
      if (event.failing_tests.size() == kMaxFailingTests) return event;
      event.failing_tests.push_back({test.id, test.file, FirstFailureLine(report, test)});
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

const char* RunOutcomeName(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kCompleted:
      return "completed";
    case RunOutcome::kIncomplete:
      return "incomplete";
    case RunOutcome::kBudgetReached:
      return "budget_reached";
  }
  return "incomplete";
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
  return event;
}

}  // namespace l2mac::control_unit
