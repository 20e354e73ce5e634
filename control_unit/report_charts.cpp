#include "control_unit/report_charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "control_unit/html_text.hpp"
#include "control_unit/program_layout.hpp"
#include "control_unit/report_format.hpp"

namespace l2mac::control_unit {
namespace {

constexpr double kChartWidth = 1100;

std::string Num(double value) { return FormatNumber(value, 1); }

const char* PurposeColor(std::string_view purpose) {
  if (purpose == "plan") return "#8b5cf6";
  if (purpose == "summary") return "#f59e0b";
  return "#3b82f6";  // work
}

// The last `limits.max_exchanges` exchanges of the data (the gatherer already bounds
// them; a renderer given more still draws a bounded chart).
std::pair<size_t, size_t> ShownExchanges(const ReportData& data, const ReportLimits& limits) {
  const size_t count = std::min(data.exchanges.size(), limits.max_exchanges);
  return {data.exchanges.size() - count, data.exchanges.size()};
}

std::string InstructionLabel(const std::string& id) {
  return id.empty() ? std::string("planning") : "instruction " + id;
}

}  // namespace

void AppendProgramGraph(std::string& html, const ReportData& data, const ReportLimits& limits) {
  if (data.instructions.empty()) {
    html += "<p class=\"note\">No prompt program yet (planning did not finish).</p>\n";
    return;
  }
  const size_t shown = std::min(data.instructions.size(), limits.max_graph_nodes);
  std::vector<LayoutInput> nodes;
  for (size_t i = 0; i < shown; ++i) {
    const auto& instruction = data.instructions[i].record.instruction;
    nodes.push_back({instruction.id, instruction.depends_on});
  }
  const LayoutGeometry geometry;
  const ProgramLayout layout = LayOutProgram(nodes, geometry);
  html += fmt::format(
      "<svg class=\"graph\" role=\"img\" aria-label=\"prompt program\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\">\n",
      Num(layout.width), Num(layout.height), Num(layout.width), Num(layout.height));
  html +=
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
      "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
      "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#7a808a\"/></marker></defs>\n";
  for (const auto& [from, to] : layout.edges) {
    const auto& a = layout.places[from];
    const auto& b = layout.places[to];
    const double x1 = a.x + geometry.node_width / 2, y1 = a.y + geometry.node_height;
    const double x2 = b.x + geometry.node_width / 2, y2 = b.y;
    const double bend = std::max(12.0, (y2 - y1) / 2);
    html += fmt::format(
        "<path class=\"edge\" d=\"M{},{} C{},{} {},{} {},{}\" marker-end=\"url(#arrow)\"/>\n",
        Num(x1), Num(y1), Num(x1), Num(y1 + bend), Num(x2), Num(y2 - bend), Num(x2), Num(y2));
  }
  for (size_t i = 0; i < shown; ++i) {
    const auto& record = data.instructions[i].record;
    const std::string& status = data.instructions[i].status;
    const auto& place = layout.places[i];
    html += "<g class=\"node\"><title>";
    AppendHtmlEscaped(html, record.instruction.id + " (" + status +
                                "): " + FirstLineOf(record.instruction.text, 400));
    html += "</title>";
    html += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"5\" fill=\"{}\" "
        "stroke=\"#5f6670\"/>",
        Num(place.x), Num(place.y), Num(geometry.node_width), Num(geometry.node_height),
        StatusColor(status));
    html += fmt::format("<text x=\"{}\" y=\"{}\"><tspan class=\"id\">", Num(place.x + 7),
                        Num(place.y + 19));
    AppendHtmlEscaped(html, FirstLineOf(record.instruction.id, 12));
    html += "</tspan> ";
    AppendHtmlEscaped(html, FirstLineOf(record.instruction.text, 18));
    html += "</text></g>\n";
  }
  html += "</svg>\n";
  if (shown < data.instructions.size()) {
    html += fmt::format("<p class=\"note\">The graph shows the first {} of {} instructions.</p>\n",
                        shown, data.instructions.size());
  }
  if (layout.dropped_edges > 0) {
    html += fmt::format(
        "<p class=\"note\">{} dependencies on instructions not drawn before them are left "
        "out.</p>\n",
        layout.dropped_edges);
  }
}

