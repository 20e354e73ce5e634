// The critical path and width of a prompt program (control_unit/program_shape.hpp), read
// by the run-status model from programs stored in a real run folder's registry, and the
// pure function on the inputs a registry cannot hold (cycles, unknown dependencies).
#include "control_unit/program_shape.hpp"

#include <gtest/gtest.h>

#include "control_unit/run_status.hpp"
#include "control_unit/workspace.hpp"
#include "tests/scenarios/in_process_run.hpp"
#include "tests/scenarios/scripted_model.hpp"
#include "tests/scenarios/temp_dir.hpp"

namespace l2mac::scenario {
namespace {

using control_unit::OpenMode;
using control_unit::ProgramShape;
using control_unit::ShapeLine;
using control_unit::ShapeOfProgram;
using control_unit::Workspace;
using Ids = std::vector<std::string>;

// Stores a task and `steps` as a new run's program (as a run's planning does), then reads the run's
// status as `l2mac status` does (a read-only view of the folder).
ProgramShape StoredShape(const std::string& name, const std::vector<json>& steps) {
  TempDir dir(name);
  EXPECT_FALSE(dir.path().empty());
  const auto out = dir.path() / "out";
  {
    auto workspace = Workspace::Open(out, OpenMode::kCreate);
    EXPECT_TRUE(workspace.ok()) << workspace.status().ToString();
    if (!workspace.ok()) return {};
    Status task = (*workspace)->SetMeta("task", "Shape test.");
    EXPECT_TRUE(task.ok()) << task.ToString();
    if (!steps.empty()) {
      Status saved = (*workspace)->registry().SaveProgram(ProgramOf(steps));
      EXPECT_TRUE(saved.ok()) << saved.ToString();
    }
  }
  auto workspace = Workspace::Open(out, OpenMode::kReadOnlyView);
  EXPECT_TRUE(workspace.ok()) << workspace.status().ToString();
  if (!workspace.ok()) return {};
  auto status = control_unit::ReadRunStatus(**workspace);
  EXPECT_TRUE(status.ok()) << status.status().ToString();
  if (!status.ok()) return {};
  EXPECT_EQ(status->instructions.size(), steps.size());
  return status->shape;
}

TEST(ProgramShapeTest, AChainIsOneLongPathOneWide) {
  auto shape = StoredShape("shape-chain", {PlanStep("1", "a"), PlanStep("2", "b", {"1"}),
                                           PlanStep("3", "c", {"2"}), PlanStep("4", "d", {"3"})});
  EXPECT_EQ(shape.critical_path, (Ids{"1", "2", "3", "4"}));
  EXPECT_EQ(shape.width, 1U);
  EXPECT_EQ(shape.unordered, 0U);
  EXPECT_EQ(ShapeLine(shape, 4),
            "critical path: 4 of 4 instructions (1 → 2 → 3 → 4); up to 1 at once");
}

TEST(ProgramShapeTest, ADiamondRunsItsTwoMiddlesAtOnce) {
  auto shape = StoredShape(
      "shape-diamond", {PlanStep("base", "a"), PlanStep("left", "b", {"base"}),
                        PlanStep("right", "c", {"base"}), PlanStep("top", "d", {"right", "left"})});
  // Of the two equally long routes, the one through the earlier instruction.
  EXPECT_EQ(shape.critical_path, (Ids{"base", "left", "top"}));
  EXPECT_EQ(shape.width, 2U);
}

TEST(ProgramShapeTest, IndependentChainsAreAsWideAsTheirCount) {
  // Three chains of lengths 2, 3 and 1, interleaved, one with a dependency on a later
  // instruction (the program's order need not be a topological one).
  auto shape =
      StoredShape("shape-chains",
                  {PlanStep("a1", "x"), PlanStep("b2", "x", {"b1"}), PlanStep("b1", "x"),
                   PlanStep("c1", "x"), PlanStep("a2", "x", {"a1"}), PlanStep("b3", "x", {"b2"})});
  EXPECT_EQ(shape.critical_path, (Ids{"b1", "b2", "b3"}));
  EXPECT_EQ(shape.width, 3U);  // a1, b1 and c1
  EXPECT_EQ(ShapeLine(shape, 6),
            "critical path: 3 of 6 instructions (b1 → b2 → b3); up to 3 at once");
}

TEST(ProgramShapeTest, AnEmptyProgramHasNoPathAndNoWidth) {
  auto shape = StoredShape("shape-empty", {});
  EXPECT_TRUE(shape.critical_path.empty());
  EXPECT_EQ(shape.width, 0U);
  EXPECT_EQ(ShapeLine(shape, 0), "critical path: 0 of 0 instructions; up to 0 at once");
}

TEST(ProgramShapeTest, ALongPathIsListedByItsEnds) {
  std::vector<json> steps = {PlanStep("1", "x")};
  for (int i = 2; i <= 12; ++i) {
    steps.push_back(PlanStep(std::to_string(i), "x", {std::to_string(i - 1)}));
  }
  steps.push_back(PlanStep("side", "x"));
  auto shape = StoredShape("shape-long", steps);
  EXPECT_EQ(shape.critical_path.size(), 12U);
  EXPECT_EQ(shape.width, 2U);
  EXPECT_EQ(ShapeLine(shape, 13),
            "critical path: 12 of 13 instructions (1 → 2 → 3 → 4 → 5 → … → 9 → 10 → 11 → 12); "
            "up to 2 at once");
}

// What a registry never holds, but a damaged database might: the measures skip what they
// cannot order and say so.
TEST(ProgramShapeTest, CyclesAndUnknownDependenciesAreLeftOutAndCounted) {
  auto shape = ShapeOfProgram(
      {{"1", {}}, {"2", {"1", "ghost"}}, {"3", {"4"}}, {"4", {"3"}}, {"5", {"4"}}, {"6", {"6"}}});
  EXPECT_EQ(shape.critical_path, (Ids{"1", "2"}));
  EXPECT_EQ(shape.width, 2U);      // 1 and 6 (its dependency on itself is ignored)
  EXPECT_EQ(shape.unordered, 3U);  // 3 and 4 on the cycle, 5 behind it
  EXPECT_NE(ShapeLine(shape, 6).find("; 3 on or behind a dependency cycle left out"),
            std::string::npos);
}

}  // namespace
}  // namespace l2mac::scenario
