#include "control_unit/events.hpp"

#include <cmath>

namespace l2mac::control_unit {
namespace {

using json = nlohmann::ordered_json;

double Usd(int64_t microusd) { return static_cast<double>(microusd) / 1e6; }

// Percentages with one decimal, so the JSON stays short and stable.
double Pct(double value) { return std::round(value * 10.0) / 10.0; }

const char* TypeOf(const RunStarted&) { return "run_started"; }
const char* TypeOf(const RunResumed&) { return "run_resumed"; }
const char* TypeOf(const RunFinished&) { return "run_finished"; }
const char* TypeOf(const PlanStarted&) { return "plan_started"; }
const char* TypeOf(const PlanReady&) { return "plan_ready"; }
const char* TypeOf(const InstructionStarted&) { return "instruction_started"; }
const char* TypeOf(const InstructionCommitted&) { return "instruction_committed"; }
const char* TypeOf(const InstructionsAdded&) { return "instructions_added"; }
const char* TypeOf(const MergeRetried&) { return "merge_retried"; }
const char* TypeOf(const InstructionFailed&) { return "instruction_failed"; }
const char* TypeOf(const InstructionSkipped&) { return "instruction_skipped"; }
const char* TypeOf(const ModelCallStarted&) { return "model_call_started"; }
const char* TypeOf(const ModelCallFinished&) { return "model_call_finished"; }
const char* TypeOf(const ModelCallRetried&) { return "model_call_retried"; }
const char* TypeOf(const RateLimitWaitStarted&) { return "rate_limit_wait_started"; }
const char* TypeOf(const RateLimitWaited&) { return "rate_limit_waited"; }
const char* TypeOf(const TextDelta&) { return "text_delta"; }
const char* TypeOf(const agents::ToolCalled&) { return "tool_call"; }
const char* TypeOf(const agents::ContextRestarted&) { return "context_restart"; }
const char* TypeOf(const agents::StepRejected&) { return "step_rejected"; }
const char* TypeOf(const agents::FailureAnalyzed&) { return "failure_analyzed"; }
const char* TypeOf(const CheckStarted&) { return "check_started"; }
const char* TypeOf(const CheckFinished&) { return "check_finished"; }
const char* TypeOf(const BudgetWarning&) { return "budget_warning"; }
const char* TypeOf(const BudgetReached&) { return "budget_reached"; }
const char* TypeOf(const JudgeStarted&) { return "judge_started"; }
const char* TypeOf(const JudgeVerdictReady&) { return "judge_verdict"; }
const char* TypeOf(const Notice&) { return "notice"; }

json Fields(const RunStarted& e) {
  return {{"task_source", e.task_source}, {"domain", e.domain}, {"model", e.model}};
}
json Fields(const RunResumed& e) {
  return {{"interrupted", e.interrupted}, {"retried", e.retried}, {"model", e.model}};
}
json Fields(const RunFinished& e) {
  json fields = {{"outcome", e.outcome},
                 {"instructions", e.instructions},
                 {"committed", e.committed},
                 {"failed", e.failed},
                 {"skipped", e.skipped},
                 {"context_restarts", e.context_restarts},
                 {"gate_failures", e.gate_failures},
                 {"model_calls", e.model_calls},
                 {"prompt_tokens", e.prompt_tokens},
                 {"completion_tokens", e.completion_tokens},
                 {"cached_tokens", e.cached_tokens},
                 {"cost_usd", Usd(e.cost_microusd)},
                 {"files", e.files}};
  if (e.features_pct) {
    fields["features_pct"] = Pct(*e.features_pct);
    fields["unmet_requirements"] = e.unmet_requirements;
    fields["inconsistency_count"] = e.inconsistency_count;
  }
  if (!e.error.empty()) fields["error"] = e.error;
  return fields;
}
json Fields(const PlanStarted&) { return json::object(); }
json Fields(const PlanReady& e) {
  json list = json::array();
  for (const auto& instruction : e.instructions) {
    list.push_back({{"id", instruction.id},
                    {"text", instruction.text},
                    {"depends_on", instruction.depends_on}});
  }
  return {{"instructions", std::move(list)}};
}
json Fields(const InstructionStarted& e) {
  return {{"text", e.text}, {"position", e.position}, {"count", e.count}};
}
json Fields(const InstructionCommitted& e) {
  return {{"commit", e.commit}, {"files_changed", e.files_changed}, {"summary", e.summary}};
}
json Fields(const InstructionsAdded& e) { return {{"instructions", e.instructions}}; }
json Fields(const MergeRetried& e) {
  return {{"reason", e.reason}, {"paths", e.paths}, {"detail", e.detail}, {"attempt", e.attempt}};
}
json Fields(const InstructionFailed& e) { return {{"failure", e.failure}, {"kept_as", e.kept_as}}; }
json Fields(const InstructionSkipped& e) { return {{"reason", e.reason}}; }
json Fields(const ModelCallStarted& e) {
  return {{"purpose", e.purpose},
          {"estimated_prompt_tokens", e.estimated_prompt_tokens},
          {"context_fill_pct", Pct(e.context_fill_pct)}};
}
json Fields(const ModelCallFinished& e) {
  json fields = {{"purpose", e.purpose},
                 {"ok", e.ok},
                 {"prompt_tokens", e.prompt_tokens},
                 {"completion_tokens", e.completion_tokens},
                 {"cached_tokens", e.cached_tokens},
                 {"cost_usd", Usd(e.cost_microusd)},
                 {"latency_ms", e.latency_ms},
                 {"context_fill_pct", Pct(e.context_fill_pct)},
                 {"finish_reason", e.finish_reason},
                 {"tool_calls", e.tool_calls}};
  if (!e.ok) fields["error"] = e.error;
  return fields;
}
json Fields(const ModelCallRetried& e) {
  return {{"purpose", e.purpose},
          {"attempt", e.attempt},
          {"max_attempts", e.max_attempts},
          {"delay_ms", e.delay_ms},
          {"reason", e.reason}};
}
json Fields(const RateLimitWaitStarted& e) { return {{"expected_ms", e.expected_ms}}; }
json Fields(const RateLimitWaited& e) { return {{"waited_ms", e.waited_ms}}; }
json Fields(const TextDelta& e) { return {{"text", e.text}}; }
json Fields(const agents::ToolCalled& e) {
  json fields = {{"name", e.name},
                 {"path", e.path},
                 {"ok", e.ok},
                 {"lines_added", e.lines_added},
                 {"lines_removed", e.lines_removed}};
  if (!e.ok) fields["error"] = e.error;
  return fields;
}
json Fields(const agents::ContextRestarted& e) {
  return {{"restarts", e.restarts}, {"max_restarts", e.max_restarts}};
}
json Fields(const agents::StepRejected& e) {
  return {{"attempts", e.attempts},
          {"max_attempts", e.max_attempts},
          {"checks", e.checks},
          {"kept_as", e.kept_as}};
}
json Fields(const agents::FailureAnalyzed& e) {
  return {{"attempt", e.attempt}, {"analysis", e.analysis}};
}
json Fields(const CheckStarted& e) { return {{"test_paths", e.test_paths}}; }
json Fields(const CheckFinished& e) {
  json checks = json::array();
  for (const auto& check : e.checks) {
    json failing = json::array();
    for (const auto& test : check.failing_tests) {
      failing.push_back({{"id", test.id}, {"file", test.file}, {"message", test.message}});
    }
    checks.push_back({{"name", check.name},
                      {"verdict", check.verdict},
                      {"summary", check.summary},
                      {"failing_tests", std::move(failing)}});
  }
  return {{"passed", e.passed},
          {"summary", e.summary},
          {"checks", std::move(checks)},
          {"duration_ms", e.duration_ms}};
}
json Fields(const BudgetWarning& e) {
  return {{"budget", e.budget}, {"spent", e.spent}, {"limit", e.limit}};
}
json Fields(const BudgetReached& e) {
  return {{"budget", e.budget}, {"spent", e.spent}, {"limit", e.limit}, {"message", e.message}};
}
json Fields(const JudgeStarted& e) {
  return {{"round", e.round}, {"requirements", e.requirements}};
}
json Fields(const JudgeVerdictReady& e) {
  json requirements = json::array();
  for (const auto& requirement : e.requirements) {
    requirements.push_back({{"id", requirement.id}, {"score", requirement.score}});
  }
  return {{"round", e.round},
          {"features_pct", Pct(e.features_pct)},
          {"requirements", std::move(requirements)},
          {"unmet", e.unmet},
          {"inconsistencies", e.inconsistencies},
          {"appended", e.appended}};
}
json Fields(const Notice& e) { return {{"level", e.level}, {"message", e.message}}; }

}  // namespace

const char* RunEvent::type() const {
  return std::visit([](const auto& p) { return TypeOf(p); }, payload);
}

json PayloadToJson(const EventPayload& payload) {
  return std::visit([](const auto& p) { return Fields(p); }, payload);
}

json EventToJson(const RunEvent& event) {
  json out = {{"v", kEventSchemaVersion},
              {"seq", event.seq},
              {"time_ms", event.time_ms},
              {"type", event.type()},
              {"instruction", event.instruction}};
  if (event.lane > 0) out["lane"] = event.lane;
  json fields = PayloadToJson(event.payload);  // named: items() must not outlive it
  for (auto& [key, value] : fields.items()) out[key] = std::move(value);
  return out;
}

std::string StoredEventData(const RunEvent& event) {
  json data = json::object();
  if (event.lane > 0) data["lane"] = event.lane;
  json fields = PayloadToJson(event.payload);  // named: items() must not outlive it
  for (auto& [key, value] : fields.items()) data[key] = std::move(value);
  return data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace l2mac::control_unit
