#include "core/cancel_token.hpp"

#include <algorithm>
#include <thread>

namespace l2mac {

bool CancelToken::SleepFor(std::chrono::milliseconds duration) const {
  // Polling in short slices keeps Cancel() signal-safe (no condition variable to notify).
  constexpr std::chrono::milliseconds kSlice{50};
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (!cancelled()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    std::this_thread::sleep_for(std::min(left, kSlice));
  }
  return false;
}

}  // namespace l2mac
