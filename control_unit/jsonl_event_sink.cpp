#include "control_unit/jsonl_event_sink.hpp"

#include <fmt/format.h>

namespace l2mac::control_unit {
namespace {

// A JSON string, invalid UTF-8 replaced rather than thrown on.
void AppendJsonString(std::string& line, const std::string& text) {
  line += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string TextDeltaLine(const RunEvent& event, const TextDelta& delta) {
  // The bytes EventToJson(event).dump() gives, without building the JSON object: deltas
  // are most of a streamed run's events, so this is where the feed's cost is.
  std::string line = fmt::format(R"({{"v":{},"seq":{},"time_ms":{},"type":"text_delta",)"
                                 R"("instruction":)",
                                 kEventSchemaVersion, event.seq, event.time_ms);
  AppendJsonString(line, event.instruction);
  line += R"(,"text":)";
  AppendJsonString(line, delta.text);
  line += '}';
  return line;
}

void JsonlEventSink::OnEvent(const RunEvent& event) {
  if (const auto* delta = std::get_if<TextDelta>(&event.payload)) {
    if (!text_deltas_) return;
    out_ << TextDeltaLine(event, *delta) << '\n';
  } else {
    // Invalid UTF-8 (a model's text, a test's message) is replaced rather than thrown on.
    out_ << EventToJson(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
         << '\n';
  }
  out_.flush();
}

}  // namespace l2mac::control_unit
