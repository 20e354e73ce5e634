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

// files.max_file_bytes (config) and --max-file-bytes (flag, which wins) bound what the model
// may write; a refused write is a tool error the model sees, and the run goes on.
TEST(PathSafetyScenario, WritesAboveTheConfiguredFileSizeAreToolErrors) {
  ScenarioHarness harness("file-size-limit");
  ScriptedModel model = ThreeModules::FirstOnly();
  auto files = ThreeModules::FirstOnlyFiles();
  model.instructions["1"].turns = {
      Tools({WriteFileUse("big.py", "x = '" + std::string(3000, 'x') + "'\n"),
             WriteFileUse("arith.py", files["arith.py"]),
             WriteFileUse("test_arith.py", files["test_arith.py"])}),
      StepComplete("arith.py with add(a, b)."),
  };
  harness.Serve(std::move(model));
  const std::filesystem::path config = harness.root() / "config.json";
  ASSERT_TRUE(WriteText(config, R"({"files": {"max_file_bytes": 2048}})"));

  ProcessOutcome run = harness.Run({"--config", config.string()});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  auto results = RequestsFor(harness.requests(), "1")[1].ToolResults();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].value("ok", true), false) << results[0].dump();
  EXPECT_NE(results[0].value("error", "").find("above the limit of 2048 bytes"), std::string::npos)
      << results[0].dump();
  EXPECT_FALSE(std::filesystem::exists(harness.out() / "big.py"));
  EXPECT_EQ(ReadTree(harness.out()), files);
}

TEST(PathSafetyScenario, FileSizeLimitOutOfRangeIsRefusedBeforeAnything) {
  ScenarioHarness harness("file-size-range");
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome run = harness.Run({"--max-file-bytes", "100"});
  EXPECT_EQ(run.exit_code, 3) << run.Describe();
  EXPECT_NE(run.err.find("--max-file-bytes (files.max_file_bytes) must be between 1024"),
            std::string::npos)
      << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out() / ".l2mac"));

  ScenarioHarness typed("file-size-type");
  typed.Serve(ThreeModules::FirstOnly());
  const std::filesystem::path config = typed.root() / "config.json";
  ASSERT_TRUE(WriteText(config, R"({"files": {"max_file_bytes": "2k"}})"));
  ProcessOutcome bad = typed.Run({"--config", config.string()});
  EXPECT_EQ(bad.exit_code, 3) << bad.Describe();
  EXPECT_NE(bad.err.find("files.max_file_bytes must be a whole number"), std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace l2mac::scenario
