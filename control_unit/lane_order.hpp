// --parallel N: the order in which a run's lanes start and end their instructions, and
// the state each one starts from, chosen so that what the lanes do depends only on the
// model's replies, never on which lane's model call or check happened to finish first.
// Two runs of the same program with the same replies send the same requests and commit
// the same files in the same order, whatever the latencies, so --replay-strict reproduces
// a parallel run. (Not covered: a budget stop, which depends on what the calls in flight
// have spent when a call is checked; the store's commit ids, which attempt branches
// interleave; and a resume, whose tickets start again from the state it finds.)
//
// Tickets. Each instruction a lane starts gets the next ticket (1, 2, ...), and tickets
// end (commit, fail, or stop) in ticket order: before a lane's merged check, its commit or
// its failure, it waits for its turn, that is for every lower ticket to have ended. Once
// it has its turn, main cannot move until it ends, so what its changes are merged with is
// the state after tickets 1..t-1, a state fixed by the replies alone.
//
// Views. View P is the run's state (main's head, the registry, the protected tests) just
// after tickets 1..P ended; view 0 is the state when the lanes began. Ticket t starts from
// view P where P is the smallest value, no lower than the previous ticket's, with
// P >= t - N under which some instruction is ready (pending, not started, its dependencies
// committed in the view), and the instruction is the first such in program order. So
// P never depends on the clock: at most N tickets are ever unended (t - N of them ended
// is exactly when one of the N lanes is free), and a ticket that must wait for more views
// waits. Ticket t runs on lane ((t - 1) mod N) + 1, which ticket t - N left free.
//
// Thread-safety: every member expects the caller to hold the run's RunStateLock (the
// one given at construction); WaitForTurn releases it while it waits.
#pragma once

#include <condition_variable>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agents/toolchains/test_results.hpp"
#include "control_unit/run_state_lock.hpp"
#include "control_unit/workspace.hpp"
#include "core/status.hpp"
#include "registry/instruction_registry.hpp"

namespace l2mac::control_unit {

// The run's state after some tickets ended (immutable once made; shared by the lanes
// that start from it).
struct LaneView {
  int64_t head = 0;                                  // main's head commit
  std::vector<registry::InstructionRecord> records;  // the registry, in program order
  std::vector<toolchains::ProtectedTest> protected_tests;
};

// Reads the view of `workspace` as it is now.
Result<LaneView> ReadLaneView(Workspace& workspace);

// The first instruction ready under `view` (pending there, not in `started`, every
// dependency committed there), in program order; nullopt when none is.
std::optional<registry::InstructionRecord> ReadyUnder(const LaneView& view,
                                                      const std::set<std::string>& started);

class LaneOrder {
 public:
  // `state` is the run's lock (outlives this); `lanes` is N; `start` is view 0.
  LaneOrder(RunStateLock& state, int lanes, std::shared_ptr<const LaneView> start);

  // A start decided by Next(): the ticket, its lane (1..N), the instruction and its view.
  struct Start {
    int ticket = 0;
    int lane = 0;
    registry::InstructionRecord record;
    std::shared_ptr<const LaneView> view;
  };
  // What to do next: start one (`start` set); wait for a ticket to end (`wait`); or
  // nothing is ready and nothing runs (neither set: the lanes are done).
  struct Decision {
    std::optional<Start> start;
    bool wait = false;
  };
  // Decides the next ticket (see the header comment), without issuing it: the same call
  // gives the same decision until Issue() or End().
  Decision Next();
  // Issues `start` (from Next()): the caller runs it, and End()s it at its turn.
  void Issue(const Start& start);

  // Blocks, releasing the state lock, until tickets 1..ticket-1 have all ended.
  void WaitForTurn(int ticket);
  // Ticket `ticket`, whose turn it is, ended, leaving `after` (the view for later
  // tickets); wakes the lanes waiting for their turn.
  void End(int ticket, std::shared_ptr<const LaneView> after);

  int ended() const { return static_cast<int>(views_.size()) - 1; }
  int issued() const { return issued_; }

 private:
  RunStateLock& state_;
  const int lanes_;
  std::condition_variable_any turn_;
  // views_[P]: the view after tickets 1..P ended.
  std::vector<std::shared_ptr<const LaneView>> views_;
  int issued_ = 0;
  int lowest_view_ = 0;  // the view the last ticket started from (views never go back)
  std::set<std::string> started_;
};

}  // namespace l2mac::control_unit
