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
// (a live sink saw them). Not thread-safe: the run's thread only (see events.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control_unit/event_log.hpp"
#include "control_unit/events.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

class EventEmitter {
 public:
  // Borrows both; `sink` may be null. The first event gets `next_seq`.
  EventEmitter(EventLog& log, EventSink* sink, int64_t next_seq)
      : log_(log), sink_(sink), next_seq_(next_seq) {}

  // The instruction that later events belong to ("" for the run and its planning).
  void set_instruction(std::string id) { instruction_ = std::move(id); }
  const std::string& instruction() const { return instruction_; }

  void Emit(EventPayload payload);
  // Writes the queued events; the first error of an earlier automatic flush otherwise.
  Status Flush();

  // Counts for tests and benchmarks.
  int64_t emitted() const { return emitted_; }
  int64_t persisted() const { return persisted_; }

 private:
  EventLog& log_;
  EventSink* sink_;
  int64_t next_seq_;
  std::string instruction_;
  std::vector<StoredEvent> pending_;
  Status write_error_;
  int64_t emitted_ = 0;
  int64_t persisted_ = 0;
};

// Milliseconds since the Unix epoch, as events carry them.
int64_t EventTimeNow();

}  // namespace l2mac::control_unit
