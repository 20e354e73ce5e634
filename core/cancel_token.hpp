// A request to stop, shared between whoever asks (a signal handler, an embedder's UI
// thread) and the work that honours it at its safe points: the run loop between steps, a
// model call in flight (the HTTP transfer is aborted), a check in flight (its process
// group is killed), a retry's back-off wait.
//
// Thread-safe and async-signal-safe: Cancel() is one lock-free atomic store, so a signal
// handler may call it; any thread may read cancelled() at any time. A token is never
// reset: a run that was cancelled ends, and the next run gets a fresh token.
#pragma once

#include <atomic>
#include <chrono>

namespace l2mac {

class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }

  // Sleeps for `duration`, waking within about 50 ms of a Cancel(). Returns false when it
  // was cancelled (before or during the wait).
  bool SleepFor(std::chrono::milliseconds duration) const;

 private:
  static_assert(std::atomic<bool>::is_always_lock_free, "Cancel() must be signal-safe");
  std::atomic<bool> cancelled_{false};
};

// True when `token` is set and cancelled: the form call sites use for optional tokens.
inline bool IsCancelled(const CancelToken* token) { return token != nullptr && token->cancelled(); }

}  // namespace l2mac
