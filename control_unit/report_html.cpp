#include "control_unit/report_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "agents/judge_verdict.hpp"
#include "control_unit/html_text.hpp"
#include "control_unit/program_shape.hpp"
#include "control_unit/report_charts.hpp"
#include "control_unit/report_format.hpp"
#include "core/text.hpp"

namespace l2mac::control_unit {
namespace {

constexpr size_t kMaxChangesPerFile = 100;
constexpr size_t kOpenCheckReports = 20;  // the newest reports are shown unfolded

constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#f6f7f9}
header{background:#1f2937;color:#fff;padding:14px 28px}
header h1{margin:0;font-size:20px}
header p{margin:2px 0 0;color:#cbd5e1}
nav{padding:8px 28px;background:#e9edf2;font-size:13px}
nav a{margin-right:14px;color:#1f4fa3;text-decoration:none}
main{padding:4px 28px 28px;max-width:1180px}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:6px 18px 14px;margin:16px 0}
h2{font-size:17px;margin:10px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #e1e4e8;border-radius:6px;padding:6px 12px;min-width:120px}
.card b{display:block;font-size:17px}
.card span{color:#57606a;font-size:12px}
.outcome{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #eaecef;padding:3px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{height:7px;background:#3b82f6;border-radius:2px;min-width:1px}
.bar.cost{background:#10b981}
td.st{white-space:nowrap}
.status{display:inline-block;width:9px;height:9px;border-radius:5px;border:1px solid #5f6670;margin-right:4px}
pre{background:#f6f8fa;border:1px solid #eaecef;padding:8px;white-space:pre-wrap;word-break:break-word;font-size:12px;max-height:420px;overflow:auto}
details{margin:4px 0}
summary{cursor:pointer}
.note{color:#57606a;font-size:12px}
.legend{font-size:12px;color:#57606a}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 3px 0 10px;vertical-align:-1px}
svg{display:block;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#1f2328}
svg text.axis{fill:#57606a}
svg .id{font-weight:700}
svg .edge{fill:none;stroke:#7a808a;stroke-width:1.3}
svg .grid{stroke:#eceef1}
svg .threshold{stroke:#f59e0b;stroke-dasharray:6 4;stroke-width:1.5}
svg .fill{fill:none;stroke:#3b82f6;stroke-width:1.5}
svg .failmark{fill:#e5484d}
svg .commitmark{stroke:#1e7d3a;stroke-width:3}
.graphbox{overflow-x:auto}
)css";

void Escaped(std::string& html, std::string_view text) { AppendHtmlEscaped(html, text); }

// `text` cut to `max_bytes`, escaped, with a note when it was cut.
void BoundedText(std::string& html, std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    Escaped(html, text);
    return;
  }
  std::string cut = TruncateUtf8(text, max_bytes);
  Escaped(html, cut);
  html += fmt::format("\n[{} more bytes not shown]", text.size() - cut.size());
}

struct Counts {
  int committed = 0, failed = 0, skipped = 0, pending = 0, running = 0;
};

Counts CountStatuses(const ReportData& data) {
  Counts counts;
  for (const auto& state : data.instructions) {
    const std::string& status = state.status;
    if (status == "committed") {
      ++counts.committed;
    } else if (status == "failed") {
      ++counts.failed;
    } else if (status == "skipped") {
      ++counts.skipped;
    } else if (status == "running" || status == "interrupted") {
      ++counts.running;
    } else {
      ++counts.pending;
    }
  }
  return counts;
}

// What the run came to, in a word or three, and its colour.
std::pair<std::string, const char*> Outcome(const ReportData& data, const Counts& counts) {
  const int total = static_cast<int>(data.instructions.size());
  if (data.busy) return {"in progress", "#3b82f6"};
  if (total > 0 && counts.committed == total) {
    // As RunReport's outcome: the judge's final verdict decides whether the work is done.
    if (!data.verdicts.empty() && data.verdicts.back().appended.empty() &&
        !data.verdicts.back().verdict.Settled()) {
      return {"requirements unmet", "#f0a020"};
    }
    return {"completed", "#34a853"};
  }
  if (counts.failed > 0 || counts.skipped > 0) return {"incomplete", "#e5484d"};
  if (data.state.rfind("stopped at the budget", 0) == 0) return {"budget reached", "#f0a020"};
  if (data.state == "interrupted") return {"interrupted", "#f0a020"};
  return {"not finished", "#f0a020"};
}

void Card(std::string& html, const std::string& value, const std::string& label) {
  html += "<div class=\"card\"><b>";
  Escaped(html, value);
  html += "</b><span>";
  Escaped(html, label);
  html += "</span></div>\n";
}

void AppendSummary(std::string& html, const ReportData& data, const ReportLimits& limits) {
  const Counts counts = CountStatuses(data);
  const auto [outcome, color] = Outcome(data, counts);
  html +=
      "<section id=\"summary\"><h2>Summary</h2>\n<p><span class=\"outcome\" style=\"background:";
  html += color;
  html += "\">";
  Escaped(html, outcome);
  html += "</span> state: ";
  Escaped(html, data.state);
  html += "</p>\n<div class=\"cards\">\n";
  Card(html, fmt::format("{} / {}", counts.committed, data.instructions.size()),
       "instructions committed");
  Card(html, std::to_string(counts.failed), "failed");
  Card(html, std::to_string(counts.skipped), "skipped");
  if (counts.pending + counts.running > 0) {
    Card(html, std::to_string(counts.pending + counts.running), "pending or running");
  }
  Card(html, FormatCount(data.totals.calls), "model calls");
  Card(html,
       FormatCount(data.totals.prompt_tokens) + " + " + FormatCount(data.totals.completion_tokens),
       "prompt + completion tokens");
  Card(html, FormatCount(data.totals.cached_tokens), "cached prompt tokens");
  Card(html, FormatCost(data.totals.cost_microusd), "cost");
  Card(html,
       data.first_activity_ms > 0 ? FormatDuration(data.last_activity_ms - data.first_activity_ms)
                                  : std::string("-"),
       "duration");
  Card(html, FormatDuration(data.totals.latency_ms), "waiting for the model");
  int restarts = 0, attempts = 0;
  for (const auto& state : data.instructions) {
    restarts += state.record.context_restarts;
    attempts += state.record.attempts;
  }
  Card(html, std::to_string(attempts), "failed checks");
  Card(html, std::to_string(restarts), "context restarts");
  if (!data.verdicts.empty()) {
    Card(html, fmt::format("{:.1f}%", data.verdicts.back().verdict.FeaturesPct()),
         fmt::format("Features (judge, round {})", data.verdicts.back().round));
  }
  html += "</div>\n<table>\n";
  auto row = [&html](const char* key, const std::string& value) {
    html += "<tr><th>";
    html += key;
    html += "</th><td>";
    Escaped(html, value);
    html += "</td></tr>\n";
  };
  if (!data.model.empty()) row("model", data.model);
  row("provider", data.provider);
  row("context window",
      data.context_window > 0 ? FormatCount(data.context_window) + " tokens" : "unknown");
  row("output folder", data.dir);
  row("started", FormatUtc(data.first_activity_ms));
  row("last activity", FormatUtc(data.last_activity_ms));
  row("files at the head", fmt::format("{} (commit {})", data.head_files.size(), data.head_commit));
  if (!data.verdicts.empty()) {
    std::string unmet;
    for (const auto& requirement : data.verdicts.back().verdict.Unmet()) {
      unmet += (unmet.empty() ? "" : ", ") + requirement.id + " (" +
               agents::RequirementScoreName(requirement.score) + ")";
    }
    row("unmet requirements", unmet.empty() ? "none" : unmet);
    const auto& inconsistencies = data.verdicts.back().verdict.inconsistencies;
    if (!inconsistencies.empty()) {
      std::string listed;
      for (const auto& inconsistency : inconsistencies) {
        listed += (listed.empty() ? "" : " | ") + inconsistency.what + " (" +
                  inconsistency.evidence + ")";
      }
      row("inconsistencies", TruncateUtf8(listed, limits.max_text_bytes));
    }
  }
  html += "</table>\n<details><summary>Task</summary><pre>";
  BoundedText(html, data.task, limits.max_text_bytes);
  html += "</pre></details>\n</section>\n";
}

void AppendUsage(std::string& html, const ReportData& data, const ReportLimits& limits) {
  html += "<section id=\"usage\"><h2>Tokens and cost per instruction</h2>\n";
  if (data.instructions.empty()) {
    html += "<p class=\"note\">No instructions yet.</p></section>\n";
    return;
  }
  const size_t shown = std::min(data.instructions.size(), limits.max_instructions);
  int64_t max_tokens = 1, max_cost = 1;
  for (size_t i = 0; i < shown; ++i) {
    const auto& r = data.instructions[i].record;
    max_tokens = std::max(max_tokens, r.prompt_tokens + r.completion_tokens);
    max_cost = std::max(max_cost, r.cost_microusd);
  }
  html +=
      "<table><tr><th>id</th><th>status</th><th>instruction</th><th class=\"n\">calls</th>"
      "<th class=\"n\">prompt</th><th class=\"n\">completion</th><th class=\"n\">cached</th>"
      "<th class=\"n\">cost</th><th class=\"n\">model time</th><th class=\"n\">failed "
      "checks</th><th class=\"n\">restarts</th><th style=\"width:140px\">tokens / "
      "cost</th></tr>\n";
  for (size_t i = 0; i < shown; ++i) {
    const auto& r = data.instructions[i].record;
    const std::string& status = data.instructions[i].status;
    html += "<tr><td>";
    Escaped(html, FirstLineOf(r.instruction.id, 40));
    html +=
        fmt::format("</td><td class=\"st\"><span class=\"status\" style=\"background:{}\"></span>",
                    StatusColor(status));
    Escaped(html, status);
    html += "</td><td>";
    Escaped(html, FirstLineOf(r.instruction.text, 100));
    html += fmt::format(
        "</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
        FormatCount(r.model_calls), FormatCount(r.prompt_tokens), FormatCount(r.completion_tokens),
        FormatCount(r.cached_tokens), FormatCost(r.cost_microusd), FormatDuration(r.latency_ms),
        r.attempts, r.context_restarts);
    html += fmt::format(
        "<td><div class=\"bar\" style=\"width:{}%\"></div><div class=\"bar cost\" "
        "style=\"width:{}%\"></div></td></tr>\n",
        FormatNumber(100.0 * static_cast<double>(r.prompt_tokens + r.completion_tokens) /
                         static_cast<double>(max_tokens),
                     1),
        FormatNumber(100.0 * static_cast<double>(r.cost_microusd) / static_cast<double>(max_cost),
                     1));
  }
  html += "</table>\n";
  if (shown < data.instructions.size()) {
    html += fmt::format("<p class=\"note\">The first {} of {} instructions are listed.</p>\n",
                        shown, data.instructions.size());
  }
  html +=
      "<p class=\"legend\"><span class=\"swatch\" style=\"background:#3b82f6\"></span>tokens "
      "<span class=\"swatch\" style=\"background:#10b981\"></span>cost, each against the "
      "largest instruction; planning and superseded calls count only in the summary.</p>\n"
      "</section>\n";
}

// The failed attempts of an instruction's latest try: what each check said, the failing
// tests with the first line of their assertion, and the branch that keeps the files.
void AppendFailedAttempts(std::string& html, const InstructionState& state) {
  if (state.failed_attempts.empty() && state.kept_at_failure.empty()) return;
  html += "<ul class=\"attempts\">\n";
  if (state.failed_attempts_omitted > 0) {
    html += fmt::format("<li class=\"note\">{} earlier failed attempts not listed</li>\n",
                        state.failed_attempts_omitted);
  }
  for (const auto& attempt : state.failed_attempts) {
    html += fmt::format("<li>attempt {} of {} failed: ", attempt.attempt, attempt.max_attempts);
    Escaped(html, attempt.checks);
    if (!attempt.kept_as.empty()) {
      html += " (files: <code>";
      Escaped(html, attempt.kept_as);
      html += "</code>)";
    }
    bool listed = false;
    for (const auto& check : attempt.failed) {
      for (const auto& test : check.failing_tests) {
        html += listed ? "<li><code>" : "<ul><li><code>";
        listed = true;
        Escaped(html, test.id);
        html += "</code>";
        if (!test.message.empty()) {
          html += ": ";
          Escaped(html, test.message);
        }
        html += "</li>";
      }
    }
    if (listed) html += "</ul>";
    html += "</li>\n";
  }
  if (!state.kept_at_failure.empty()) {
    html += "<li>files when it gave up: <code>";
    Escaped(html, state.kept_at_failure);
    html += "</code></li>\n";
  }
  html += "</ul>\n";
}

void AppendChecks(std::string& html, const ReportData& data, const ReportLimits& limits) {
  html += "<section id=\"checks\"><h2>Failed checks</h2>\n";
  bool any = false;
  const size_t shown_instructions = std::min(data.instructions.size(), limits.max_instructions);
  for (size_t i = 0; i < shown_instructions; ++i) {
    const auto& r = data.instructions[i].record;
    if (r.failure.empty() && data.instructions[i].failed_attempts.empty()) continue;
    any = true;
    html += "<p><b>Instruction ";
    Escaped(html, FirstLineOf(r.instruction.id, 40));
    html += "</b> ";
    Escaped(html, data.instructions[i].status);
    html += ":</p>";
    if (!r.failure.empty()) {
      html += "<pre>";
      BoundedText(html, r.failure, limits.max_text_bytes);
      html += "</pre>\n";
    }
    AppendFailedAttempts(html, data.instructions[i]);
  }
  const size_t count = std::min(data.check_reports.size(), limits.max_check_reports);
  const size_t begin = data.check_reports.size() - count;
  const int64_t omitted =
      data.check_reports_omitted + static_cast<int64_t>(data.check_reports.size() - count);
  if (count > 0) {
    any = true;
    html += "<p>The reports the model received after a failed check (newest last):</p>\n";
  }
  if (omitted > 0) {
    html += fmt::format("<p class=\"note\">{} older reports are not shown.</p>\n", omitted);
  }
  for (size_t i = begin; i < data.check_reports.size(); ++i) {
    const auto& report = data.check_reports[i];
    html += data.check_reports.size() - i <= kOpenCheckReports ? "<details open><summary>"
                                                               : "<details><summary>";
    Escaped(html, fmt::format("{} - {} - {} - before call #{}{}",
                              report.instruction_id.empty()
                                  ? std::string("planning")
                                  : "instruction " + FirstLineOf(report.instruction_id, 40),
                              report.tool, FormatUtc(report.time_ms), report.exchange_seq,
                              report.superseded ? " (superseded)" : ""));
    html += "</summary><pre>";
    BoundedText(html, report.text, limits.max_text_bytes);
    html += "</pre></details>\n";
  }
  if (!any) html += "<p class=\"note\">No check failed.</p>\n";
  html += "</section>\n";
}

void AppendFiles(std::string& html, const ReportData& data, const ReportLimits& limits) {
  html += "<section id=\"files\"><h2>Files and their history</h2>\n";
  struct FileRow {
    const filestore::FileInfo* head = nullptr;
    std::vector<const ReportFileChange*> changes;
  };
  std::map<std::string, FileRow> files;
  for (const auto& info : data.head_files) files[info.path].head = &info;
  for (const auto& change : data.file_changes) files[change.path].changes.push_back(&change);
  if (files.empty()) {
    html += "<p class=\"note\">No file committed yet.</p></section>\n";
    return;
  }
  if (data.file_changes_omitted > 0) {
    html += fmt::format(
        "<p class=\"note\">The history shows the last {} changes; {} older ones are left "
        "out.</p>\n",
        data.file_changes.size(), data.file_changes_omitted);
  }
  size_t listed = 0;
  for (const auto& [path, file] : files) {
    if (listed++ >= limits.max_files) break;
    int added = 0, removed = 0;
    for (const auto* change : file.changes) {
      added += change->added.value_or(0);
      removed += change->removed.value_or(0);
    }
    html += "<details><summary><code>";
    Escaped(html, TruncateUtf8(path, 300));
    html += "</code> ";
    std::string facts = file.head
                            ? fmt::format("{} lines, {} bytes", file.head->lines, file.head->size)
                            : std::string("deleted");
    facts +=
        fmt::format("; {}, +{} -{}", Plural(static_cast<int64_t>(file.changes.size()), "change"),
                    added, removed);
    if (!file.changes.empty()) facts += "; last by " + file.changes.back()->author;
    Escaped(html, facts);
    html +=
        "</summary>\n<table><tr><th>commit</th><th>by</th><th>when</th><th>change</th>"
        "<th class=\"n\">+</th><th class=\"n\">-</th></tr>\n";
    const size_t first =
        file.changes.size() > kMaxChangesPerFile ? file.changes.size() - kMaxChangesPerFile : 0;
    for (size_t k = first; k < file.changes.size(); ++k) {
      const ReportFileChange& change = *file.changes[k];
      html += fmt::format("<tr><td>{}</td><td>", change.commit_id);
      Escaped(html, TruncateUtf8(change.author, 80));
      html += "</td><td>" + FormatUtc(change.time_ms) + "</td><td>";
      html += change.deleted ? "deleted" : change.created ? "created" : "modified";
      html += "</td><td class=\"n\">" +
              (change.added ? std::to_string(*change.added) : std::string("?")) +
              "</td><td class=\"n\">" +
              (change.removed ? std::to_string(*change.removed) : std::string("?")) +
              "</td></tr>\n";
    }
    html += "</table>";
    if (first > 0) {
      html += fmt::format("<p class=\"note\">{} earlier changes are not shown.</p>", first);
    }
    html += "</details>\n";
  }
  if (files.size() > limits.max_files) {
    html += fmt::format("<p class=\"note\">The first {} of {} files are listed.</p>\n",
                        limits.max_files, files.size());
  }
  html += "</section>\n";
}

}  // namespace

std::string RenderReportHtml(const ReportData& data, const ReportLimits& limits) {
  std::string html;
  html +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // Nothing may load or run: the page is self-contained, and its text is untrusted.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>l2mac "
      "report: ";
  Escaped(html, TruncateUtf8(data.dir, 200));
  html += "</title>\n<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n<header><h1>l2mac run report</h1><p>";
  Escaped(html, TruncateUtf8(data.dir, 300));
  html += " - generated " + FormatUtc(data.generated_ms) + "</p></header>\n";
  html +=
      "<nav><a href=\"#summary\">Summary</a><a href=\"#program\">Program</a>"
      "<a href=\"#timeline\">Timeline</a><a href=\"#usage\">Tokens and cost</a>"
      "<a href=\"#context\">Context fill</a><a href=\"#checks\">Failed checks</a>"
      "<a href=\"#files\">Files</a></nav>\n<main>\n";
  AppendSummary(html, data, limits);

  html += "<section id=\"program\"><h2>Prompt program</h2>\n<div class=\"graphbox\">\n";
  AppendProgramGraph(html, data, limits);
  html +=
      "</div>\n<p class=\"legend\"><span class=\"swatch\" style=\"background:#34a853\"></span>"
      "committed <span class=\"swatch\" style=\"background:#e5484d\"></span>failed "
      "<span class=\"swatch\" style=\"background:#b0b4ba\"></span>skipped <span "
      "class=\"swatch\" style=\"background:#3b82f6\"></span>running <span class=\"swatch\" "
      "style=\"background:#f0a020\"></span>interrupted <span class=\"swatch\" "
      "style=\"background:#fff;border:1px solid #5f6670\"></span>pending; an arrow points "
      "from a dependency to the instruction that needs it.</p>\n";
  if (!data.instructions.empty()) {
    std::vector<ProgramShapeInput> graph;
    for (const auto& state : data.instructions) {
      graph.push_back({state.record.instruction.id, state.record.instruction.depends_on});
    }
    html += "<p>";
    AppendHtmlEscaped(html, ShapeLine(ShapeOfProgram(graph), data.instructions.size()));
    html += "</p>\n";
  }
  html += "</section>\n";

  html += "<section id=\"timeline\"><h2>Timeline</h2>\n";
  if (static_cast<int64_t>(std::min(data.exchanges.size(), limits.max_exchanges)) <
      data.exchanges_total) {
    html +=
        fmt::format("<p class=\"note\">The last {} of {} model calls.</p>\n",
                    std::min(data.exchanges.size(), limits.max_exchanges), data.exchanges_total);
  }
  AppendTimeline(html, data, limits);
  html += "</section>\n";

  AppendUsage(html, data, limits);

  html +=
      "<section id=\"context\"><h2>Context fill</h2>\n<p class=\"note\">Each call's prompt "
      "against the context window";
  if (data.context_window > 0) html += " of " + FormatCount(data.context_window) + " tokens";
  html +=
      "; the dashed line is where l2mac asks for a summary and restarts the context, the "
      "large orange dots are those summary calls.</p>\n";
  AppendContextFill(html, data, limits);
  html += "</section>\n";

  AppendChecks(html, data, limits);
  AppendFiles(html, data, limits);
  html += "</main>\n</body>\n</html>\n";
  return html;
}

}  // namespace l2mac::control_unit
