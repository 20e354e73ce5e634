// The EventSink a façade run gives the control unit: each RunEvent becomes a public Event
// (its JSON line and envelope) for the embedder's callback.
//
// Threads: OnEvent runs on the run's thread (control_unit/events.hpp); failure() is read
// after that thread has ended (Run::Impl publishes it under its mutex).
#pragma once

#include <optional>
#include <string>

#include "control_unit/events.hpp"
#include "core/cancel_token.hpp"
#include "l2mac/events.hpp"

namespace l2mac::api {

class EventForwarder : public control_unit::EventSink {
 public:
  // Borrows `cancel`, which it sets when the callback throws.
  EventForwarder(EventCallback callback, bool text_deltas, CancelToken& cancel)
      : callback_(std::move(callback)), text_deltas_(text_deltas), cancel_(cancel) {}

  void OnEvent(const control_unit::RunEvent& event) override;

  // What the callback threw, when it did (the run was then cancelled and no further event
  // was forwarded).
  const std::optional<std::string>& failure() const { return failure_; }

 private:
  EventCallback callback_;
  bool text_deltas_;
  CancelToken& cancel_;
  std::optional<std::string> failure_;
};

}  // namespace l2mac::api
