// SIGINT and SIGTERM for the commands that run instructions (run, resume).
//
// The first signal cancels the run's CancelToken, so the run stops at its next safe point
// (the model call or check in flight is aborted, the instruction in flight goes back to
// pending) and the command exits with 130. A second signal exits at once with 130: the
// state database is transactional, so even that loses nothing committed.
//
// Not thread-safe to construct; at most one InterruptHandler may exist at a time (the
// handlers are process-wide). token() may be read from any thread.
#pragma once

#include <signal.h>

#include "core/cancel_token.hpp"

namespace l2mac::cli {

class InterruptHandler {
 public:
  // Installs the handlers; the destructor restores the previous ones. With `announce`
  // false the first signal writes nothing (a live view says it instead, see LiveView).
  explicit InterruptHandler(bool announce = true);
  ~InterruptHandler();
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;

  const CancelToken& token() const { return token_; }

 private:
  CancelToken token_;
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

}  // namespace l2mac::cli
