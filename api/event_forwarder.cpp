#include "api/event_forwarder.hpp"

#include <exception>
#include <variant>

namespace l2mac::api {

void EventForwarder::OnEvent(const control_unit::RunEvent& event) {
  if (!callback_ || failure_) return;
  if (!text_deltas_ && std::holds_alternative<control_unit::TextDelta>(event.payload)) return;
  Event out;
  out.seq = event.seq;
  out.time_ms = event.time_ms;
  out.type = event.type();
  out.instruction = event.instruction;
  out.lane = event.lane;
  // A model's text may hold invalid UTF-8: replaced, as the JSONL feed does, never thrown.
  out.json = control_unit::EventToJson(event).dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
  // The callback is the embedder's code: an exception from it must not unwind through the
  // run loop (which may be inside a database transaction). It stops the run instead.
  try {
    callback_(out);
  } catch (const std::exception& e) {
    failure_ = e.what();
    cancel_.Cancel();
  } catch (...) {
    failure_ = "an exception that is not a std::exception";
    cancel_.Cancel();
  }
}

}  // namespace l2mac::api
