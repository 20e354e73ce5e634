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

EventEmitter::EventEmitter(EventLog& log, EventSink* sink, int64_t next_seq)
    : shared_(std::make_shared<Shared>(log, sink, next_seq)) {}

EventEmitter::EventEmitter(const EventEmitter& run, int lane) : shared_(run.shared_), lane_(lane) {}

void EventEmitter::Emit(EventPayload payload) {
  Shared& shared = *shared_;
  std::lock_guard<std::mutex> lock(shared.mutex);
  RunEvent event{shared.next_seq++, EventTimeNow(), instruction_, std::move(payload), lane_};
  ++shared.emitted;
  if (shared.sink != nullptr) shared.sink->OnEvent(event);
  if (!event.persisted()) return;
  shared.pending.push_back({event.seq, kEventSchemaVersion, event.time_ms, event.type(),
                            event.instruction, StoredEventData(event)});
  // Only a holder of the run's state may write to its database.
  const bool may_write = shared.state_lock == nullptr || shared.state_lock->HeldByThisThread();
  if (may_write && (StartsAWait(event.payload) || shared.pending.size() >= kMaxPending)) {
    Status flushed = FlushLocked();
    if (shared.write_error.ok()) shared.write_error = flushed;
  }
}

Status EventEmitter::Flush() {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return FlushLocked();
}

Status EventEmitter::FlushLocked() {
  Shared& shared = *shared_;
  if (!shared.write_error.ok()) {
    Status error = shared.write_error;
    shared.write_error = Status::Ok();
    shared.pending.clear();
    return error;
  }
  if (shared.pending.empty()) return Status::Ok();
  Status written = shared.log.Append(shared.pending);
  if (written.ok()) shared.persisted += static_cast<int64_t>(shared.pending.size());
  shared.pending.clear();
  return written.WithContext("cannot record the run's events");
}

int64_t EventEmitter::emitted() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->emitted;
}

int64_t EventEmitter::persisted() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->persisted;
}

}  // namespace l2mac::control_unit
