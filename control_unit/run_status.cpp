#include "control_unit/run_status.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <map>

#include "control_unit/event_log.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"

namespace l2mac::control_unit {
namespace {

using registry::InstructionStatus;
using Json = nlohmann::ordered_json;

std::string StringField(const Json& event, const char* key) {
  auto it = event.find(key);
  return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t IntField(const Json& event, const char* key) {
  auto it = event.find(key);
  return it != event.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// The checks of a stored check_finished event that did not pass, bounded.
std::vector<CheckResult> FailedChecks(const Json& event, const RunStatusLimits& limits) {
  std::vector<CheckResult> failed;
  auto checks = event.find("checks");
  if (checks == event.end() || !checks->is_array()) return failed;
  for (const Json& check : *checks) {
    if (!check.is_object() || StringField(check, "verdict") == "passed") continue;
    CheckResult result;
    result.name = StringField(check, "name");
    result.verdict = StringField(check, "verdict");
    result.summary = StringField(check, "summary");
    auto tests = check.find("failing_tests");
    if (tests != check.end() && tests->is_array()) {
      for (const Json& test : *tests) {
        if (result.failing_tests.size() == limits.max_failing_tests_per_check) break;
        if (!test.is_object()) continue;
        result.failing_tests.push_back(
            {StringField(test, "id"), StringField(test, "file"),
             TruncateUtf8(StringField(test, "message"), limits.max_message_bytes)});
      }
    }
    failed.push_back(std::move(result));
  }
  return failed;
}

// Per instruction, the failed attempts of its latest try, from the newest attempt events.
Status ReadFailedAttempts(Workspace& workspace, const RunStatusLimits& limits,
                          std::map<std::string, InstructionState*>& by_id, bool& has_events) {
  auto events = ReadLatestEventsOfTypes(
      workspace.db(),
      {"instruction_started", "check_finished", "step_rejected", "instruction_failed"},
      limits.max_events);
  if (!events.ok()) {
    if (events.status().code() != StatusCode::kNotFound) return events.status();
    has_events = false;
    return Status::Ok();
  }
  // The check_finished before each step_rejected is the check that refused it.
  std::map<std::string, const Json*> last_check;
  for (const Json& event : *events) {
    const std::string instruction = StringField(event, "instruction");
    auto state = by_id.find(instruction);
    if (state == by_id.end()) continue;
    const std::string type = StringField(event, "type");
    if (type == "instruction_started") {
      // A new try: what an earlier one got refused for is history.
      state->second->failed_attempts.clear();
      state->second->failed_attempts_omitted = 0;
      state->second->kept_at_failure.clear();
      state->second->lane = static_cast<int>(IntField(event, "lane"));
      last_check.erase(instruction);
    } else if (type == "instruction_failed") {
      state->second->kept_at_failure = StringField(event, "kept_as");
    } else if (type == "check_finished") {
      last_check[instruction] = &event;
    } else if (type == "step_rejected") {
      FailedAttempt attempt;
      attempt.attempt = static_cast<int>(IntField(event, "attempts"));
      attempt.max_attempts = static_cast<int>(IntField(event, "max_attempts"));
      attempt.time_ms = IntField(event, "time_ms");
      attempt.checks = StringField(event, "checks");
      attempt.kept_as = StringField(event, "kept_as");
      auto check = last_check.find(instruction);
      if (check != last_check.end()) {
        attempt.failed = FailedChecks(*check->second, limits);
        last_check.erase(check);
      }
      auto& attempts = state->second->failed_attempts;
      attempts.push_back(std::move(attempt));
      if (attempts.size() > limits.max_attempts_per_instruction) {
        attempts.erase(attempts.begin());
        ++state->second->failed_attempts_omitted;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<RunStatus> ReadRunStatus(Workspace& workspace, const RunStatusLimits& limits) {
  RunStatus status;
  // The meta values are optional: a run killed while starting may lack some.
  auto get = [&workspace](const char* key) {
    auto value = workspace.GetMeta(key);
    return value.ok() ? *value : std::nullopt;
  };
  status.busy = Workspace::IsBusy(workspace.dir());
  status.state = get("state").value_or("unknown");
  // A killed process cannot record that it stopped.
  if ((status.state == "running" || status.state == "interrupted") && !status.busy) {
    status.state = "interrupted";
  }
  status.provider = get("provider").value_or("unknown");
  if (auto stored = get("options"); stored && JsonNestingDepth(*stored) <= kMaxJsonNesting) {
    auto options = nlohmann::json::parse(*stored, nullptr, /*allow_exceptions=*/false);
    if (options.is_object()) {
      auto number = [&options](const char* key) {
        auto it = options.find(key);
        return it != options.end() && it->is_number_integer() ? it->get<int>() : 0;
      };
      status.limits.max_attempts = number("max_gate_failures");
      status.limits.max_turns = number("max_turns");
      status.limits.max_context_restarts = number("max_context_restarts");
    }
  }

  L2MAC_ASSIGN_OR_RETURN(auto records, workspace.registry().All());
  status.instructions.reserve(records.size());
  for (auto& record : records) {
    InstructionState state;
    state.status = record.status == InstructionStatus::kRunning && !status.busy
                       ? "interrupted"
                       : registry::InstructionStatusName(record.status);
    status.context_restarts += record.context_restarts;
    status.gate_failures += record.attempts;
    switch (record.status) {
      case InstructionStatus::kCommitted:
        ++status.committed;
        break;
      case InstructionStatus::kFailed:
        ++status.failed;
        break;
      case InstructionStatus::kSkipped:
        ++status.skipped;
        break;
      default:
        ++status.pending;
        break;
    }
    state.record = std::move(record);
    status.instructions.push_back(std::move(state));
  }
  std::vector<ProgramShapeInput> graph;
  graph.reserve(status.instructions.size());
  for (const auto& state : status.instructions) {
    graph.push_back({state.record.instruction.id, state.record.instruction.depends_on});
  }
  status.shape = ShapeOfProgram(graph);
  if (limits.read_attempts) {
    std::map<std::string, InstructionState*> by_id;
    for (auto& state : status.instructions) by_id[state.record.instruction.id] = &state;
    Status read = ReadFailedAttempts(workspace, limits, by_id, status.has_events);
    if (!read.ok()) {
      // A damaged events table hides the attempts, not the rest of the status.
      for (auto& state : status.instructions) {
        state.failed_attempts.clear();
        state.failed_attempts_omitted = 0;
        state.kept_at_failure.clear();
      }
      status.attempts_error = read.message();
    }
  }
  L2MAC_ASSIGN_OR_RETURN(status.requirements, workspace.registry().Requirements());
  L2MAC_ASSIGN_OR_RETURN(status.verdicts, ReadVerdicts(workspace.db()));
  L2MAC_ASSIGN_OR_RETURN(status.totals, workspace.exchanges().Totals());
  L2MAC_ASSIGN_OR_RETURN(auto preexisting, workspace.test_baseline().LoadPreexistingFailures());
  for (const auto& test : preexisting) status.preexisting_failures.push_back(test.id);
  L2MAC_ASSIGN_OR_RETURN(status.head_commit, workspace.store().Head());
  L2MAC_ASSIGN_OR_RETURN(auto files, workspace.store().List(status.head_commit));
  status.files = static_cast<int64_t>(files.size());
  return status;
}

RunReport ReportFrom(const RunStatus& status) {
  RunReport report;
  report.instructions = static_cast<int>(status.instructions.size());
  report.committed = status.committed;
  report.failed = status.failed;
  report.skipped = status.skipped;
  report.context_restarts = status.context_restarts;
  report.gate_failures = status.gate_failures;
  report.preexisting_failures = status.preexisting_failures;
  for (const auto& state : status.instructions) {
    if (state.record.status == InstructionStatus::kFailed ||
        state.record.status == InstructionStatus::kSkipped) {
      report.problems.push_back({state.record.instruction.id, state.status, state.record.failure});
    }
  }
  report.outcome =
      report.committed == report.instructions ? RunOutcome::kCompleted : RunOutcome::kIncomplete;
  if (!status.verdicts.empty()) {
    const auto& last = status.verdicts.back().verdict;
    report.judge_rounds = static_cast<int>(status.verdicts.size());
    report.features_pct = last.FeaturesPct();
    for (const auto& unmet : last.Unmet()) report.unmet_requirements.push_back(unmet.id);
    for (const auto& found : last.inconsistencies) report.inconsistencies.push_back(found.what);
    // A verdict that appended follow-up instructions was not the last word: once they all
    // committed without another verdict (a resume with --no-judge), it is out of date and
    // does not decide the outcome.
    const bool final_verdict = status.verdicts.back().appended.empty();
    if (report.outcome == RunOutcome::kCompleted && final_verdict && !last.Settled()) {
      report.outcome = RunOutcome::kRequirementsUnmet;
    }
  }
  report.model_calls = status.totals.calls;
  report.prompt_tokens = status.totals.prompt_tokens;
  report.completion_tokens = status.totals.completion_tokens;
  report.cached_tokens = status.totals.cached_tokens;
  report.cost_microusd = status.totals.cost_microusd;
  report.files = status.files;
  return report;
}

std::string AttemptBranchPrefix(const std::string& instruction_id) {
  constexpr size_t kMaxIdChars = 64;  // branch names are at most 100 characters
  std::string id;
  bool changed = instruction_id.empty() || instruction_id.size() > kMaxIdChars;
  for (char c : instruction_id) {
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
    id += allowed ? c : '_';
    changed = changed || !allowed;
  }
  if (changed) {
    // FNV-1a: deterministic everywhere, so a resumed run finds the same names.
    uint32_t hash = 2166136261u;
    for (char c : instruction_id) {
      hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
    }
    if (id.size() > kMaxIdChars) id.resize(kMaxIdChars);
    id += fmt::format("-{:08x}", hash);
  }
  return "attempt/" + id + "/";
}

std::string AttemptBranch(const std::string& instruction_id, int n) {
  return AttemptBranchPrefix(instruction_id) + std::to_string(n);
}

}  // namespace l2mac::control_unit
