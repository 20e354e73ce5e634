#include "cli/status_text.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "agents/judge_verdict.hpp"
#include "core/text.hpp"

namespace l2mac::cli {
namespace {

using control_unit::FailedAttempt;
using control_unit::InstructionState;
using control_unit::RunStatus;

double Dollars(int64_t microusd) { return static_cast<double>(microusd) / 1e6; }

bool Contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// The resume command that retries a failed instruction with the bound it used up raised
// (doubled, within what `resume` accepts), and what it does; a plain resume when the
// failure names no bound a flag can raise. Any resume retries every failed and skipped
// instruction; the step names the instruction whose failure chose the flag.
NextStep RetryStep(const InstructionState& state, const RunStatus& status, const std::string& out) {
  const std::string& failure = state.record.failure;
  const std::string& id = state.record.instruction.id;
  auto raised = [&](const char* flag, int current, int most, const char* what) {
    const int next = std::min(most, std::max(2, current * 2));
    if (current >= most) {
      return NextStep{fmt::format("l2mac resume {}", out),
                      fmt::format("retries the failed instructions ({} already had the most {}, "
                                  "{}: split it in the prompt program instead)",
                                  id, what, most)};
    }
    return NextStep{fmt::format("l2mac resume {} {} {}", out, flag, next),
                    fmt::format("retries the failed instructions, {} with {} {}", id, next, what)};
  };
  if (Contains(failure, "the checks still failed")) {
    int used = status.limits.max_attempts;
    if (!state.failed_attempts.empty()) used = state.failed_attempts.back().max_attempts;
    return raised("--max-attempts", used, 1000, "attempts");
  }
  if (Contains(failure, "in the prompt program")) {
    return {fmt::format("l2mac resume {}", out),
            fmt::format("retries the failed instructions; {} is capped by its own \"max_turns\" "
                        "in the prompt program, which a resume flag cannot raise",
                        id)};
  }
  if (Contains(failure, "model calls") && status.limits.max_turns > 0) {
    return raised("--max-turns", status.limits.max_turns, 100000, "model calls");
  }
  if (Contains(failure, "--max-context-restarts")) {
    return raised("--max-context-restarts", status.limits.max_context_restarts, 1000,
                  "context restarts");
  }
  if (Contains(failure, "--context-window")) {
    return {fmt::format("l2mac resume {} --context-window N", out),
            fmt::format("retries the failed instructions with a larger context window N ({} "
                        "did not fit)",
                        id)};
  }
  return {fmt::format("l2mac resume {}", out),
          fmt::format("retries the failed instructions ({} among them)", id)};
}

// The checks that failed ("pytest: failed (1 failed)"), or the gate's whole line when the
// check event was not found.
std::string FailedChecksLine(const FailedAttempt& attempt) {
  if (attempt.failed.empty()) return attempt.checks;
  std::string line;
  for (const auto& check : attempt.failed) {
    if (!line.empty()) line += "; ";
    line += check.name + ": " + check.verdict;
    if (!check.summary.empty()) line += " (" + check.summary + ")";
  }
  return line;
}

// The branch with the files of the instruction's last failed attempt, "" when none.
std::string LastKeptBranch(const InstructionState& state) {
  if (!state.kept_at_failure.empty()) return state.kept_at_failure;
  for (auto it = state.failed_attempts.rbegin(); it != state.failed_attempts.rend(); ++it) {
    if (!it->kept_as.empty()) return it->kept_as;
  }
  return "";
}

nlohmann::json AttemptJson(const FailedAttempt& attempt) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& check : attempt.failed) {
    nlohmann::json tests = nlohmann::json::array();
    for (const auto& test : check.failing_tests) {
      tests.push_back({{"id", test.id}, {"file", test.file}, {"message", test.message}});
    }
    checks.push_back({{"name", check.name},
                      {"verdict", check.verdict},
                      {"summary", check.summary},
                      {"failing_tests", std::move(tests)}});
  }
  return {{"attempt", attempt.attempt},         {"max_attempts", attempt.max_attempts},
          {"time_ms", attempt.time_ms},         {"checks", attempt.checks},
          {"failed_checks", std::move(checks)}, {"kept_as", attempt.kept_as}};
}

}  // namespace

