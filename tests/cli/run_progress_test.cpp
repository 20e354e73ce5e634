#include "cli/run_progress.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace l2mac::cli {
namespace {

using namespace control_unit;

RunEvent Event(int64_t time_ms, std::string instruction, EventPayload payload) {
  RunEvent event;
  event.time_ms = time_ms;
  event.instruction = std::move(instruction);
  event.payload = std::move(payload);
  return event;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Columns of a line without ANSI attributes (every code point one column).
int Columns(const std::string& line) {
  int columns = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\x1b') {
      while (i < line.size() && line[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++columns;
  }
  return columns;
}

RunEvent LaneEvent(int64_t time_ms, std::string instruction, int lane, EventPayload payload) {
  RunEvent event = Event(time_ms, std::move(instruction), std::move(payload));
  event.lane = lane;
  return event;
}

TEST(RunProgressTest, ParallelLanesGetALineEachAboveTheTotals) {
  RunProgress progress;
  progress.Apply(Event(1000, "", PlanReady{{{"a", "x", {}}, {"b", "y", {}}, {"c", "z", {}}}}));
  progress.Apply(LaneEvent(2000, "a", 1, InstructionStarted{"Write a.py", 1, 3}));
  progress.Apply(LaneEvent(2500, "b", 2, InstructionStarted{"Write b.py", 2, 3}));
  progress.Apply(LaneEvent(3000, "a", 1, CheckStarted{}));
  progress.Apply(LaneEvent(3100, "b", 2, ModelCallStarted{"work", 1000, 10}));
  progress.Apply(LaneEvent(3200, "b", 2, agents::StepRejected{1, 4, "pytest: failed", ""}));

  std::vector<std::string> lines = progress.Render(120, 5000, /*color=*/false);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(Contains(lines[0], "[0/3] lane 1 instruction a 3.0s running the checks")) << lines[0];
  EXPECT_TRUE(Contains(lines[1], "      lane 2 instruction b 2.5s checks failed")) << lines[1];
  EXPECT_TRUE(Contains(lines[2], "1 failed check")) << lines[2];

  // One lane commits: its line goes, the other stays.
  progress.Apply(LaneEvent(6000, "a", 1, InstructionCommitted{1, 1, "done"}));
  lines = progress.Render(120, 6000, false);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(Contains(lines[0], "[1/3] lane 2 instruction b")) << lines[0];
  progress.Apply(LaneEvent(6500, "b", 2, MergeRetried{"conflict", {"b.py"}, "", 2}));
  EXPECT_TRUE(Contains(progress.Render(120, 6500, false)[0], "conflict with main; trying again"));
}

TEST(RunProgressTest, ShowsTheRunningInstructionWhatItDoesAndTheTotals) {
  RunProgress progress;
  progress.Apply(Event(1000, "", PlanReady{{{"1", "a", {}}, {"2", "b", {"1"}}, {"3", "c", {}}}}));
  progress.Apply(Event(2000, "1", InstructionStarted{"Write the parser", 1, 3}));
  progress.Apply(Event(2100, "1", ModelCallStarted{"work", 4000, 62.4}));
  ModelCallFinished finished;
  finished.purpose = "work";
  finished.prompt_tokens = 12345;
  finished.completion_tokens = 678;
  finished.cost_microusd = 12300;
  progress.Apply(Event(3000, "1", finished));
  progress.Apply(Event(3100, "1", agents::ToolCalled{"write_file", "app/db.py", true, 10, 0, ""}));

  std::vector<std::string> lines = progress.Render(120, 14500, /*color=*/false);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(Contains(lines[0], "[0/3] instruction 1 12.5s wrote app/db.py")) << lines[0];
  EXPECT_TRUE(Contains(lines[0], "Write the parser")) << lines[0];
  EXPECT_TRUE(Contains(lines[1], "context [######----] 62%")) << lines[1];
  EXPECT_TRUE(Contains(lines[1], "tokens 12.3k in / 678 out  $0.0123")) << lines[1];

  progress.Apply(Event(4000, "1", CheckStarted{}));
  EXPECT_TRUE(Contains(progress.Render(120, 4000, false)[0], "running the checks"));
  progress.Apply(Event(5000, "1", agents::StepRejected{1, 4, "pytest: failed (1 failed)", ""}));
  EXPECT_TRUE(Contains(progress.Render(120, 5000, false)[1], "1 failed check"));
  progress.Apply(Event(6000, "1", InstructionCommitted{7, 2, "done"}));
  EXPECT_TRUE(Contains(progress.Render(120, 6000, false)[0], "[1/3]"));
}

TEST(RunProgressTest, ARetryCountsDownItsDelayThenShowsTheAttempt) {
  RunProgress progress;
  progress.Apply(Event(1000, "2", InstructionStarted{"Add the routes", 2, 4}));
  progress.Apply(Event(1100, "2", ModelCallStarted{"work", 100, 10}));
  progress.Apply(Event(1200, "2", TextDelta{"partial reply"}));
  progress.Apply(
      Event(1500, "2", ModelCallRetried{"work", 2, 5, 2000, "HTTP 500 from http://h/v1/chat"}));
  EXPECT_TRUE(Contains(progress.Render(120, 1500, false)[0], "retrying in 2.0s (attempt 2 of 5)"))
      << progress.Render(120, 1500, false)[0];
  EXPECT_TRUE(Contains(progress.Render(120, 2700, false)[0], "retrying in 0.8s (attempt 2 of 5)"))
      << progress.Render(120, 2700, false)[0];
  // The delay is over: the attempt is under way; its streamed text counts from zero.
  EXPECT_TRUE(
      Contains(progress.Render(120, 3600, false)[0], "calling the model (attempt 2 of 5)  "))
      << progress.Render(120, 3600, false)[0];
  progress.Apply(Event(3700, "2", TextDelta{"abc"}));
  EXPECT_TRUE(Contains(progress.Render(120, 3700, false)[0], "(attempt 2 of 5) (3 chars)"))
      << progress.Render(120, 3700, false)[0];
  // Any later event ends the retry.
  ModelCallFinished finished;
  finished.purpose = "work";
  progress.Apply(Event(4000, "2", finished));
  const std::string line = progress.Render(120, 4000, false)[0];
  EXPECT_TRUE(Contains(line, "working")) << line;
  EXPECT_FALSE(Contains(line, "attempt")) << line;
}

TEST(RunProgressTest, ARateLimitWaitIsShownUntilItEnds) {
  RunProgress progress;
  progress.Apply(Event(1000, "", PlanStarted{}));
  progress.Apply(Event(1000, "", RateLimitWaitStarted{3000}));
  EXPECT_TRUE(Contains(progress.Render(120, 1500, false)[0],
                       "planning 0.5s waiting for the rate limit (2.5s)"))
      << progress.Render(120, 1500, false)[0];
  progress.Apply(Event(4100, "", RateLimitWaited{3100}));
  const std::string line = progress.Render(120, 4200, false)[0];
  EXPECT_TRUE(Contains(line, "calling the model")) << line;
  EXPECT_FALSE(Contains(line, "rate limit")) << line;
}

TEST(RunProgressTest, EveryLineFitsTheWidthWhateverTheText) {
  RunProgress progress;
  std::string hostile = "Write\nthe ";
  for (int i = 0; i < 200; ++i) hostile += "\xc3\xa9t\xc3\xa9 ";  // "été", two bytes a letter
  progress.Apply(Event(1000, "a-very-long-instruction-id", InstructionStarted{hostile, 1, 1}));
  for (int width : {20, 40, 79, 200}) {
    for (bool color : {false, true}) {
      for (const std::string& line : progress.Render(width, 2000, color)) {
        EXPECT_LE(Columns(line), width) << width << ": " << line;
        EXPECT_EQ(line.find('\n'), std::string::npos) << line;
      }
    }
  }
  // Cut at a code point boundary: the text stays valid UTF-8 (no lone lead byte at the end).
  std::string first = progress.Render(40, 2000, false)[0];
  EXPECT_TRUE(Contains(first, "...")) << first;
  EXPECT_NE(static_cast<unsigned char>(first[first.size() - 4]) & 0xE0, 0xC0) << first;
}

TEST(RunProgressTest, ColourOnlyWhenAskedAndNothingBeforeTheFirstEventOrAfterTheEnd) {
  RunProgress progress;
  EXPECT_TRUE(progress.Render(80, 3000, false).empty());
  progress.Apply(Event(1000, "", PlanStarted{}));
  std::string plain = progress.Render(80, 3000, false)[0];
  EXPECT_TRUE(Contains(plain, "planning 2.0s")) << plain;
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_NE(progress.Render(80, 3000, true)[0].find("\x1b[1m"), std::string::npos);
  progress.Apply(Event(4000, "", RunFinished{}));
  EXPECT_TRUE(progress.finished());
  EXPECT_TRUE(progress.Render(80, 4000, false).empty());
}

}  // namespace
}  // namespace l2mac::cli
