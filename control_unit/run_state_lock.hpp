// The one lock over a run's shared state when instructions run in parallel lanes
// (--parallel N, N > 1): the workspace database and everything read or written through it
// (store, registry, exchange log, events table), the user-edit bookkeeping and the output
// folder.
//
// A lane's thread holds it for everything it does except the two long waits of an
// instruction: a model call (RecordingGateway releases it around Provider::Complete) and
// a check's processes (InstructionExecutor releases it around RunGate, which works only
// in the lane's own check tree). So the lanes' model calls and checks overlap, which is
// where an instruction's time goes, while every read and write of the state stays
// serialized on the run's one SQLite connection: no transaction of one lane ever sees
// another's half-done work, and the single-connection code of the first wave needs no
// change. See "Parallel lanes" in docs/ARCHITECTURE.md for why this beat a connection
// per lane.
//
// Thread-safe: any thread may lock and unlock it (it is BasicLockable, so
// std::unique_lock and std::condition_variable_any work with it). A run without lanes has
// no lock at all (null pointers everywhere), and nothing is released or taken.
#pragma once

#include <mutex>

namespace l2mac::control_unit {

class RunStateLock {
 public:
  void lock();
  void unlock();
  // Whether the calling thread holds this lock now.
  bool HeldByThisThread() const;

 private:
  std::mutex mutex_;
};

// Releases `lock` (may be null) for its lifetime when the calling thread holds it, and
// takes it back on destruction: the scope of a wait that must not block the other lanes.
class StateReleased {
 public:
  explicit StateReleased(RunStateLock* lock);
  ~StateReleased();
  StateReleased(const StateReleased&) = delete;
  StateReleased& operator=(const StateReleased&) = delete;

 private:
  RunStateLock* released_ = nullptr;  // non-null when this scope released it
};

}  // namespace l2mac::control_unit
