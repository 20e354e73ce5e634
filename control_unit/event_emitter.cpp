#include "control_unit/event_emitter.hpp"

#include <chrono>

namespace l2mac::control_unit {
namespace {

// A reply with hundreds of tool calls flushes as it goes rather than holding them all.
constexpr size_t kMaxPending = 256;

// Events after which the run waits (a model call, a retry's delay, the rate limit, a
// check) or ends: a follower should see everything up to them.
bool StartsAWait(const EventPayload& payload) {
  return std::holds_alternative<ModelCallStarted>(payload) ||
         std::holds_alternative<ModelCallRetried>(payload) ||
         std::holds_alternative<RateLimitWaitStarted>(payload) ||
         std::holds_alternative<CheckStarted>(payload) ||
         std::holds_alternative<RunFinished>(payload);
}

}  // namespace

int64_t EventTimeNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void EventEmitter::Emit(EventPayload payload) {
  RunEvent event{next_seq_++, EventTimeNow(), instruction_, std::move(payload)};
  ++emitted_;
  if (sink_ != nullptr) sink_->OnEvent(event);
  if (!event.persisted()) return;
  pending_.push_back({event.seq, kEventSchemaVersion, event.time_ms, event.type(),
                      event.instruction,
                      PayloadToJson(event.payload)
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  if (StartsAWait(event.payload) || pending_.size() >= kMaxPending) {
    Status flushed = Flush();
    if (write_error_.ok()) write_error_ = flushed;
  }
}

Status EventEmitter::Flush() {
  if (!write_error_.ok()) {
    Status error = write_error_;
    write_error_ = Status::Ok();
    pending_.clear();
    return error;
  }
  if (pending_.empty()) return Status::Ok();
  Status written = log_.Append(pending_);
  if (written.ok()) persisted_ += static_cast<int64_t>(pending_.size());
  pending_.clear();
  return written.WithContext("cannot record the run's events");
}

}  // namespace l2mac::control_unit
