#include "cli/events_command.hpp"

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/exit_codes.hpp"
#include "control_unit/event_log.hpp"
#include "control_unit/workspace.hpp"
#include "core/sqlite.hpp"

namespace l2mac::cli {
namespace {

constexpr int64_t kBatch = 1000;

std::atomic<bool> g_interrupted{false};

void OnInterrupt(int) { g_interrupted.store(true); }

// SIGINT ends the follow loop (instead of the process, so the output ends with a whole
// line), and a closed stdout becomes a write error (EPIPE) instead of SIGPIPE. Both are
// restored when the command returns.
class FollowSignals {
 public:
  FollowSignals() {
    struct sigaction on_int {};
    on_int.sa_handler = OnInterrupt;
    sigemptyset(&on_int.sa_mask);
    ::sigaction(SIGINT, &on_int, &old_int_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &old_pipe_);
  }
  ~FollowSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
  }
  FollowSignals(const FollowSignals&) = delete;
  FollowSignals& operator=(const FollowSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_pipe_ {};
};

int Fail(const Status& status) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return ExitCodeFor(status, false);
}

// Prints every stored event after `last_seq`, updating it and `finished` (whether the
// last printed event is run_finished). False when stdout is closed.
Result<bool> PrintNew(Database& db, int64_t& last_seq, bool& finished) {
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(auto events, control_unit::ReadEventsAfter(db, last_seq, kBatch));
    for (const auto& event : events) {
      std::cout << event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      last_seq = event.at("seq").get<int64_t>();
      finished = event.at("type") == "run_finished";
    }
    std::cout.flush();
    if (!std::cout) return false;
    if (static_cast<int64_t>(events.size()) < kBatch) return true;
  }
}

}  // namespace

int EventsCommand(const std::string& out, bool follow) {
  const std::filesystem::path state = control_unit::Workspace::StatePath(out);
  std::error_code ec;
  if (!std::filesystem::exists(state, ec)) {
    return Fail(Status::NotFound("no l2mac run in " + out + " (" + state.string() +
                                 " is missing): start one with `l2mac run SPEC --out " + out +
                                 "`"));
  }
  auto db = Database::OpenReadOnly(state.string());
  if (!db.ok()) return Fail(db.status());
  FollowSignals signals;
  int64_t last_seq = 0;
  bool finished = false;
  while (true) {
    auto printed = PrintNew(**db, last_seq, finished);
    if (!printed.ok()) return Fail(printed.status());
    if (!*printed) return kExitOk;  // the reader went away
    if (!follow || finished || g_interrupted.load()) return kExitOk;
    if (!control_unit::Workspace::IsBusy(out)) {
      // No process holds the run: whatever it wrote before it stopped is read once more.
      auto last = PrintNew(**db, last_seq, finished);
      return last.ok() ? kExitOk : Fail(last.status());
    }
    std::this_thread::sleep_for(kFollowPollInterval);
  }
}

}  // namespace l2mac::cli