std::vector<NextStep> NextSteps(const RunStatus& status, const std::string& out) {
  std::vector<NextStep> steps;
  auto add = [&steps](NextStep step) {
    for (const auto& existing : steps) {
      if (existing.command == step.command) return;
    }
    steps.push_back(std::move(step));
  };
  if (status.busy) {
    add({fmt::format("l2mac events {} --follow", out), "follows the run in progress"});
    return steps;
  }
  const bool budget_stop = status.state.rfind("stopped at the budget", 0) == 0;
  int shown = 0;
  for (const auto& state : status.instructions) {
    if (state.record.status != registry::InstructionStatus::kFailed) continue;
    if (++shown > 3) break;
    const std::string branch = LastKeptBranch(state);
    if (!branch.empty()) {
      add({fmt::format("l2mac files {} diff --at {}", out, branch),
           fmt::format("shows what the last failed attempt of instruction {} changed",
                       state.record.instruction.id)});
    }
    // After a budget stop the budget comes first (below).
    if (!budget_stop) add(RetryStep(state, status, out));
  }
  if (budget_stop) {
    const bool by_cost = Contains(status.state, "--max-cost");
    add({fmt::format("l2mac resume {} {} N", out, by_cost ? "--max-cost" : "--max-tokens"),
         "continues with the budget raised to N"});
  } else if (status.state == "interrupted" ||
             (status.pending > 0 && status.failed == 0 && status.state != "finished") ||
             (status.instructions.empty() && status.state.rfind("stopped", 0) == 0)) {
    add({fmt::format("l2mac resume {}", out), "continues the run from its last commit"});
  }
  if (!status.verdicts.empty() && status.verdicts.back().appended.empty() &&
      !status.verdicts.back().verdict.Settled() && status.pending == 0 && status.failed == 0 &&
      status.skipped == 0) {
    int rounds = 0;  // verdicts that sent requirements back
    for (const auto& stored : status.verdicts) rounds += stored.appended.empty() ? 0 : 1;
    add({fmt::format("l2mac resume {} --max-rounds {}", out, std::min(rounds + 1, 20)),
         "sends the unmet requirements (and inconsistencies) back to workers for another round"});
  }
  if (!status.instructions.empty() && status.pending == 0) {
    add({fmt::format("l2mac report {}", out), "writes an HTML report of the run"});
  }
  return steps;
}

