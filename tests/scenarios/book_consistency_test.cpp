// The book domain's judge, end to end with the real binary: the planner turns the outline
// into requirements, writers write the chapters, and the judge scores the requirements and
// checks the chapters against each other. A name spelled two ways is reported with the
// places it shows (path:line), becomes a follow-up instruction, and the next round finds it
// fixed; with no round left it leaves the run's requirements unmet. The simulated judge
// decides from what it reads in the store, so a fix that did not happen would be seen.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "tests/scenarios/json_schema_subset.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kOutline =
    "A two-chapter novella about a lighthouse keeper.\n\n"
    "- C1: Chapter 1 introduces the keeper, Mara Venn, and the failing lamp.\n"
    "- C2: Chapter 2: the storm; Mara Venn climbs the stairs to relight the lamp.\n";

constexpr const char* kChapterOne =
    "# The Keeper\n\nMara Venn counts the ships that never arrive.\n\n"
    "The lamp above her flickers every night now.\n";
constexpr const char* kChapterTwo =
    "# The Storm\n\nOn the third night the lamp fails.\n\n"
    "Mara Fenn climbs the stairs with a lantern in her teeth.\n";

// Runs the book's checks, then scores C1 and C2 by whether their chapter names the keeper,
// and reports every surname the keeper goes by beyond the first chapter's as an
// inconsistency citing each place. `cite_missing_first`: the first verdict cites a chapter
// that does not exist (which l2mac must refuse), the next one is right.
sim::SimReply JudgeByNames(const ModelRequest& request, bool cite_missing_first) {
  const int turn = request.AssistantTurns();
  if (turn == 0) return Tool("run_tests", json::object())(request);
  if (turn == 1) {
    return Tool("search_files", {{"pattern", "Mara [A-Z][a-z]+"}, {"regex", true}})(request);
  }
  json found;
  for (const auto& result : request.ToolResults()) {
    if (result.contains("matches")) found = result;  // the search's, whatever came after
  }
  std::map<std::string, std::string> evidence;             // chapter -> its first place
  std::map<std::string, std::vector<std::string>> places;  // surname -> path:line
  std::vector<std::string> order;                          // surnames, first seen first
  for (const auto& match : found.value("matches", json::array())) {
    const std::string path = match.value("path", "");
    const std::string place = path + ":" + std::to_string(match.value("line", 0));
    const std::string text = match.value("text", "");
    const size_t at = text.find("Mara ");
    if (at == std::string::npos) continue;
    size_t end = at + 5;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    const std::string surname = text.substr(at + 5, end - at - 5);
    if (!places.count(surname)) order.push_back(surname);
    places[surname].push_back(place);
    evidence.emplace(path, place);
  }
  json requirements = json::array();
  for (const auto& [id, chapter] : std::map<std::string, std::string>{
           {"C1", "chapters/01-keeper.md"}, {"C2", "chapters/02-storm.md"}}) {
    const bool met = evidence.count(chapter) > 0;
    requirements.push_back({{"id", id},
                            {"score", met ? "implemented" : "missing"},
                            {"evidence", met ? evidence[chapter] + " names the keeper"
                                             : "no chapter names the keeper in " + chapter}});
  }
  json inconsistencies = json::array();
  for (size_t k = 1; k < order.size(); ++k) {
    std::string cited;
    for (const auto& surname : {order[0], order[k]}) {
      for (const auto& place : places[surname]) cited += (cited.empty() ? "" : "; ") + place;
    }
    if (cite_missing_first && turn == 2) cited += "; chapters/03-epilogue.md:2";
    inconsistencies.push_back(
        {{"what", "The keeper is Mara " + order[0] + " in " + places[order[0]][0] + " but Mara " +
                      order[k] + " elsewhere; Mara " + order[0] + " (the outline's) stands."},
         {"evidence", cited}});
  }
  return Tool("submit_verdict",
              {{"requirements", requirements}, {"inconsistencies", inconsistencies}})(request);
}

