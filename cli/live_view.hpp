// The live terminal view of a run: a status area at the bottom of the terminal redrawn in
// place (as ninja and cargo do), with the log scrolling above it. The status area shows
// instructions committed of all, the running instruction with its elapsed time and what
// it is doing, a context-fill bar, and tokens and cost so far (see RunProgress).
//
// Every line l2mac logs goes through the view (MakeLogSink() replaces the logger's sink),
// so a log line never lands inside the status area: the area is cleared, the line printed,
// the area drawn again. A ticker thread redraws four times a second, so the elapsed time
// moves during a long model call or test run. The view clears its area when the run
// finishes and when it is destroyed, leaving only the log behind.
//
// Thread-safe: OnEvent (the run's thread), the log sink (any thread that logs) and the
// ticker serialize on one mutex.
#pragma once

#include <spdlog/sinks/sink.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "cli/run_progress.hpp"
#include "control_unit/events.hpp"
#include "core/cancel_token.hpp"

namespace l2mac::cli {

// Whether a live view fits stderr: it is a terminal, TERM is set and not "dumb", and the
// user did not ask for plain lines (--no-progress).
bool LiveViewWanted(bool no_progress);
// Colours unless NO_COLOR is set (https://no-color.org) or TERM is "dumb".
bool ColorWanted();

class LiveView : public control_unit::EventSink {
 public:
  // Draws on `fd` (a terminal). `inner` (borrowed, may be null) gets every event first:
  // the sink that prints the log lines, which reach the terminal through MakeLogSink().
  LiveView(int fd, bool color, control_unit::EventSink* inner);
  ~LiveView() override;
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;

  void OnEvent(const control_unit::RunEvent& event) override;

  // Prints one log line (without its newline) above the status area.
  void PrintLine(std::string_view line);

  // A spdlog sink that prints each formatted record through PrintLine (warnings in
  // yellow and errors in red when colours are on). The view must outlive the sink's use:
  // the CLI puts the previous sinks back before destroying the view.
  std::shared_ptr<spdlog::sinks::sink> MakeLogSink();

  // Borrowed, may be null: once it is cancelled (Ctrl-C), the view says above its area
  // that the run is stopping, within a tick.
  void WatchCancel(const CancelToken* cancel);

 private:
  void Tick();
  // Both with mutex_ held.
  void ClearLocked();
  void DrawLocked();
  void WriteLocked(std::string_view bytes);

  const int fd_;
  const bool color_;
  control_unit::EventSink* const inner_;
  std::mutex mutex_;
  RunProgress progress_;
  int drawn_lines_ = 0;  // rows of the status area on screen; the cursor ends its last row
  bool stopping_ = false;
  const CancelToken* cancel_ = nullptr;
  bool cancel_announced_ = false;
  std::condition_variable stop_;
  std::thread ticker_;
};

}  // namespace l2mac::cli
