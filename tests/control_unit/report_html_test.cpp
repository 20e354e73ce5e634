// The HTML report's renderer and its parts, on data made up here: hostile text from the
// database is escaped, huge inputs give a bounded page, a small program is laid out in
// layers, and the gate reports a model received are found in its recorded requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include <nlohmann/json.hpp>

#include "control_unit/check_reports.hpp"
#include "control_unit/html_text.hpp"
#include "control_unit/program_layout.hpp"
#include "control_unit/report_html.hpp"
#include "core/json_text.hpp"

namespace l2mac::control_unit {
namespace {

size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

InstructionState Record(
    const std::string& id, const std::string& text, std::vector<std::string> depends_on = {},
    registry::InstructionStatus status = registry::InstructionStatus::kCommitted) {
  InstructionState state;
  state.record.instruction = {id, text, std::move(depends_on)};
  state.record.status = status;
  state.status = registry::InstructionStatusName(status);
  return state;
}

ReportData SmallRun() {
  ReportData data;
  data.dir = "/tmp/out";
  data.state = "finished";
  data.provider = "replay of t.jsonl";
  data.context_window = 8000;
  data.context_usable_tokens = 5600;
  data.instructions = {Record("1", "Write a.py"), Record("2", "Write b.py", {"1"}),
                       Record("3", "Write c.py", {"1"}), Record("4", "Join them", {"2", "3"})};
  data.instructions[2].status = "failed";
  data.instructions[3].status = "skipped";
  for (int i = 0; i < 6; ++i) {
    ExchangeSummary call;
    call.seq = i + 1;
    call.purpose = i == 0 ? "plan" : i == 3 ? "summary" : "work";
    call.instruction_id = i == 0 ? "" : std::to_string((i + 1) / 2);
    call.created_ms = 1'700'000'000'000 + 1000 * i;
    call.latency_ms = 400;
    call.estimated_prompt_tokens = 1000 * i;
    data.exchanges.push_back(call);
  }
  data.exchanges_total = 6;
  data.first_activity_ms = 1'700'000'000'000 - 400;
  data.last_activity_ms = 1'700'000'005'000;
  return data;
}

TEST(HtmlTextTest, EscapesMarkupQuotesAndReplacesBytesAPageMayNotHold) {
  EXPECT_EQ(HtmlEscape("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  const std::string replacement = "\xEF\xBF\xBD";
  // Invalid UTF-8 (a lone continuation byte, a cut sequence, an overlong form, a surrogate),
  // NUL, other C0 and C1 controls and DEL become U+FFFD; tab and newline stay.
  EXPECT_EQ(HtmlEscape("a\x80"
                       "b\xE2\x82"
                       "c\xC0\xAF"
                       "d\xED\xA0\x80"),
            "a" + replacement + "b" + replacement + replacement + "c" + replacement + replacement +
                "d" + replacement + replacement + replacement);
  EXPECT_EQ(HtmlEscape(std::string("x\0y\x1b\x7f\xC2\x85z\t\n", 10)),
            "x" + replacement + "y" + replacement + replacement + replacement + "z\t\n");
  // Valid multi-byte text is kept as it is.
  EXPECT_EQ(HtmlEscape("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(ReportHtmlTest, HostileTextFromTheDatabaseIsEscapedEverywhere) {
  ReportData data = SmallRun();
  const std::string hostile = "<script>alert(\"pwned\")</script><img src=x onerror='alert(1)'>";
  data.dir = "/tmp/" + hostile;
  data.provider = hostile;
  data.model = hostile;
  data.task = hostile;
  data.state = hostile;
  data.instructions[0].record.instruction.id = "1\"><script>x()</script>";
  data.instructions[0].record.instruction.text = hostile;
  data.instructions[1].record.failure = "</pre>" + hostile;
  data.exchanges[1].purpose = hostile;
  data.exchanges[1].instruction_id = hostile;
  data.check_reports.push_back({"2", 3, 1'700'000'001'000, "step_complete<b>", hostile, false});
  data.head_files.push_back({hostile + ".py", 10, 2, "abc"});
  ReportFileChange change;
  change.commit_id = 1;
  change.author = hostile;
  change.path = hostile + ".py";
  change.added = 2;
  change.removed = 0;
  data.file_changes.push_back(change);
  FailedAttempt attempt;
  attempt.attempt = 1;
  attempt.max_attempts = 4;
  attempt.checks = hostile;
  attempt.kept_as = hostile;
  attempt.failed.push_back({"pytest", "failed", "1 failed", {{hostile, hostile, hostile}}});
  data.instructions[2].failed_attempts.push_back(attempt);
  data.instructions[2].kept_at_failure = hostile;

  const std::string html = RenderReportHtml(data);
  const std::string lower = Lower(html);
  EXPECT_EQ(lower.find("<script"), std::string::npos);
  EXPECT_EQ(lower.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;/pre&gt;&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(Count(html, "<pre>"), Count(html, "</pre>")) << "a text closed its <pre>";
  EXPECT_EQ(html.find("onerror='"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("onerror=&#39;alert(1)&#39;"), std::string::npos);
  // Nothing is loaded from anywhere, and no script may run.
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(lower.find("src=\""), std::string::npos);
  EXPECT_EQ(lower.find("http://"), std::string::npos);
  EXPECT_EQ(lower.find("https://"), std::string::npos);
}

TEST(ReportHtmlTest, AHugeRunGivesABoundedPage) {
  ReportData data;
  data.dir = "/tmp/big";
  data.state = "finished";
  data.context_window = 128000;
  data.task = std::string(3 << 20, 't');
  for (int i = 0; i < 20000; ++i) {
    data.instructions.push_back(Record(
        std::to_string(i), std::string(2000, 'x'),
        i > 0 ? std::vector<std::string>{std::to_string(i - 1)} : std::vector<std::string>{}));
  }
  data.instructions[5].record.failure = std::string(5 << 20, 'f');
  for (int i = 0; i < 100000; ++i) {
    ExchangeSummary call;
    call.seq = i + 1;
    call.purpose = "work";
    call.instruction_id = std::to_string(i % 20000);
    call.created_ms = 1'700'000'000'000 + 100 * i;
    call.latency_ms = 50;
    call.estimated_prompt_tokens = i % 120000;
    data.exchanges.push_back(call);
  }
  data.exchanges_total = 100000;
  for (int i = 0; i < 3000; ++i) {
    data.check_reports.push_back({std::to_string(i), i + 1, 1'700'000'000'000 + i, "step_complete",
                                  std::string(20000, 'r'), false});
  }
  for (int i = 0; i < 50000; ++i) {
    const std::string path = "src/file_" + std::to_string(i % 10000) + ".py";
    if (i < 10000) data.head_files.push_back({path, 100, 10, "h"});
    ReportFileChange change;
    change.commit_id = i + 1;
    change.author = "instruction " + std::to_string(i % 20000);
    change.path = path;
    change.added = 1;
    change.removed = 1;
    data.file_changes.push_back(change);
  }

  const ReportLimits limits;
  const std::string html = RenderReportHtml(data, limits);
  EXPECT_LT(html.size(), size_t{12} << 20) << "the page grew with the run";
  EXPECT_EQ(html.find(std::string(limits.max_text_bytes + 1, 'f')), std::string::npos);
  EXPECT_EQ(html.find(std::string(limits.max_text_bytes + 1, 'r')), std::string::npos);
  EXPECT_EQ(html.find(std::string(limits.max_text_bytes + 1, 't')), std::string::npos);
  EXPECT_NE(html.find("more bytes not shown"), std::string::npos);
  EXPECT_NE(html.find("The graph shows the first 300 of 20000 instructions"), std::string::npos);
  EXPECT_NE(html.find("The last 2000 of 100000 model calls"), std::string::npos);
  EXPECT_NE(html.find("2800 older reports are not shown"), std::string::npos);
  EXPECT_NE(html.find("The first 2000 of 10000 files are listed"), std::string::npos);
  EXPECT_EQ(Count(html, "class=\"node\""), limits.max_graph_nodes);
  // Closed properly: the page ends as it began.
  EXPECT_EQ(html.substr(html.size() - 8), "</html>\n");
}

TEST(ReportHtmlTest, EachFailedAttemptShowsItsFailingTestsAndTheBranchWithItsFiles) {
  ReportData data = SmallRun();
  data.instructions[2].record.failure = "the checks still failed after 2 attempts";
  FailedAttempt first;
  first.attempt = 1;
  first.max_attempts = 2;
  first.checks = "pytest: failed (1 failed, 2 passed)";
  first.kept_as = "attempt/3/1";
  first.failed.push_back({"pytest",
                          "failed",
                          "1 failed, 2 passed",
                          {{"tests/test_c.py::test_sum", "tests/test_c.py", "assert 3 == 4"}}});
  FailedAttempt second = first;
  second.attempt = 2;
  second.kept_as = "attempt/3/2";
  second.failed[0].failing_tests[0].message = "AssertionError: assert 5 == 4";
  data.instructions[2].failed_attempts = {first, second};
  data.instructions[2].failed_attempts_omitted = 3;

  const std::string html = RenderReportHtml(data);
  EXPECT_NE(html.find("attempt 1 of 2 failed: pytest: failed (1 failed, 2 passed) (files: "
                      "<code>attempt/3/1</code>)"),
            std::string::npos);
  EXPECT_NE(html.find("<code>tests/test_c.py::test_sum</code>: assert 3 == 4"), std::string::npos);
  EXPECT_NE(html.find("<code>tests/test_c.py::test_sum</code>: AssertionError: assert 5 == 4"),
            std::string::npos);
  EXPECT_NE(html.find("<code>attempt/3/2</code>"), std::string::npos);
  EXPECT_NE(html.find("3 earlier failed attempts not listed"), std::string::npos);
  EXPECT_EQ(Count(html, "<ul class=\"attempts\">"), 1u);
}

TEST(ReportHtmlTest, TheProgramGraphHasANodePerInstructionAndAnEdgePerDependency) {
  const std::string html = RenderReportHtml(SmallRun());
  EXPECT_EQ(Count(html, "<g class=\"node\">"), 4u);
  EXPECT_EQ(Count(html, "class=\"edge\""), 4u);
  // Coloured by status: two committed, one failed, one skipped.
  EXPECT_EQ(Count(html, "fill=\"#34a853\" stroke"), 2u);
  EXPECT_EQ(Count(html, "fill=\"#e5484d\" stroke"), 1u);
  EXPECT_EQ(Count(html, "fill=\"#b0b4ba\" stroke"), 1u);
  // Under the graph, its critical path and width (a diamond).
  EXPECT_NE(html.find("<p>critical path: 3 of 4 instructions (1 → 2 → 4); up to 2 at once</p>"),
            std::string::npos);
  // The summary call is marked as a context restart in the fill chart.
  EXPECT_NE(html.find("the context was full: summary, restart"), std::string::npos);
  EXPECT_NE(html.find("class=\"threshold\""), std::string::npos);
}

TEST(ProgramLayoutTest, LayersFollowTheLongestDependencyChain) {
  const LayoutGeometry geometry;
  ProgramLayout layout = LayOutProgram(
      {{"1", {}}, {"2", {"1"}}, {"3", {"1"}}, {"4", {"2", "3"}}, {"5", {"1", "4"}}}, geometry);
  ASSERT_EQ(layout.places.size(), 5u);
  EXPECT_EQ(layout.places[0].layer, 0u);
  EXPECT_EQ(layout.places[1].layer, 1u);
  EXPECT_EQ(layout.places[2].layer, 1u);
  EXPECT_EQ(layout.places[3].layer, 2u);
  EXPECT_EQ(layout.places[4].layer, 3u);  // below 4, not beside 2
  EXPECT_EQ(layout.places[1].y, layout.places[2].y);
  EXPECT_NE(layout.places[1].x, layout.places[2].x);
  EXPECT_LT(layout.places[0].y, layout.places[1].y);
  EXPECT_LT(layout.places[3].y, layout.places[4].y);
  EXPECT_EQ(layout.edges.size(), 6u);
  EXPECT_EQ(layout.dropped_edges, 0u);
  // Every box inside the drawing.
  for (const auto& place : layout.places) {
    EXPECT_GE(place.x, 0);
    EXPECT_LE(place.x + geometry.node_width, layout.width);
    EXPECT_LE(place.y + geometry.node_height, layout.height);
  }
}

TEST(ProgramLayoutTest, UnknownAndLaterDependenciesAreDroppedSoACycleCannotLoop) {
  ProgramLayout layout = LayOutProgram({{"a", {"b"}}, {"b", {"a"}}, {"c", {"nowhere", "c"}}});
  EXPECT_EQ(layout.dropped_edges, 3u);  // a->b (later), nowhere, c on itself
  EXPECT_EQ(layout.edges.size(), 1u);   // b after a
  EXPECT_EQ(layout.places[1].layer, 1u);
}

TEST(ProgramLayoutTest, AWideLayerWrapsOntoRows) {
  std::vector<LayoutInput> nodes = {{"root", {}}};
  for (int i = 0; i < 13; ++i) nodes.push_back({"leaf" + std::to_string(i), {"root"}});
  LayoutGeometry geometry;
  geometry.max_per_row = 6;
  ProgramLayout layout = LayOutProgram(nodes, geometry);
  double max_x = 0;
  for (const auto& place : layout.places) max_x = std::max(max_x, place.x + geometry.node_width);
  EXPECT_LE(max_x, layout.width);
  EXPECT_LE(layout.width, 2 * geometry.margin + 6 * (geometry.node_width + geometry.gap_x));
  // Root, then three rows of leaves (6, 6, 1).
  EXPECT_DOUBLE_EQ(layout.places[13].y,
                   geometry.margin + 3 * (geometry.node_height + geometry.gap_y));
}

std::string ToolMessage(const std::string& id, const nlohmann::json& result) {
  return DumpJson({{"role", "tool"}, {"tool_call_id", id}, {"content", DumpJson(result)}});
}

TEST(CheckReportsTest, TheTrailingFailedGateResultsOfARequestAreFound) {
  nlohmann::json calls =
      nlohmann::json::array({{{"id", "c1"},
                              {"type", "function"},
                              {"function", {{"name", "run_tests"}, {"arguments", "{}"}}}},
                             {{"id", "c2"},
                              {"type", "function"},
                              {"function", {{"name", "step_complete"}, {"arguments", "{}"}}}}});
  nlohmann::json old_failure = {
      {"ok", false}, {"error", "checks failed"}, {"failures", "OLD failure, already reported"}};
  nlohmann::json request = {
      {"messages",
       {{{"role", "user"}, {"content", "task"}},
        {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {calls[1]}}},
        nlohmann::json::parse(ToolMessage("c2", old_failure)),
        {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", calls}},
        nlohmann::json::parse(ToolMessage(
            "c1", {{"ok", true}, {"passed", false}, {"failures", "test_x failed: 2 != 3"}})),
        nlohmann::json::parse(ToolMessage(
            "c2", {{"ok", false}, {"error", "checks failed"}, {"failures", "pytest: failed"}}))}},
      {"tools", {"run_tests", "step_complete"}}};
  const std::string text = DumpJson(request);
  EXPECT_NE(text.find(kFailedCheckMarker), std::string::npos);

  auto reports = FailedChecksInRequest(text);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].tool, "run_tests");
  EXPECT_EQ(reports[0].text, "test_x failed: 2 != 3");
  EXPECT_EQ(reports[1].tool, "step_complete");
  EXPECT_EQ(reports[1].text, "pytest: failed");
}

TEST(CheckReportsTest, PassingResultsAndTextThatIsNoRequestYieldNothing) {
  nlohmann::json request = {
      {"messages",
       {{{"role", "assistant"},
         {"content", nullptr},
         {"tool_calls",
          {{{"id", "c1"},
            {"type", "function"},
            {"function", {{"name", "run_tests"}, {"arguments", "{}"}}}}}}},
        nlohmann::json::parse(ToolMessage("c1", {{"ok", true}, {"passed", true}}))}}};
  EXPECT_TRUE(FailedChecksInRequest(DumpJson(request)).empty());
  EXPECT_TRUE(FailedChecksInRequest("not json").empty());
  EXPECT_TRUE(FailedChecksInRequest("[1, 2]").empty());
  EXPECT_TRUE(FailedChecksInRequest(std::string(100000, '[')).empty());
}

}  // namespace
}  // namespace l2mac::control_unit
