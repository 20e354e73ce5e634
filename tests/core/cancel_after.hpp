// Test support: cancels a CancelToken from another thread after a delay, the way a signal
// handler or an embedder's UI would while the code under test blocks. The thread is
// joined on destruction, so the token must outlive the object (declare it first).
#pragma once

#include <chrono>
#include <thread>

#include "core/cancel_token.hpp"

namespace l2mac {

class CancelAfter {
 public:
  CancelAfter(CancelToken& token, std::chrono::milliseconds delay)
      : thread_([&token, delay] {
          std::this_thread::sleep_for(delay);
          token.Cancel();
        }) {}

 private:
  std::jthread thread_;
};

}  // namespace l2mac
