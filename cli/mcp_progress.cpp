#include "cli/mcp_progress.hpp"

#include <nlohmann/json.hpp>

#include "control_unit/event_log.hpp"
#include "control_unit/workspace.hpp"

namespace l2mac::cli {
namespace {

using nlohmann::ordered_json;

std::string Str(const ordered_json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::string Num(const ordered_json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_number() ? it->dump() : std::string("?");
}
std::string FirstLine(std::string text, size_t max = 120) {
  text = text.substr(0, text.find('\n'));
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

// The message for a milestone; "" for the other events.
std::string Describe(const ordered_json& event) {
  const std::string type = Str(event, "type");
  const std::string instruction = Str(event, "instruction");
  const ordered_json& data = event;  // the payload's fields sit beside the envelope's
  if (type == "run_started") return "run started";
  if (type == "run_resumed") return "run resumed";
  if (type == "plan_started") return "planning";
  if (type == "plan_ready") {
    auto list = data.find("instructions");
    size_t count = list != data.end() && list->is_array() ? list->size() : 0;
    return "plan ready: " + std::to_string(count) + " instructions";
  }
  if (type == "instruction_started") {
    return "instruction " + instruction + " (" + Num(data, "position") + " of " +
           Num(data, "count") + ") started: " + FirstLine(Str(data, "text"));
  }
  if (type == "check_finished") {
    auto passed = data.find("passed");
    bool ok = passed != data.end() && passed->is_boolean() && passed->get<bool>();
    return "instruction " + instruction + ": checks " + (ok ? "passed" : "failed");
  }
  if (type == "instruction_committed") {
    return "instruction " + instruction + " committed: " + FirstLine(Str(data, "summary"));
  }
  if (type == "instruction_failed") {
    return "instruction " + instruction + " failed: " + FirstLine(Str(data, "failure"));
  }
  if (type == "instruction_skipped") return "instruction " + instruction + " skipped";
  if (type == "budget_reached") return "budget reached: " + FirstLine(Str(data, "message"));
  if (type == "run_finished") {
    return "run finished: " + Str(data, "outcome") + " (" + Num(data, "committed") + " of " +
           Num(data, "instructions") + " instructions committed)";
  }
  return "";
}

}  // namespace

Result<std::vector<ProgressStep>> ProgressFollower::Next(int64_t limit) {
  std::vector<ProgressStep> steps;
  if (!db_) {
    const std::filesystem::path state = control_unit::Workspace::StatePath(dir_);
    std::error_code ec;
    if (!std::filesystem::exists(state, ec)) return steps;
    L2MAC_ASSIGN_OR_RETURN(db_, Database::OpenReadOnly(state.string()));
  }
  auto events = control_unit::ReadEventsAfter(*db_, last_seq_, limit);
  if (!events.ok()) {
    // The run has not created its events table yet.
    if (events.status().code() == StatusCode::kNotFound) return steps;
    return events.status();
  }
  for (const auto& event : *events) {
    last_seq_ = event.at("seq").get<int64_t>();
    std::string message = Describe(event);
    if (!message.empty()) steps.push_back(ProgressStep{last_seq_, std::move(message)});
  }
  return steps;
}

}  // namespace l2mac::cli
