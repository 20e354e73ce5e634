#include "cli/run_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

#include "core/text.hpp"

namespace l2mac::cli {
namespace {

using namespace control_unit;

constexpr const char* kBold = "\x1b[1m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kReset = "\x1b[0m";
constexpr int kBarCells = 10;

// 12345 -> "12.3k", 2500000 -> "2.5M".
std::string Compact(int64_t value) {
  if (value >= 1'000'000) return fmt::format("{:.1f}M", static_cast<double>(value) / 1e6);
  if (value >= 10'000) return fmt::format("{:.1f}k", static_cast<double>(value) / 1e3);
  return std::to_string(value);
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Columns a plain UTF-8 text takes, counting each code point as one column.
int Columns(const std::string& text) {
  int columns = 0;
  for (char c : text) columns += IsContinuationByte(c) ? 0 : 1;
  return columns;
}

// `text` cut to `width` columns at a code point boundary, "..." marking the cut. Control
// characters (a newline in an instruction's text) become spaces: one line is one row.
std::string Fit(std::string text, int width) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (Columns(text) <= width) return text;
  const int keep = std::max(0, width - 3);
  int columns = 0;
  size_t end = 0;
  while (end < text.size()) {
    size_t next = end + 1;
    while (next < text.size() && IsContinuationByte(text[next])) ++next;
    if (columns + 1 > keep) break;
    ++columns;
    end = next;
  }
  return text.substr(0, end) + std::string(static_cast<size_t>(std::min(3, width)), '.');
}

// A line built from pieces, some styled: the width counts only the text.
class StyledLine {
 public:
  StyledLine(int width, bool color) : width_(width), color_(color) {}

  // Appends `text` (cut to what is left of the width) in `style` (an ANSI attribute or "").
  void Add(const std::string& text, const char* style = "") {
    const int left = width_ - columns_;
    if (left <= 0 || text.empty()) return;
    std::string piece = Fit(text, left);
    columns_ += Columns(piece);
    if (color_ && *style != '\0') {
      line_ += style + piece + kReset;
    } else {
      line_ += piece;
    }
  }
  const std::string& str() const { return line_; }

 private:
  int width_;
  bool color_;
  int columns_ = 0;
  std::string line_;
};

}  // namespace

void RunProgress::Apply(const RunEvent& event) {
  started_ = true;
  Lane& lane = lanes_[event.lane];
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (!std::is_same_v<T, TextDelta>) lane.wait.reset();
        if constexpr (std::is_same_v<T, PlanStarted>) {
          planning_ = true;
          lane.started_ms = event.time_ms;
          lane.action = "planning";
        } else if constexpr (std::is_same_v<T, PlanReady>) {
          planning_ = false;
          total_ = static_cast<int>(e.instructions.size());
          lane.action.clear();
        } else if constexpr (std::is_same_v<T, InstructionStarted>) {
          planning_ = false;
          if (e.count > 0) total_ = e.count;
          lane.instruction = event.instruction;
          lane.instruction_text = e.text;
          lane.started_ms = event.time_ms;
          lane.action = "starting";
          lane.failed_checks = 0;
          lane.restarts = 0;
          context_fill_pct_ = 0;
        } else if constexpr (std::is_same_v<T, InstructionCommitted>) {
          ++committed_;
          lane.instruction.clear();
          lane.action.clear();
        } else if constexpr (std::is_same_v<T, InstructionFailed>) {
          ++failed_;
          lane.instruction.clear();
          lane.action.clear();
        } else if constexpr (std::is_same_v<T, InstructionSkipped>) {
          ++skipped_;
        } else if constexpr (std::is_same_v<T, MergeRetried>) {
          lane.action = e.reason == "conflict" ? "conflict with main; trying again"
                                               : "merged checks failed; trying again";
          lane.failed_checks = 0;
          lane.restarts = 0;
        } else if constexpr (std::is_same_v<T, ModelCallStarted>) {
          context_fill_pct_ = e.context_fill_pct;
          lane.streamed_chars = 0;
          lane.action = e.purpose == "summary"    ? "summarizing the context"
                        : e.purpose == "analysis" ? "analysing the failure"
                                                  : "calling the model";
        } else if constexpr (std::is_same_v<T, ModelCallFinished>) {
          prompt_tokens_ += e.prompt_tokens;
          completion_tokens_ += e.completion_tokens;
          cost_microusd_ += e.cost_microusd;
          if (e.context_fill_pct > 0) context_fill_pct_ = e.context_fill_pct;
          lane.action = e.ok ? "working" : "the model call failed";
        } else if constexpr (std::is_same_v<T, ModelCallRetried>) {
          // The retried attempt streams its reply again from the start.
          lane.streamed_chars = 0;
          lane.wait = Wait{true, event.time_ms + e.delay_ms, e.attempt, e.max_attempts};
          lane.action = "calling the model";
        } else if constexpr (std::is_same_v<T, RateLimitWaitStarted>) {
          lane.wait = Wait{false, event.time_ms + e.expected_ms, 0, 0};
          lane.action = "calling the model";
        } else if constexpr (std::is_same_v<T, RateLimitWaited>) {
          lane.action = "calling the model";
        } else if constexpr (std::is_same_v<T, TextDelta>) {
          lane.streamed_chars += static_cast<int64_t>(e.text.size());
        } else if constexpr (std::is_same_v<T, agents::ToolCalled>) {
          if (e.name == "write_file" || e.name == "edit_file") {
            lane.action = (e.ok ? "wrote " : "could not write ") + e.path;
          } else if (!e.path.empty()) {
            lane.action = e.name + " " + e.path;
          } else {
            lane.action = e.name;
          }
        } else if constexpr (std::is_same_v<T, agents::ContextRestarted>) {
          lane.restarts = e.restarts;
          lane.action = "context restarted";
        } else if constexpr (std::is_same_v<T, agents::StepRejected>) {
          lane.failed_checks = e.attempts;
          lane.action = "checks failed: " + e.checks;
        } else if constexpr (std::is_same_v<T, agents::FailureAnalyzed>) {
          lane.action = "failure analysed; fixing";
        } else if constexpr (std::is_same_v<T, CheckStarted>) {
          lane.action = "running the checks";
        } else if constexpr (std::is_same_v<T, CheckFinished>) {
          lane.action = e.passed ? "checks passed" : "checks failed";
        } else if constexpr (std::is_same_v<T, RunFinished>) {
          finished_ = true;
        }
      },
      event.payload);
}

std::string RunProgress::Action(const Lane& lane, int64_t now_ms) {
  std::string action = lane.action;
  if (lane.wait) {
    const Wait& wait = *lane.wait;
    const double left = static_cast<double>(std::max<int64_t>(0, wait.until_ms - now_ms)) / 1000.0;
    const std::string attempt =
        wait.retry ? fmt::format(" (attempt {} of {})", wait.attempt, wait.max_attempts) : "";
    if (left <= 0) {
      action += attempt;
    } else if (wait.retry) {
      return fmt::format("retrying in {:.1f}s{}", left, attempt);
    } else {
      return fmt::format("waiting for the rate limit ({:.1f}s)", left);
    }
  }
  if (lane.streamed_chars > 0 && lane.action == "calling the model") {
    action += fmt::format(" ({} chars)", Compact(lane.streamed_chars));
  }
  return action;
}

std::vector<std::string> RunProgress::Render(int width, int64_t now_ms, bool color) const {
  width = std::max(width, 20);
  std::vector<std::string> lines;
  if (finished_ || !started_) return lines;

  const std::string count =
      fmt::format("[{}/{}] ", committed_, total_ > 0 ? std::to_string(total_) : "?");
  auto elapsed_since = [now_ms](int64_t started_ms) {
    return started_ms > 0 ? static_cast<double>(std::max<int64_t>(0, now_ms - started_ms)) / 1000.0
                          : 0.0;
  };
  // The lanes running an instruction, in lane order (lane 0 alone without --parallel).
  std::vector<std::pair<int, const Lane*>> running;
  for (const auto& [number, lane] : lanes_) {
    if (!lane.instruction.empty()) running.emplace_back(number, &lane);
  }
  static const Lane kIdle;
  const auto run_lane = lanes_.find(0);
  const Lane& run = run_lane != lanes_.end() ? run_lane->second : kIdle;
  if (planning_) {
    StyledLine first(width, color);
    first.Add(count, kBold);
    first.Add("planning", kBold);
    first.Add(fmt::format(" {:.1f}s", elapsed_since(run.started_ms)));
    const std::string action = Action(run, now_ms);
    if (!action.empty() && action != "planning") first.Add(" " + action);
    lines.push_back(first.str());
  } else if (running.empty()) {
    StyledLine first(width, color);
    first.Add(count, kBold);
    first.Add("between steps");
    lines.push_back(first.str());
  } else {
    for (size_t i = 0; i < running.size(); ++i) {
      const auto& [number, lane] = running[i];
      StyledLine line(width, color);
      // The count once; the lines below it are indented to match.
      line.Add(i == 0 ? count : std::string(count.size(), ' '), kBold);
      if (number > 0) line.Add(fmt::format("lane {} ", number), kDim);
      line.Add("instruction " + lane->instruction, kBold);
      line.Add(fmt::format(" {:.1f}s ", elapsed_since(lane->started_ms)));
      line.Add(Action(*lane, now_ms));
      line.Add("  " + lane->instruction_text, kDim);
      lines.push_back(line.str());
    }
  }

  int failed_checks = 0;
  int restarts = 0;
  for (const auto& [number, lane] : running) {
    failed_checks += lane->failed_checks;
    restarts += lane->restarts;
  }
  StyledLine second(width, color);
  const double fill = std::clamp(context_fill_pct_, 0.0, 100.0);
  const int cells = static_cast<int>(fill / 100.0 * kBarCells + 0.5);
  second.Add("context [");
  second.Add(std::string(static_cast<size_t>(cells), '#'));
  second.Add(std::string(static_cast<size_t>(kBarCells - cells), '-'), kDim);
  second.Add(fmt::format("] {:.0f}%  ", context_fill_pct_));
  second.Add(fmt::format("tokens {} in / {} out  ${:.4f}", Compact(prompt_tokens_),
                         Compact(completion_tokens_), static_cast<double>(cost_microusd_) / 1e6));
  if (failed_ > 0) second.Add(fmt::format("  {} failed", failed_));
  if (failed_checks > 0) second.Add("  " + Plural(failed_checks, "failed check"));
  if (restarts > 0) second.Add("  " + Plural(restarts, "restart"));
  lines.push_back(second.str());
  return lines;
}

}  // namespace l2mac::cli