ScriptedModel Novella(bool cite_missing_first = false) {
  ScriptedModel model;
  model.plan = {
      {"requirements",
       json::array({{{"id", "C1"}, {"text", "Chapter 1 introduces Mara Venn and the lamp."}},
                    {{"id", "C2"}, {"text", "Chapter 2: Mara Venn relights the lamp."}}})},
      {"instructions",
       json::array({{{"id", "1"},
                     {"text", "Write chapters/01-keeper.md: the keeper and the lamp."},
                     {"covers", {"C1"}}},
                    {{"id", "2"},
                     {"text", "Write chapters/02-storm.md: the storm."},
                     {"covers", {"C2"}},
                     {"depends_on", {"1"}}}})}};
  model.instructions["1"].turns = {WriteFile("chapters/01-keeper.md", kChapterOne),
                                   StepComplete("Chapter 1: Mara Venn and the lamp.")};
  model.instructions["2"].turns = {WriteFile("chapters/02-storm.md", kChapterTwo),
                                   StepComplete("Chapter 2: the storm.")};
  model.instructions["judge1-consistency-1"].turns = {
      EditFile("chapters/02-storm.md", "Mara Fenn", "Mara Venn"),
      StepComplete("The keeper is Mara Venn in chapter 2 too.")};
  model.judge = [cite_missing_first](const ModelRequest& request) {
    return JudgeByNames(request, cite_missing_first);
  };
  return model;
}

std::vector<json> EventsOf(const std::string& out) {
  std::vector<json> events;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    json event = json::parse(line, nullptr, false);
    if (!event.is_discarded() && event.contains("type")) events.push_back(std::move(event));
  }
  return events;
}