void AppendTimeline(std::string& html, const ReportData& data, const ReportLimits& limits) {
  const auto [begin, end] = ShownExchanges(data, limits);
  if (begin == end) {
    html += "<p class=\"note\">No model calls recorded yet.</p>\n";
    return;
  }
  // Rows: planning, then the instructions in program order, then ids the program lacks.
  std::vector<std::string> rows;
  std::map<std::string, size_t> row_of;
  std::set<std::string> present;
  for (size_t i = begin; i < end; ++i) present.insert(data.exchanges[i].instruction_id);
  auto add_row = [&](const std::string& id) {
    if (present.count(id) != 0 && row_of.emplace(id, rows.size()).second) rows.push_back(id);
  };
  add_row("");
  for (const auto& state : data.instructions) add_row(state.record.instruction.id);
  for (size_t i = begin; i < end; ++i) add_row(data.exchanges[i].instruction_id);

  int64_t t0 = data.exchanges[begin].created_ms - data.exchanges[begin].latency_ms;
  int64_t t1 = data.exchanges[begin].created_ms;
  for (size_t i = begin; i < end; ++i) {
    t0 = std::min(t0, data.exchanges[i].created_ms - data.exchanges[i].latency_ms);
    t1 = std::max(t1, data.exchanges[i].created_ms);
  }
  const double span = static_cast<double>(std::max<int64_t>(t1 - t0, 1));
  const double left = 120, right = 40, top = 26, row_height = 18;  // room for the last tick
  const double plot = kChartWidth - left - right;
  const double height = top + row_height * static_cast<double>(rows.size()) + 8;
  auto x_of = [&](int64_t ms) {
    return left + plot * std::clamp(static_cast<double>(ms - t0) / span, 0.0, 1.0);
  };
  auto y_of = [&](const std::string& id) {
    return top + row_height * static_cast<double>(row_of[id]);
  };

  html += fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"timeline\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\">\n",
      Num(kChartWidth), Num(height), Num(kChartWidth), Num(height));
  for (int tick = 0; tick <= 5; ++tick) {
    const double x = left + plot * tick / 5.0;
    html += fmt::format(
        "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
        "<text class=\"axis\" x=\"{0}\" y=\"14\" text-anchor=\"middle\">+{3}</text>\n",
        Num(x), Num(top - 4), Num(height - 4),
        FormatDuration(static_cast<int64_t>(span * tick / 5.0)));
  }
  // With --parallel each instruction's row names its lane: overlapping bars are lanes.
  std::map<std::string, int> lane_of;
  for (const auto& state : data.instructions) {
    if (state.lane > 0) lane_of[state.record.instruction.id] = state.lane;
  }
  for (const auto& id : rows) {
    const double y = y_of(id);
    html += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">",
                        Num(left - 6), Num(y + 12));
    const auto lane = lane_of.find(id);
    AppendHtmlEscaped(html, lane == lane_of.end() ? FirstLineOf(InstructionLabel(id), 24)
                                                  : FirstLineOf(InstructionLabel(id), 16) +
                                                        fmt::format(" · lane {}", lane->second));
    html += "</text>\n";
  }
  for (size_t i = begin; i < end; ++i) {
    const auto& call = data.exchanges[i];
    const double x = x_of(call.created_ms - call.latency_ms);
    const double width = std::max(2.0, x_of(call.created_ms) - x);
    html += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"11\" rx=\"2\" fill=\"{}\"{}><title>", Num(x),
        Num(y_of(call.instruction_id) + 3), Num(width), PurposeColor(call.purpose),
        call.superseded ? " fill-opacity=\"0.35\"" : "");
    AppendHtmlEscaped(
        html, fmt::format("call #{} ({}{}), {}: {}, {} prompt + {} completion tokens, {}", call.seq,
                          call.purpose, call.superseded ? ", superseded" : "",
                          InstructionLabel(call.instruction_id), FormatDuration(call.latency_ms),
                          FormatCount(call.prompt_tokens), FormatCount(call.completion_tokens),
                          FormatCost(call.cost_microusd)));
    html += "</title></rect>\n";
  }
  for (const auto& check : data.check_reports) {
    if (row_of.count(check.instruction_id) == 0 || check.time_ms < t0) continue;
    const double x = x_of(check.time_ms), y = y_of(check.instruction_id) + 8;
    html += fmt::format("<path class=\"failmark\" d=\"M{},{} l5,-7 l5,7 l-5,7 z\"><title>",
                        Num(x - 5), Num(y));
    AppendHtmlEscaped(
        html, "failed check (" + check.tool + "), " + InstructionLabel(check.instruction_id));
    html += "</title></path>\n";
  }
  std::set<int64_t> commits;
  for (const auto& change : data.file_changes) {
    const std::string prefix = "instruction ";
    if (change.author.rfind(prefix, 0) != 0 || !commits.insert(change.commit_id).second) continue;
    const std::string id = change.author.substr(prefix.size());
    if (row_of.count(id) == 0 || change.time_ms < t0 || change.time_ms > t1) continue;
    const double x = x_of(change.time_ms), y = y_of(id);
    html += fmt::format(
        "<line class=\"commitmark\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"><title>", Num(x),
        Num(y + 1), Num(y + 17));
    AppendHtmlEscaped(html, fmt::format("commit {} ({})", change.commit_id, change.author));
    html += "</title></line>\n";
  }
  html += "</svg>\n";
  html +=
      "<p class=\"legend\"><span class=\"swatch\" style=\"background:#8b5cf6\"></span>planning "
      "call <span class=\"swatch\" style=\"background:#3b82f6\"></span>work call "
      "<span class=\"swatch\" style=\"background:#f59e0b\"></span>summary call (context "
      "restart) <span class=\"swatch\" style=\"background:#e5484d\"></span>failed check "
      "<span class=\"swatch\" style=\"background:#1e7d3a\"></span>commit; faded: superseded "
      "(redone after a resume)</p>\n";
}

