// The book domain, in process against the simulated model server: the planner and writer
// prompts are the book ones, chapters are written as Markdown and committed, and the book
// gate refuses a step with no chapter or an empty one.
#include <gtest/gtest.h>

#include "tests/scenarios/in_process_run.hpp"

namespace l2mac::scenario {
namespace {

using control_unit::RunOutcome;

constexpr const char* kIntro =
    "# Introduction\n\nThe lighthouse keeper counts the ships that never arrive.\n";
constexpr const char* kStorm =
    "# The Storm\n\nOn the third night the lamp fails, and the keeper climbs the stairs.\n";

TEST(BookDomainTest, ABookRunWritesMarkdownChapters) {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write chapters/01-introduction.md: the keeper and the lamp."),
                       PlanStep("2", "Write chapters/02-storm.md: the lamp fails.", {"1"})});
  model.instructions["1"].turns = {WriteFile("chapters/01-introduction.md", kIntro),
                                   StepComplete("Chapter 1 introduces the keeper.")};
  model.instructions["2"].turns = {WriteFile("chapters/02-storm.md", kStorm),
                                   StepComplete("Chapter 2: the storm.")};
  InProcessRun run("cu-book", std::move(model));
  run.options().domain = agents::Domain::kBook;
  run.options().task = "A short novella about a lighthouse keeper, in two chapters.";

  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kCompleted);
  EXPECT_EQ(report->committed, 2);
  EXPECT_EQ(ReadTree(run.out()),
            (std::map<std::string, std::string>{{"chapters/01-introduction.md", kIntro},
                                                {"chapters/02-storm.md", kStorm}}));

  // The book prompts were used: the book planner, then the writer.
  auto requests = run.requests();
  ASSERT_EQ(requests.size(), 5u);
  ModelRequest planner(requests[0]);
  EXPECT_TRUE(planner.IsPlanner());
  EXPECT_TRUE(planner.Contains("writes long documents"));
  ModelRequest writer(requests[1]);
  EXPECT_EQ(writer.InstructionId(), "1");
  EXPECT_EQ(ModelRequest::ContentOf(writer.messages()[0]).rfind("You are a writer agent", 0), 0u);
  EXPECT_EQ(QueryRun(run.out(), "SELECT value FROM run_meta WHERE key = 'options'").size(), 1u);
  EXPECT_NE(QueryRun(run.out(), "SELECT value FROM run_meta WHERE key = 'options'")[0].find(
                "\"domain\":\"book\""),
            std::string::npos);
}

TEST(BookDomainTest, AMissingOrEmptyChapterFailsTheBookGate) {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write chapters/01-introduction.md.")});
  model.instructions["1"].turns = {
      StepComplete("Nothing written yet."),
      WriteFile("chapters/01-introduction.md", "  \n\n"),
      StepComplete("Chapter 1, empty."),
      WriteFile("chapters/01-introduction.md", kIntro),
      StepComplete("Chapter 1 introduces the keeper."),
  };
  InProcessRun run("cu-book-empty", std::move(model));
  run.options().domain = agents::Domain::kBook;

  auto report = run.Start();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->outcome, RunOutcome::kCompleted);
  EXPECT_EQ(report->gate_failures, 2);

  auto requests = RequestsFor(run.requests(), "1");
  ASSERT_EQ(requests.size(), 5u);
  auto no_chapter = requests[1].LastToolResult();
  ASSERT_TRUE(no_chapter.has_value());
  EXPECT_EQ(no_chapter->value("ok", true), false) << no_chapter->dump();
  EXPECT_NE(no_chapter->value("failures", "").find("wrote no Markdown file"), std::string::npos)
      << no_chapter->dump();
  auto empty_chapter = requests[3].LastToolResult();
  ASSERT_TRUE(empty_chapter.has_value());
  EXPECT_EQ(empty_chapter->value("ok", true), false) << empty_chapter->dump();
  EXPECT_NE(empty_chapter->value("failures", "").find("chapters/01-introduction.md is empty"),
            std::string::npos)
      << empty_chapter->dump();

  EXPECT_EQ(QueryRunInt(run.out(), "SELECT attempts FROM instructions WHERE id = '1'"), 2);
  EXPECT_EQ(ReadText(run.out() / "chapters/01-introduction.md"), kIntro);
}

}  // namespace
}  // namespace l2mac::scenario
