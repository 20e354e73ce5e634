#include "cli/interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <cstring>

#include "cli/exit_codes.hpp"

namespace l2mac::cli {
namespace {

// The handler reads these; only lock-free atomics and write(2) are signal-safe.
std::atomic<CancelToken*> g_token{nullptr};
std::atomic<int> g_signals{0};
std::atomic<bool> g_announce{true};

void WriteStderr(const char* text) {
  // Best effort: a closed stderr must not stop the handler.
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

extern "C" void OnInterrupt(int) {
  if (g_signals.fetch_add(1) == 0) {
    if (CancelToken* token = g_token.load()) token->Cancel();
    if (!g_announce.load()) return;
    WriteStderr(
        "\nl2mac: stopping at the next safe point (the instruction in flight starts over on "
        "resume); press Ctrl-C again to exit at once\n");
    return;
  }
  WriteStderr("\nl2mac: exiting at once; what was committed is kept\n");
  ::_exit(kExitInterrupted);
}

}  // namespace

InterruptHandler::InterruptHandler(bool announce) {
  g_signals.store(0);
  g_announce.store(announce);
  g_token.store(&token_);
  struct sigaction action {};
  action.sa_handler = &OnInterrupt;
  sigemptyset(&action.sa_mask);
  // Blocking calls resume after the handler: the work polls the token at its safe points,
  // so no code has to treat EINTR as a reason to stop.
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, &previous_int_);
  ::sigaction(SIGTERM, &action, &previous_term_);
}

InterruptHandler::~InterruptHandler() {
  ::sigaction(SIGINT, &previous_int_, nullptr);
  ::sigaction(SIGTERM, &previous_term_, nullptr);
  g_token.store(nullptr);
}

}  // namespace l2mac::cli
