#include "cli/live_view.hpp"

#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace l2mac::cli {
namespace {

constexpr std::chrono::milliseconds kTick{250};

int TerminalWidth(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Formats records with the logger's pattern and hands each line to the view.
class LiveViewLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  LiveViewLogSink(LiveView& view, bool color) : view_(view), color_(color) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string_view text(formatted.data(), formatted.size());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    const char* color = !color_                            ? ""
                        : msg.level >= spdlog::level::err  ? "\x1b[31m"
                        : msg.level == spdlog::level::warn ? "\x1b[33m"
                                                           : "";
    if (*color == '\0') {
      view_.PrintLine(text);
    } else {
      view_.PrintLine(std::string(color) + std::string(text) + "\x1b[0m");
    }
  }
  void flush_() override {}

 private:
  LiveView& view_;
  const bool color_;
};

}  // namespace

bool LiveViewWanted(bool no_progress) {
  if (no_progress || ::isatty(STDERR_FILENO) != 1) return false;
  const char* term = std::getenv("TERM");
  return term != nullptr && *term != '\0' && std::strcmp(term, "dumb") != 0;
}

bool ColorWanted() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

LiveView::LiveView(int fd, bool color, control_unit::EventSink* inner)
    : fd_(fd), color_(color), inner_(inner), ticker_([this] { Tick(); }) {}

LiveView::~LiveView() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    ClearLocked();
  }
  stop_.notify_all();
  ticker_.join();
}

void LiveView::OnEvent(const control_unit::RunEvent& event) {
  // The inner sink logs, and logging takes the mutex: call it before taking it.
  if (inner_ != nullptr) inner_->OnEvent(event);
  std::lock_guard<std::mutex> lock(mutex_);
  progress_.Apply(event);
  // Deltas arrive many times a second; the ticker shows their count.
  if (std::holds_alternative<control_unit::TextDelta>(event.payload)) return;
  ClearLocked();
  DrawLocked();
}

void LiveView::PrintLine(std::string_view line) {
  std::lock_guard<std::mutex> lock(mutex_);
  ClearLocked();
  std::string text(line);
  text += '\n';
  WriteLocked(text);
  DrawLocked();
}

std::shared_ptr<spdlog::sinks::sink> LiveView::MakeLogSink() {
  return std::make_shared<LiveViewLogSink>(*this, color_);
}

void LiveView::WatchCancel(const CancelToken* cancel) {
  std::lock_guard<std::mutex> lock(mutex_);
  cancel_ = cancel;
}

void LiveView::Tick() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    stop_.wait_for(lock, kTick);
    if (stopping_) break;
    ClearLocked();
    if (IsCancelled(cancel_) && !cancel_announced_) {
      cancel_announced_ = true;
      WriteLocked(
          "l2mac: stopping at the next safe point (the instruction in flight starts over on "
          "resume); press Ctrl-C again to exit at once\n");
    }
    DrawLocked();
  }
}

void LiveView::ClearLocked() {
  if (drawn_lines_ == 0) return;
  // The cursor is at the end of the area's last row: clear it, then each row above.
  std::string erase = "\r\x1b[2K";
  for (int i = 1; i < drawn_lines_; ++i) erase += "\x1b[1A\x1b[2K";
  WriteLocked(erase);
  drawn_lines_ = 0;
}

void LiveView::DrawLocked() {
  if (stopping_ || progress_.finished()) return;
  // One column short of the width: writing the last column makes some terminals wrap.
  std::vector<std::string> lines = progress_.Render(TerminalWidth(fd_) - 1, NowMs(), color_);
  if (lines.empty()) return;
  std::string area;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) area += '\n';
    area += lines[i];
  }
  WriteLocked(area);
  drawn_lines_ = static_cast<int>(lines.size());
}

void LiveView::WriteLocked(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;  // a closed terminal: nothing more to show
    bytes.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace l2mac::cli
