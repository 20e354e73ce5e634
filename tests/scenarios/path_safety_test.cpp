// Scenario 6: writes that would land outside the output folder (a parent path, an
// absolute path, a symlink in the folder pointing outside) or in l2mac's own state are
// refused with tool errors the model sees; nothing is created outside and the run
// completes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

TEST(PathSafetyScenario, WritesOutsideTheOutputFolderAreRefused) {
  ScenarioHarness harness("path-safety");
  namespace fs = std::filesystem;
  const fs::path outside = harness.root() / "outside";
  fs::create_directories(outside);
  fs::create_directories(harness.out());
  fs::create_symlink(outside, harness.out() / "escape");
  const std::string absolute = "/etc/l2mac-scenario-" + std::to_string(::getpid()) + ".txt";
  ASSERT_FALSE(fs::exists(absolute));

  ScriptedModel model = ThreeModules::FirstOnly();
  auto files = ThreeModules::FirstOnlyFiles();
  model.instructions["1"].turns = {
      Tools({WriteFileUse("../escaped.txt", "out of the folder"),
             WriteFileUse(absolute, "absolute"),
             WriteFileUse("escape/through_link.txt", "through the symlink"),
             ToolUse{"read_file", {{"path", "/etc/passwd"}}},
             WriteFileUse(".l2mac/state.db", "not a database"),
             ToolUse{"delete_file", {{"path", "escape/../../spec.md"}}},
             WriteFileUse("arith.py", files["arith.py"]),
             WriteFileUse("test_arith.py", files["test_arith.py"])}),
      StepComplete("arith.py with add(a, b)."),
  };
  harness.Serve(std::move(model));

  // --out may name an existing folder that holds no run yet.
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  auto work = RequestsFor(harness.requests(), "1");
  ASSERT_EQ(work.size(), 2u);
  auto results = work[1].ToolResults();
  ASSERT_EQ(results.size(), 8u);
  const std::vector<std::string> refused = {"../escaped.txt",          absolute,
                                            "escape/through_link.txt", "/etc/passwd",
                                            ".l2mac/state.db",         "escape/../../spec.md"};
  for (size_t i = 0; i < refused.size(); ++i) {
    SCOPED_TRACE(refused[i]);
    EXPECT_EQ(results[i].value("ok", true), false) << results[i].dump();
    EXPECT_FALSE(results[i].value("error", "").empty()) << results[i].dump();
  }
  EXPECT_NE(results[2].value("error", "").find("symlink"), std::string::npos) << results[2].dump();
  EXPECT_EQ(results[6].value("ok", false), true) << results[6].dump();
  EXPECT_EQ(results[7].value("ok", false), true) << results[7].dump();

  // Nothing was created outside the folder, and the symlink is as it was.
  EXPECT_FALSE(fs::exists(harness.root() / "escaped.txt"));
  EXPECT_FALSE(fs::exists(absolute));
  EXPECT_TRUE(fs::is_empty(outside));
  EXPECT_TRUE(fs::is_symlink(harness.out() / "escape"));
  EXPECT_EQ(ReadText(harness.spec_path()), kDefaultSpec);
  EXPECT_EQ(IntegrityCheck(harness.out()), "ok");

  // The store holds only the legitimate files.
  auto expected = files;
  expected["escape"] = "symlink -> " + outside.string();
  EXPECT_EQ(ReadTree(harness.out()), expected);
  EXPECT_EQ(QueryRun(harness.out(), "SELECT path FROM head_files ORDER BY path"),
            (std::vector<std::string>{"arith.py", "test_arith.py"}));
  EXPECT_EQ(StatusOf(StatusJson(harness.out()), "1")["status"], "committed");
}

}  // namespace
}  // namespace l2mac::scenario
