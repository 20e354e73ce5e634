// Numbers, timestamps, delivers and persists a run's events.
//
// Emit() gives the event the next sequence number and the current time, passes it to the
// sink (when there is one) and queues it for the events table. The queue is written by
// Flush(): inside the caller's database transaction when one is open (the control unit
// flushes in the transactions that record a model exchange, a commit or a failure, so
// those events land with the state they describe), else in one transaction of its own.
// Emit() flushes by itself before a long wait begins (a model call, a check) and at the
// end of the run, so a process following the run from the database sees what happened up
// to the wait; it never writes one row per event, and text deltas are never written.
//
// A failed write is kept and returned by the next Flush(); the events it held are lost
// (a live sink saw them).
//
// Lanes (--parallel): each lane has an emitter of its own made from the run's
// (EventEmitter(run, lane)), which shares the run's numbering, sink and queue and stamps
// its own instruction and lane on what it emits. Threads: Emit() may be called from any
// thread; the shared part is behind a mutex, so the sink is called one event at a time, in
// sequence order, though from the lanes' threads. Flush() writes to the workspace database,
// so it needs the run's state: with a RunStateLock, an Emit() on a thread that does not hold
// it (a text delta or a retry during a model call) only queues, and the next flush by a
// holder writes it. set_instruction() is the emitter's own: one thread per emitter.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "control_unit/event_log.hpp"
#include "control_unit/events.hpp"
#include "control_unit/run_state_lock.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

class EventEmitter {
 public:
  // Borrows both; `sink` may be null. The first event gets `next_seq`. Its events have
  // no lane.
  EventEmitter(EventLog& log, EventSink* sink, int64_t next_seq);
  // The emitter of lane `lane` (from 1) of the run whose emitter is `run`: shares its
  // numbering, sink and queue, which live as long as either does.
  EventEmitter(const EventEmitter& run, int lane);

  // With lanes: the lock over the run's state (borrowed, may be null). Set on the run's
  // emitter before any lane's is made.
  void set_state_lock(RunStateLock* lock) { shared_->state_lock = lock; }

  // The instruction that later events belong to ("" for the run and its planning).
  void set_instruction(std::string id) { instruction_ = std::move(id); }
  const std::string& instruction() const { return instruction_; }
  int lane() const { return lane_; }

  void Emit(EventPayload payload);
  // Writes the queued events; the first error of an earlier automatic flush otherwise.
  // The caller holds the run's state (see the file comment).
  Status Flush();

  // Counts for tests and benchmarks.
  int64_t emitted() const;
  int64_t persisted() const;

 private:
  struct Shared {
    Shared(EventLog& events_log, EventSink* events_sink, int64_t first_seq)
        : log(events_log), sink(events_sink), next_seq(first_seq) {}
    EventLog& log;
    EventSink* const sink;
    RunStateLock* state_lock = nullptr;
    mutable std::mutex mutex;  // guards what follows
    int64_t next_seq;
    std::vector<StoredEvent> pending;
    Status write_error;
    int64_t emitted = 0;
    int64_t persisted = 0;
  };
  // Writes the queue; the caller holds shared_->mutex.
  Status FlushLocked();

  std::shared_ptr<Shared> shared_;
  std::string instruction_;
  int lane_ = 0;
};

// Milliseconds since the Unix epoch, as events carry them.
int64_t EventTimeNow();

}  // namespace l2mac::control_unit