std::string StatusText(const RunStatus& status, const std::string& out) {
  std::string text;
  std::string state = status.state;
  if (state == "interrupted") state = "interrupted (continue it with `l2mac resume " + out + "`)";
  text += fmt::format("Run in {}: {} (model: {})\n\n", out, state, status.provider);
  if (status.instructions.empty()) text += "No prompt program yet (planning did not finish).\n";
  text += fmt::format("{:<6} {:<11} {:>8} {:>8} {:>6} {:>14} {:>9}  {}\n", "id", "status",
                      "attempts", "restarts", "calls", "tokens in/out", "cost $", "instruction");
  for (const auto& state_of : status.instructions) {
    const auto& r = state_of.record;
    std::string first_line =
        TruncateUtf8(r.instruction.text.substr(0, r.instruction.text.find('\n')), 60);
    text += fmt::format("{:<6} {:<11} {:>8} {:>8} {:>6} {:>14} {:>9.4f}  {}\n", r.instruction.id,
                        state_of.status, r.attempts, r.context_restarts, r.model_calls,
                        fmt::format("{}/{}", r.prompt_tokens, r.completion_tokens),
                        Dollars(r.cost_microusd), first_line);
    if (!r.added_by.empty()) text += "       added by instruction " + r.added_by + "\n";
    if (!r.failure.empty()) text += "       why: " + r.failure + "\n";
    // A committed instruction's refused attempts were fixed: counted above, listed in
    // --json and the report only.
    if (r.status == registry::InstructionStatus::kCommitted) continue;
    if (state_of.failed_attempts_omitted > 0) {
      text +=
          fmt::format("       ({} earlier failed {} not shown)\n", state_of.failed_attempts_omitted,
                      state_of.failed_attempts_omitted == 1 ? "attempt" : "attempts");
    }
    for (const auto& attempt : state_of.failed_attempts) {
      text += fmt::format("       attempt {} of {} failed: {}", attempt.attempt,
                          attempt.max_attempts, FailedChecksLine(attempt));
      if (!attempt.kept_as.empty()) text += fmt::format(" (files: {})", attempt.kept_as);
      text += "\n";
      for (const auto& check : attempt.failed) {
        if (check.failing_tests.empty()) continue;
        for (const auto& test : check.failing_tests) {
          text += "         " + test.id;
          if (!test.message.empty()) text += ": " + test.message;
          text += "\n";
        }
      }
    }
    if (!state_of.kept_at_failure.empty()) {
      text += "       files when it gave up: " + state_of.kept_at_failure + "\n";
    }
  }
  if (!status.instructions.empty()) {
    text += "\n" + control_unit::ShapeLine(status.shape, status.instructions.size()) + "\n";
  }
  text += fmt::format(
      "\nTotal: {}, {} prompt ({} cached) + {} completion tokens, ${:.4f}, {:.1f}s in model "
      "calls; {} at commit {}\n",
      Plural(status.totals.calls, "model call"), status.totals.prompt_tokens,
      status.totals.cached_tokens, status.totals.completion_tokens,
      Dollars(status.totals.cost_microusd), static_cast<double>(status.totals.latency_ms) / 1000.0,
      Plural(status.files, "file"), status.head_commit);
  if (status.totals.calibration_calls > 0 && status.totals.calibration_estimated_tokens > 0) {
    const double ratio = static_cast<double>(status.totals.calibration_reported_tokens) /
                         static_cast<double>(status.totals.calibration_estimated_tokens);
    text += fmt::format(
        "Token estimator: the server counted {:+.1f}% prompt tokens against l2mac's estimate "
        "over {} (a --context-window margin of that size keeps contexts in bounds)\n",
        100.0 * (ratio - 1.0), Plural(status.totals.calibration_calls, "call"));
  }
  if (!status.verdicts.empty()) {
    const auto& last = status.verdicts.back();
    const auto unmet = last.verdict.Unmet();
    text += fmt::format("Features: {:.1f}% by the judge (round {}; {} of {} requirements met)\n",
                        last.verdict.FeaturesPct(), last.round,
                        last.verdict.requirements.size() - unmet.size(),
                        last.verdict.requirements.size());
    for (const auto& requirement : unmet) {
      text += fmt::format("  {} {}: {}\n", requirement.id,
                          agents::RequirementScoreName(requirement.score),
                          TruncateUtf8(requirement.evidence, 200));
    }
    if (!last.verdict.inconsistencies.empty()) {
      text += fmt::format("Inconsistencies: {} found by the judge's consistency check\n",
                          last.verdict.inconsistencies.size());
      for (const auto& inconsistency : last.verdict.inconsistencies) {
        text += fmt::format("  {} ({})\n", TruncateUtf8(inconsistency.what, 200),
                            TruncateUtf8(inconsistency.evidence, 200));
      }
    }
  }
  if (!status.preexisting_failures.empty()) {
    std::string ids;
    for (const auto& id : status.preexisting_failures) ids += (ids.empty() ? "" : ", ") + id;
    text += "Pre-existing test failures (they failed before the run; not held against it): " + ids +
            "\n";
  }
  if (!status.has_events) {
    text += "(This run was recorded before events: failed attempts are not listed.)\n";
  }
  if (!status.attempts_error.empty()) {
    text += "(Failed attempts are not listed: " + status.attempts_error + ")\n";
  }
  auto steps = NextSteps(status, out);
  if (!steps.empty()) {
    text += "\nNext:\n";
    size_t width = 0;
    for (const auto& step : steps) width = std::max(width, step.command.size());
    for (const auto& step : steps) {
      text += fmt::format("  {:<{}}  {}\n", step.command, width, step.why);
    }
  }
  return text;
}

