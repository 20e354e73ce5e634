#include "control_unit/run_state_lock.hpp"

namespace l2mac::control_unit {
namespace {

// The lock the calling thread holds, if any. A thread holds at most one: each run has
// one lock, and a lane belongs to one run.
thread_local const RunStateLock* t_held = nullptr;

}  // namespace

void RunStateLock::lock() {
  mutex_.lock();
  t_held = this;
}

void RunStateLock::unlock() {
  t_held = nullptr;
  mutex_.unlock();
}

bool RunStateLock::HeldByThisThread() const { return t_held == this; }

StateReleased::StateReleased(RunStateLock* lock) {
  if (lock != nullptr && lock->HeldByThisThread()) {
    lock->unlock();
    released_ = lock;
  }
}

StateReleased::~StateReleased() {
  if (released_ != nullptr) released_->lock();
}

}  // namespace l2mac::control_unit