void AppendContextFill(std::string& html, const ReportData& data, const ReportLimits& limits) {
  const auto [begin, end] = ShownExchanges(data, limits);
  if (begin == end) {
    html += "<p class=\"note\">No model calls recorded yet.</p>\n";
    return;
  }
  if (data.context_window <= 0) {
    html +=
        "<p class=\"note\">The run's context window is not stored, so the fill cannot be "
        "drawn.</p>\n";
    return;
  }
  const double window = static_cast<double>(data.context_window);
  auto fill_of = [&](const ExchangeSummary& call) {
    const int64_t tokens =
        call.estimated_prompt_tokens > 0 ? call.estimated_prompt_tokens : call.prompt_tokens;
    return 100.0 * static_cast<double>(tokens) / window;
  };
  double top_percent = 100;
  for (size_t i = begin; i < end; ++i)
    top_percent = std::max(top_percent, fill_of(data.exchanges[i]));
  top_percent = std::min(top_percent, 200.0);
  const double left = 48, right = 16, top = 10, plot_height = 220, bottom = 24;
  const double plot = kChartWidth - left - right;
  const double height = top + plot_height + bottom;
  const size_t count = end - begin;
  auto x_of = [&](size_t k) {
    return left +
           (count == 1 ? plot / 2 : plot * static_cast<double>(k) / static_cast<double>(count - 1));
  };
  auto y_of = [&](double percent) {
    return top + plot_height * (1.0 - std::clamp(percent, 0.0, top_percent) / top_percent);
  };

  html += fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"context fill\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\">\n",
      Num(kChartWidth), Num(height), Num(kChartWidth), Num(height));
  for (int percent = 0; percent <= static_cast<int>(top_percent); percent += 25) {
    const double y = y_of(percent);
    html += fmt::format(
        "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>"
        "<text class=\"axis\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5}%</text>\n",
        Num(left), Num(y), Num(kChartWidth - right), Num(left - 6), Num(y + 4), percent);
  }
  if (data.context_usable_tokens > 0) {
    const double y = y_of(100.0 * static_cast<double>(data.context_usable_tokens) / window);
    html += fmt::format(
        "<line class=\"threshold\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"><title>restart "
        "threshold: {3} of {4} tokens</title></line>\n",
        Num(left), Num(y), Num(kChartWidth - right), FormatCount(data.context_usable_tokens),
        FormatCount(data.context_window));
  }
  // One line per run of consecutive calls in the same context: a new instruction or a
  // restart breaks it.
  std::string points;
  auto flush = [&]() {
    if (points.find(' ') != std::string::npos) {
      html += "<polyline class=\"fill\" points=\"" + points + "\"/>\n";
    }
    points.clear();
  };
  for (size_t k = 0; k < count; ++k) {
    const auto& call = data.exchanges[begin + k];
    if (k > 0 && (call.instruction_id != data.exchanges[begin + k - 1].instruction_id ||
                  data.exchanges[begin + k - 1].purpose == "summary")) {
      flush();
    }
    if (!points.empty()) points += ' ';
    points += Num(x_of(k)) + "," + Num(y_of(fill_of(call)));
  }
  flush();
  for (size_t k = 0; k < count; ++k) {
    const auto& call = data.exchanges[begin + k];
    const bool restart = call.purpose == "summary";
    html += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"><title>", Num(x_of(k)),
                        Num(y_of(fill_of(call))), restart ? 5 : 2.5,
                        restart ? "#f59e0b" : PurposeColor(call.purpose));
    AppendHtmlEscaped(
        html, fmt::format("call #{} ({}), {}: {:.0f}% of the window{}", call.seq, call.purpose,
                          InstructionLabel(call.instruction_id), fill_of(call),
                          restart ? "; the context was full: summary, restart" : ""));
    html += "</title></circle>\n";
  }
  html += "</svg>\n";
}

}  // namespace l2mac::control_unit