nlohmann::json StatusJson(const RunStatus& status, const std::string& out) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& state : status.instructions) {
    const auto& r = state.record;
    nlohmann::json attempts = nlohmann::json::array();
    for (const auto& attempt : state.failed_attempts) attempts.push_back(AttemptJson(attempt));
    list.push_back({{"id", r.instruction.id},
                    {"text", r.instruction.text},
                    {"depends_on", r.instruction.depends_on},
                    {"covers", r.instruction.covers},
                    {"added_by", r.added_by},
                    {"status", state.status},
                    {"attempts", r.attempts},
                    {"context_restarts", r.context_restarts},
                    {"model_calls", r.model_calls},
                    {"prompt_tokens", r.prompt_tokens},
                    {"completion_tokens", r.completion_tokens},
                    {"cached_tokens", r.cached_tokens},
                    {"cost_usd", Dollars(r.cost_microusd)},
                    {"latency_ms", r.latency_ms},
                    {"commit", r.commit_id},
                    {"failure", r.failure},
                    {"failed_attempts", std::move(attempts)},
                    {"failed_attempts_omitted", state.failed_attempts_omitted},
                    {"kept_at_failure", state.kept_at_failure},
                    {"lane", state.lane}});
  }
  nlohmann::json next = nlohmann::json::array();
  for (const auto& step : NextSteps(status, out)) {
    next.push_back({{"command", step.command}, {"why", step.why}});
  }
  // The judge's verdicts, oldest round first, with their evidence.
  nlohmann::json rounds = nlohmann::json::array();
  for (const auto& stored : status.verdicts) {
    nlohmann::json round = stored.verdict.ToJson();
    round["round"] = stored.round;
    round["features_pct"] = stored.verdict.FeaturesPct();
    round["appended"] = stored.appended;
    rounds.push_back(std::move(round));
  }
  nlohmann::json judge = {{"rounds", std::move(rounds)}};
  if (!status.verdicts.empty()) {
    const auto& last = status.verdicts.back().verdict;
    judge["features_pct"] = last.FeaturesPct();
    nlohmann::json unmet = nlohmann::json::array();
    for (const auto& requirement : last.Unmet()) unmet.push_back(requirement.id);
    judge["unmet"] = std::move(unmet);
    judge["inconsistency_count"] = last.inconsistencies.size();
  }
  std::string state = status.state;
  if (state == "interrupted") state = "interrupted (continue it with `l2mac resume " + out + "`)";
  return {{"state", state},
          {"judge", std::move(judge)},
          {"preexisting_failures", status.preexisting_failures},
          {"busy", status.busy},
          {"provider", status.provider},
          {"instructions", std::move(list)},
          {"program_shape",
           {{"critical_path", status.shape.critical_path},
            {"critical_path_length", status.shape.critical_path.size()},
            {"width", status.shape.width},
            {"unordered", status.shape.unordered}}},
          {"model_calls", status.totals.calls},
          {"prompt_tokens", status.totals.prompt_tokens},
          {"completion_tokens", status.totals.completion_tokens},
          {"cached_tokens", status.totals.cached_tokens},
          {"cost_usd", Dollars(status.totals.cost_microusd)},
          {"latency_ms", status.totals.latency_ms},
          {"estimator",
           {{"calls", status.totals.calibration_calls},
            {"reported_prompt_tokens", status.totals.calibration_reported_tokens},
            {"estimated_prompt_tokens", status.totals.calibration_estimated_tokens}}},
          {"head_commit", status.head_commit},
          {"files", status.files},
          {"has_events", status.has_events},
          {"attempts_error", status.attempts_error},
          {"next", std::move(next)}};
}

}  // namespace l2mac::cli
