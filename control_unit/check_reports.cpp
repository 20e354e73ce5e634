#include "control_unit/check_reports.hpp"

#include <map>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"

namespace l2mac::control_unit {
namespace {

using nlohmann::json;

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The tool names of the calls in an assistant message, by call id.
std::map<std::string, std::string> CallNames(const json& message) {
  std::map<std::string, std::string> names;
  auto calls = message.find("tool_calls");
  if (calls == message.end() || !calls->is_array()) return names;
  for (const json& call : *calls) {
    if (!call.is_object()) continue;
    auto function = call.find("function");
    if (function == call.end() || !function->is_object()) continue;
    names[StringField(call, "id")] = StringField(*function, "name");
  }
  return names;
}

// A tool result's content when it reports failed checks: step_complete answers
// {"ok": false, "failures": ...}, run_tests {"ok": true, "passed": false, "failures": ...}.
bool ReportsFailedChecks(const json& result) {
  if (!result.is_object()) return false;
  auto failures = result.find("failures");
  if (failures == result.end() || !failures->is_string()) return false;
  auto ok = result.find("ok");
  auto passed = result.find("passed");
  return (ok != result.end() && *ok == false) || (passed != result.end() && *passed == false);
}

}  // namespace

std::vector<FailedCheckReport> FailedChecksInRequest(std::string_view request_json) {
  std::vector<FailedCheckReport> reports;
  if (JsonNestingDepth(request_json) > kMaxJsonNesting) return reports;
  json request = json::parse(request_json, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object()) return reports;
  auto messages = request.find("messages");
  if (messages == request.end() || !messages->is_array()) return reports;
  size_t first_result = messages->size();
  while (first_result > 0) {
    const json& message = (*messages)[first_result - 1];
    if (!message.is_object() || StringField(message, "role") != "tool") break;
    --first_result;
  }
  if (first_result == messages->size()) return reports;
  std::map<std::string, std::string> names;
  if (first_result > 0) names = CallNames((*messages)[first_result - 1]);
  for (size_t i = first_result; i < messages->size(); ++i) {
    const json& message = (*messages)[i];
    std::string content = StringField(message, "content");
    if (content.find("\"failures\":") == std::string::npos) continue;
    if (JsonNestingDepth(content) > kMaxJsonNesting) continue;
    json result = json::parse(content, nullptr, /*allow_exceptions=*/false);
    if (!ReportsFailedChecks(result)) continue;
    auto name = names.find(StringField(message, "tool_call_id"));
    reports.push_back({name != names.end() && !name->second.empty() ? name->second : "check",
                       result["failures"].get<std::string>()});
  }
  return reports;
}

}  // namespace l2mac::control_unit