TEST(BookConsistencyScenario, ANameSpelledTwoWaysIsReportedWithItsPlacesAndFixedByAFollowUp) {
  ScenarioHarness harness("book-consistency", kOutline);
  harness.Serve(Novella());
  ProcessOutcome run = harness.Run({"--domain", "book", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  // The book planner was asked for requirements from the outline; the writers were given
  // the book's requirement text, not the codebase's test-naming convention.
  bool planner_seen = false, writer_seen = false;
  std::set<std::string> judge_tools;
  for (const auto& body : harness.requests()) {
    ModelRequest request(body);
    if (request.IsPlanner()) {
      planner_seen = true;
      EXPECT_TRUE(request.Contains("extracting the requirements of the task from its outline"));
    } else if (request.IsJudge()) {
      EXPECT_TRUE(request.Contains("check consistency across the chapters"));
      for (const auto& tool : body["tools"]) {
        if (tool["function"]["name"] == "submit_verdict") {
          EXPECT_TRUE(tool["function"]["parameters"]["properties"].contains("inconsistencies"));
        }
        judge_tools.insert(tool["function"]["name"].get<std::string>());
      }
    } else if (request.InstructionId() == "1" && !writer_seen) {
      writer_seen = true;
      EXPECT_TRUE(request.Contains("parts of the outline your text must fulfil"));
      EXPECT_FALSE(request.Contains("Name the requirements each of your tests covers"));
    }
  }
  EXPECT_TRUE(planner_seen);
  EXPECT_TRUE(writer_seen);
  EXPECT_TRUE(judge_tools.count("search_files"));
  // The judge's run_tests ran the book checks on every chapter at the head, and they passed.
  int checked = 0;
  for (const auto& body : harness.requests()) {
    ModelRequest request(body);
    if (!request.IsJudge() || request.AssistantTurns() != 1) continue;
    const json result = request.LastToolResult().value_or(json());
    EXPECT_EQ(result.value("passed", false), true) << result.dump();
    ++checked;
  }
  EXPECT_EQ(checked, 2);

  // The follow-up writer got the judge's words and places.
  auto follow_up = RequestsFor(harness.requests(), "judge1-consistency-1");
  ASSERT_FALSE(follow_up.empty());
  EXPECT_TRUE(follow_up[0].Contains(
      "--- quoted from the judge ---\nThe keeper is Mara Venn in chapters/01-keeper.md:3"));
  EXPECT_TRUE(follow_up[0].Contains("chapters/02-storm.md:5"));

  // Round 1 found the inconsistency, round 2 found none; the chapter was fixed on disk.
  json status = StatusJson(harness.out());
  const json& rounds = status["judge"]["rounds"];
  ASSERT_EQ(rounds.size(), 2u) << status.dump(2);
  ASSERT_EQ(rounds[0]["inconsistencies"].size(), 1u) << rounds.dump(2);
  EXPECT_EQ(rounds[0]["inconsistencies"][0]["evidence"],
            "chapters/01-keeper.md:3; chapters/02-storm.md:5");
  EXPECT_EQ(rounds[0]["appended"], json::array({"judge1-consistency-1"}));
  EXPECT_DOUBLE_EQ(rounds[0]["features_pct"].get<double>(), 100.0);
  EXPECT_FALSE(rounds[1].contains("inconsistencies")) << rounds[1].dump(2);
  EXPECT_EQ(status["judge"]["inconsistency_count"], 0);
  EXPECT_EQ(StatusOf(status, "judge1-consistency-1").value("status", ""), "committed");
  const std::string chapter_two = ReadText(harness.out() / "chapters/02-storm.md");
  EXPECT_NE(chapter_two.find("Mara Venn climbs"), std::string::npos) << chapter_two;
  EXPECT_EQ(chapter_two.find("Fenn"), std::string::npos) << chapter_two;

  // The events say so, and are valid against the published schema.
  json schema = json::parse(ReadText(std::filesystem::path(kSourceDir) / "docs/events.schema.json"),
                            nullptr, false);
  SchemaSubsetValidator validator(schema);
  std::vector<json> verdicts;
  json finished;
  for (const auto& event : EventsOf(run.out)) {
    auto errors = validator.Validate(event);
    EXPECT_TRUE(errors.empty()) << event.dump() << (errors.empty() ? "" : errors[0]);
    if (event["type"] == "judge_verdict") verdicts.push_back(event);
    if (event["type"] == "run_finished") finished = event;
  }
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[0]["inconsistencies"].size(), 1u);
  EXPECT_EQ(verdicts[1]["inconsistencies"], json::array());
  EXPECT_EQ(finished.value("outcome", ""), "completed") << finished.dump();
  EXPECT_EQ(finished.value("inconsistency_count", -1), 0) << finished.dump();
}

TEST(BookConsistencyScenario, AnInconsistencyLeftAtTheEndLeavesTheRequirementsUnmet) {
  ScenarioHarness harness("book-consistency-unmet", kOutline);
  harness.Serve(Novella(/*cite_missing_first=*/true));
  ProcessOutcome run = harness.Run({"--domain", "book", "--max-rounds", "0"});
  ASSERT_EQ(run.exit_code, 5) << run.Describe();
  EXPECT_NE(run.err.find("every requirement is met, but the judge found 1 inconsistency between "
                         "chapters, first: The keeper is Mara Venn"),
            std::string::npos)
      << run.err;

  // The first verdict cited a chapter that is not in the store: refused back to the judge,
  // whose corrected verdict was stored.
  bool refused = false;
  for (const auto& body : harness.requests()) {
    ModelRequest request(body);
    if (request.IsJudge() && request.AssistantTurns() == 3) {
      refused = request.LastToolResult().value_or(json()).dump().find(
                    "chapters/03-epilogue.md, which is not in the store") != std::string::npos;
    }
  }
  EXPECT_TRUE(refused);
  json status = StatusJson(harness.out());
  ASSERT_EQ(status["judge"]["rounds"].size(), 1u);
  EXPECT_EQ(status["judge"]["rounds"][0]["inconsistencies"][0]["evidence"],
            "chapters/01-keeper.md:3; chapters/02-storm.md:5");
  EXPECT_EQ(status["judge"]["inconsistency_count"], 1);
  EXPECT_EQ(status["judge"]["unmet"], json::array());

  // `status` and the report show it; the chapter is as the writer left it.
  ProcessOutcome text = RunL2mac({"status", harness.out().string()}, harness.Env());
  EXPECT_NE(text.out.find("Inconsistencies: 1 found by the judge's consistency check"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("--max-rounds 1"), std::string::npos) << text.out;
  const auto report_path = harness.root() / "report.html";
  ProcessOutcome report =
      RunL2mac({"report", harness.out().string(), "--output", report_path.string()}, harness.Env());
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  const std::string html = ReadText(report_path);
  EXPECT_NE(html.find(">requirements unmet</span>"), std::string::npos);
  EXPECT_NE(html.find("chapters/02-storm.md:5"), std::string::npos);
  EXPECT_NE(ReadText(harness.out() / "chapters/02-storm.md").find("Mara Fenn"), std::string::npos);
}

// The judge finds a short chapter partial and says how long it is; the writer who completes
// it is held to the outline's length, not to the figure the judge quoted: a 40-word target
// would refuse the 130-word chapter it writes.
TEST(BookConsistencyScenario, AFigureTheJudgeQuotesIsNotTheFollowUpsLengthTarget) {
  ScenarioHarness harness("book-follow-up-length",
                          "A one-chapter story.\n\n- C1: Chapter 1 describes the lamp.\n");
  ScriptedModel model;
  model.plan = {
      {"requirements", json::array({{{"id", "C1"}, {"text", "The lamp, described."}}})},
      {"instructions",
       json::array(
           {{{"id", "1"}, {"text", "Write chapters/01-lamp.md: the lamp."}, {"covers", {"C1"}}}})}};
  model.instructions["1"].turns = {
      WriteFile("chapters/01-lamp.md", "# The Lamp\n\nIt is old.\n"),
      StepComplete("Chapter 1, short."),
  };
  std::string long_chapter = "# The Lamp\n\n";
  for (int i = 0; i < 26; ++i) long_chapter += "The brass lamp burns oil. ";
  long_chapter += "\n";
  model.instructions["judge1-C1"].turns = {WriteFile("chapters/01-lamp.md", long_chapter),
                                           StepComplete("Chapter 1 describes the lamp.")};
  model.judge = [](const ModelRequest& request) {
    if (request.AssistantTurns() == 0) {
      return Tool("read_file", {{"path", "chapters/01-lamp.md"}})(request);
    }
    const std::string text = request.LastToolResult().value_or(json()).dump();
    const bool long_enough = text.find("brass") != std::string::npos;
    json verdict = {
        {"requirements",
         json::array({{{"id", "C1"},
                       {"score", long_enough ? "implemented" : "partial"},
                       {"evidence", long_enough ? "chapters/01-lamp.md:3 describes the lamp"
                                                : "chapters/01-lamp.md:3 is about 40 words "
                                                  "and says only that the lamp is old"}}})},
        {"inconsistencies", json::array()}};
    return Tool("submit_verdict", verdict)(request);
  };
  harness.Serve(std::move(model));
  ProcessOutcome run = harness.Run({"--domain", "book"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  json status = StatusJson(harness.out());
  json follow_up = StatusOf(status, "judge1-C1");
  EXPECT_EQ(follow_up.value("status", ""), "committed") << status.dump(2);
  EXPECT_EQ(follow_up.value("attempts", -1), 0) << status.dump(2);
  auto requests = RequestsFor(harness.requests(), "judge1-C1");
  ASSERT_FALSE(requests.empty());
  EXPECT_TRUE(requests[0].Contains("read the document after the program ran"));
  EXPECT_FALSE(requests[0].Contains("name C1 in the tests' names"));
  EXPECT_EQ(status["judge"]["rounds"].size(), 2u);
}

}  // namespace
}  // namespace l2mac::scenario
