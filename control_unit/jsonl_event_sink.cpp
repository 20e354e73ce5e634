#include "control_unit/jsonl_event_sink.hpp"

namespace l2mac::control_unit {

void JsonlEventSink::OnEvent(const RunEvent& event) {
  if (!text_deltas_ && std::holds_alternative<TextDelta>(event.payload)) return;
  // Invalid UTF-8 (a model's text, a test's message) is replaced rather than thrown on.
  out_ << EventToJson(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  out_.flush();
}

}  // namespace l2mac::control_unit
