#include "cli/event_printer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/text.hpp"

namespace l2mac::cli {
namespace {

using namespace control_unit;

// One overload per event type; `id` is the event's instruction.
struct Printer {
  const std::string& id;
  const std::string& out_dir;

  void operator()(const RunStarted&) const {}
  void operator()(const RunResumed& e) const {
    if (e.interrupted > 0) {
      spdlog::info("resuming: {} start over", Plural(e.interrupted, "interrupted instruction"));
    }
    if (e.retried > 0) {
      spdlog::info("resuming: {} retried", Plural(e.retried, "failed or skipped instruction"));
    }
  }
  void operator()(const RunFinished&) const {}  // the command prints the summary
  void operator()(const PlanStarted&) const {
    spdlog::info("planning: asking the model for a prompt program");
  }
  void operator()(const PlanReady& e) const {
    spdlog::info("planned {}", Plural(static_cast<int64_t>(e.instructions.size()), "instruction"));
  }
  void operator()(const InstructionStarted&) const { spdlog::info("instruction {}: started", id); }
  void operator()(const InstructionCommitted& e) const {
    spdlog::info("instruction {}: committed ({} written to {})", id,
                 Plural(e.files_changed, "file"), out_dir);
  }
  void operator()(const InstructionFailed& e) const {
    spdlog::warn("instruction {}: failed: {}", id, e.failure);
  }
  void operator()(const InstructionSkipped& e) const {
    spdlog::warn("instruction {}: {}", id, e.reason);
  }
  void operator()(const ModelCallStarted& e) const {
    spdlog::debug("{}: calling the model ({}, {} estimated prompt tokens, context {:.0f}% full)",
                  Scope(), e.purpose, e.estimated_prompt_tokens, e.context_fill_pct);
  }
  void operator()(const ModelCallFinished& e) const {
    if (!e.ok) return;  // the error is reported where the run stops
    spdlog::debug("{}: the model answered in {:.1f}s ({} + {} tokens, {} tool calls)", Scope(),
                  static_cast<double>(e.latency_ms) / 1000.0, e.prompt_tokens, e.completion_tokens,
                  e.tool_calls);
  }
  // The same wording the provider logs when no run takes its notices.
  void operator()(const ModelCallRetried& e) const {
    spdlog::warn("{}: {}, retrying in {:.1f}s (attempt {} of {})", Scope(), e.reason,
                 static_cast<double>(e.delay_ms) / 1000.0, e.attempt, e.max_attempts);
  }
  void operator()(const RateLimitWaitStarted& e) const {
    spdlog::debug("{}: waiting about {:.1f}s for the rate limit", Scope(),
                  static_cast<double>(e.expected_ms) / 1000.0);
  }
  void operator()(const RateLimitWaited& e) const {
    spdlog::info("{}: waited {:.1f}s for the rate limit", Scope(),
                 static_cast<double>(e.waited_ms) / 1000.0);
  }
  void operator()(const TextDelta&) const {}
  void operator()(const agents::ToolCalled& e) const {
    std::string what = e.name + (e.path.empty() ? "" : " " + e.path);
    if (e.lines_added != 0 || e.lines_removed != 0) {
      what += fmt::format(" (+{} -{})", e.lines_added, e.lines_removed);
    }
    if (!e.ok) what += ": " + e.error;
    spdlog::debug("{}: {}", Scope(), what);
  }
  void operator()(const agents::ContextRestarted& e) const {
    spdlog::info("instruction {}: context restarted with a summary ({} of at most {})", id,
                 e.restarts, e.max_restarts);
  }
  void operator()(const agents::StepRejected& e) const {
    spdlog::info("instruction {}: checks failed ({}); the failure goes back to the model", id,
                 e.checks);
  }
  void operator()(const InstructionsAdded& e) const {
    std::string ids;
    for (const auto& added : e.instructions) ids += (ids.empty() ? "" : ", ") + added;
    spdlog::info("instruction {}: added {} to the program ({})", id,
                 Plural(static_cast<int64_t>(e.instructions.size()), "instruction"), ids);
  }
  void operator()(const MergeRetried& e) const {
    spdlog::info("instruction {}: {}; running it again on the new head (try {})", id,
                 e.reason == "conflict"
                     ? fmt::format("its changes conflict with instructions committed meanwhile "
                                   "in {}",
                                   Plural(static_cast<int64_t>(e.paths.size()), "file"))
                     : std::string("its changes merged with the new head fail the checks"),
                 e.attempt);
  }
  void operator()(const agents::FailureAnalyzed& e) const {
    const std::string_view first = std::string_view(e.analysis).substr(0, e.analysis.find('\n'));
    spdlog::info("instruction {}: analysis of attempt {}: {}", id, e.attempt,
                 first.empty() ? std::string("(no answer)") : TruncateUtf8(first, 200));
  }
  void operator()(const CheckStarted&) const { spdlog::debug("{}: running the checks", Scope()); }
  void operator()(const CheckFinished& e) const {
    spdlog::debug("{}: checks {} in {:.1f}s: {}", Scope(), e.passed ? "passed" : "failed",
                  static_cast<double>(e.duration_ms) / 1000.0, e.summary);
  }
  void operator()(const BudgetWarning& e) const {
    spdlog::warn("{} of the budget is spent (--{} {})",
                 e.budget == "max_tokens" ? fmt::format("{:.0f} tokens", e.spent)
                                          : fmt::format("${:.4f}", e.spent),
                 e.budget == "max_tokens" ? "max-tokens" : "max-cost", e.limit);
  }
  void operator()(const BudgetReached& e) const {
    spdlog::warn("budget reached ({}); stopping before the next step", e.message);
  }
  void operator()(const JudgeStarted& e) const {
    spdlog::info("judge round {}: scoring {} requirements against the store", e.round,
                 e.requirements);
  }
  void operator()(const JudgeVerdictReady& e) const {
    std::string unmet;
    for (const auto& requirement : e.unmet) unmet += (unmet.empty() ? "" : ", ") + requirement;
    spdlog::info(
        "judge round {}: Features {:.1f}%{}{}{}", e.round, e.features_pct,
        unmet.empty() ? "" : "; unmet: " + unmet,
        e.inconsistencies.empty() ? ""
                                  : fmt::format("; {} inconsistencies", e.inconsistencies.size()),
        e.appended.empty() ? "" : fmt::format("; {} instructions appended", e.appended.size()));
  }
  void operator()(const Notice& e) const {
    if (e.level == "warning") {
      spdlog::warn("{}", e.message);
    } else if (e.level == "info") {
      spdlog::info("{}", e.message);
    } else {
      spdlog::debug("{}", e.message);
    }
  }

  std::string Scope() const { return id.empty() ? "planning" : "instruction " + id; }
};

}  // namespace

void ProgressLogSink::OnEvent(const RunEvent& event) {
  std::visit(Printer{event.instruction, out_dir_}, event.payload);
}

}  // namespace l2mac::cli
