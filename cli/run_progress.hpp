// What the live terminal view shows, kept apart from the terminal: a RunProgress folds
// the run's events into a small state (instructions done of all, the one running, what it
// is doing, context fill, tokens and cost) and renders it as a few lines cut to the
// terminal's width. Pure: no I/O, no clock of its own (the caller passes "now"), so it is
// tested without a terminal.
//
// Not thread-safe: LiveView serializes Apply() and Render() under its own mutex.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "control_unit/events.hpp"

namespace l2mac::cli {

class RunProgress {
 public:
  void Apply(const control_unit::RunEvent& event);

  // The status area: nothing before the first event and after the run finished (so an
  // error before the run starts is not drawn over), else two lines (with --parallel, one
  // per lane running an instruction, then the totals), each at most `width`
  // columns (UTF-8 aware; at least 20 columns are assumed). `now_ms` is the wall clock in ms since
  // the epoch, for the running instruction's elapsed time. With `color`, ANSI attributes (bold,
  // dim) are added; they take no columns.
  std::vector<std::string> Render(int width, int64_t now_ms, bool color) const;

  // True once the run finished (the status area has nothing more to say).
  bool finished() const { return finished_; }

 private:
  // A retry's delay or a rate-limit wait in progress: the action counts down to its end
  // (Render's `now_ms`), then reads "calling the model" again. Any event but a text delta
  // ends it.
  struct Wait {
    bool retry = false;  // else the rate limit
    int64_t until_ms = 0;
    int attempt = 0;  // of a retry: the attempt it makes, of max_attempts
    int max_attempts = 0;
  };
  // What one lane is doing: lane 0 is the run's own (and the only one without
  // --parallel); lanes 1..N run instructions at once.
  struct Lane {
    std::string instruction;  // the running one ("" between steps)
    std::string instruction_text;
    int64_t started_ms = 0;      // when the running instruction (or planning) started
    std::string action;          // e.g. "calling the model", "running the checks"
    int64_t streamed_chars = 0;  // of the reply being streamed
    int failed_checks = 0;       // of the running instruction
    int restarts = 0;            // of the running instruction
    std::optional<Wait> wait;
  };

  // What `lane` is doing at `now_ms`.
  static std::string Action(const Lane& lane, int64_t now_ms);

  int total_ = 0;  // instructions in the program (0 until it is known)
  int committed_ = 0;
  int failed_ = 0;
  int skipped_ = 0;
  std::map<int, Lane> lanes_;
  double context_fill_pct_ = 0;  // of the latest model call, whichever lane made it
  int64_t prompt_tokens_ = 0;
  int64_t completion_tokens_ = 0;
  int64_t cost_microusd_ = 0;
  bool planning_ = false;
  bool started_ = false;  // an event arrived: before that there is nothing to show
  bool finished_ = false;
};

}  // namespace l2mac::cli
