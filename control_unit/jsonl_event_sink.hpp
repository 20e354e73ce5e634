// An EventSink that writes each event as one line of JSON (EventToJson) to a stream and
// flushes it, so a reader of a pipe sees every event as it happens: what
// `l2mac run --json` writes to stdout. The schema is docs/EVENTS.md.
//
// Borrows the stream. Called from the run's thread only (see events.hpp); not meant to be
// shared between runs.
#pragma once

#include <ostream>
#include <string>

#include "control_unit/events.hpp"

namespace l2mac::control_unit {

// A text_delta event's JSONL line (without the newline): exactly what EventToJson() dumps.
std::string TextDeltaLine(const RunEvent& event, const TextDelta& delta);

class JsonlEventSink : public EventSink {
 public:
  // `text_deltas`: whether the streamed text deltas are written too.
  explicit JsonlEventSink(std::ostream& out, bool text_deltas = true)
      : out_(out), text_deltas_(text_deltas) {}

  void OnEvent(const RunEvent& event) override;

 private:
  std::ostream& out_;
  bool text_deltas_;
};

}  // namespace l2mac::control_unit
