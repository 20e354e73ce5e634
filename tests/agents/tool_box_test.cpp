#include "agents/tool_box.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "agent_test_support.hpp"

namespace l2mac::agents {
namespace {

using nlohmann::json;
using testing::Call;

class ToolBoxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("l2mac-toolbox-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    tools_ = std::make_unique<ToolBox>(*mem_.txn, root_, [this](const std::vector<std::string>& p) {
      last_test_paths_ = p;
      toolchains::GateReport report;
      report.passed = false;
      toolchains::CheckOutcome check;
      check.name = "pytest";
      check.detail = "test_x.py:3: assert 1 == 2";
      report.checks.push_back(check);
      return Result<toolchains::GateReport>(report);
    });
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  json Run(const std::string& name, const json& args) {
    return tools_->Execute(Call("c1", name, args)).result;
  }

  testing::MemoryStore mem_;
  std::filesystem::path root_;
  std::unique_ptr<ToolBox> tools_;
  std::vector<std::string> last_test_paths_;
};

TEST_F(ToolBoxTest, WriteThenReadWithLineNumbers) {
  auto written = Run("write_file", {{"path", "pkg/a.py"}, {"content", "x = 1\ny = 2\nz = 3\n"}});
  ASSERT_TRUE(written["ok"].get<bool>()) << written.dump();
  EXPECT_EQ(written["lines"], 3);
  auto read = Run("read_file", {{"path", "pkg/a.py"}, {"start_line", 2}, {"end_line", 3}});
  ASSERT_TRUE(read["ok"].get<bool>()) << read.dump();
  EXPECT_EQ(read["content"], "2: y = 2\n3: z = 3\n");
  EXPECT_EQ(read["total_lines"], 3);
}

TEST_F(ToolBoxTest, WritesAboveTheFileSizeLimitAreRefusedAndNothingIsStaged) {
  ToolBoxOptions options;
  options.max_write_bytes = 100;
  ToolBox small(*mem_.txn, root_, nullptr, options);
  auto big = small
                 .Execute(Call("c1", "write_file",
                               {{"path", "big.py"}, {"content", std::string(101, 'x')}}))
                 .result;
  EXPECT_FALSE(big["ok"].get<bool>()) << big.dump();
  const std::string error = big["error"].get<std::string>();
  EXPECT_NE(error.find("'big.py' would be 101 bytes, above the limit of 100"), std::string::npos)
      << error;
  EXPECT_NE(error.find("split it into smaller files"), std::string::npos) << error;
  EXPECT_FALSE(mem_.txn->Read("big.py")->has_value());

  auto fits =
      small.Execute(Call("c2", "write_file", {{"path", "a.py"}, {"content", std::string(90, 'x')}}))
          .result;
  ASSERT_TRUE(fits["ok"].get<bool>()) << fits.dump();
  auto grown = small
                   .Execute(Call("c3", "edit_file",
                                 {{"path", "a.py"},
                                  {"search", std::string(90, 'x')},
                                  {"replace", std::string(200, 'y')}}))
                   .result;
  EXPECT_FALSE(grown["ok"].get<bool>()) << grown.dump();
  EXPECT_EQ(**mem_.txn->Read("a.py"), std::string(90, 'x'));
}

TEST_F(ToolBoxTest, WriteReportsLinesAddedAndRemoved) {
  Run("write_file", {{"path", "a.py"}, {"content", "x = 1\ny = 2\n"}});
  auto rewritten = Run("write_file", {{"path", "a.py"}, {"content", "x = 1\ny = 3\nz = 4\n"}});
  ASSERT_TRUE(rewritten["ok"].get<bool>()) << rewritten.dump();
  EXPECT_EQ(rewritten["lines_added"], 2);
  EXPECT_EQ(rewritten["lines_removed"], 1);
}

TEST_F(ToolBoxTest, SearchFilesSeesStagedWritesAndHonoursGlobs) {
  Run("write_file", {{"path", "src/a.py"}, {"content", "def handler():\n    return 1\n"}});
  Run("write_file", {{"path", "docs/a.md"}, {"content", "handler docs\n"}});
  auto all = Run("search_files", {{"pattern", "handler"}});
  ASSERT_TRUE(all["ok"].get<bool>()) << all.dump();
  EXPECT_EQ(all["matches"].size(), 2u);
  auto python =
      Run("search_files", {{"pattern", "def \\w+\\("}, {"regex", true}, {"glob", "**/*.py"}});
  ASSERT_TRUE(python["ok"].get<bool>()) << python.dump();
  ASSERT_EQ(python["matches"].size(), 1u);
  EXPECT_EQ(python["matches"][0]["path"], "src/a.py");
  EXPECT_EQ(python["matches"][0]["line"], 1);
  auto bad = Run("search_files", {{"pattern", "("}, {"regex", true}});
  EXPECT_FALSE(bad["ok"].get<bool>());
}

TEST_F(ToolBoxTest, OutlineFileListsDefinitions) {
  Run("write_file", {{"path", "m.py"}, {"content", "class A:\n    def f(self):\n        pass\n"}});
  auto outline = Run("outline_file", {{"path", "m.py"}});
  ASSERT_TRUE(outline["ok"].get<bool>()) << outline.dump();
  ASSERT_EQ(outline["items"].size(), 2u);
  EXPECT_EQ(outline["items"][1]["name"], "f");
  EXPECT_EQ(outline["items"][1]["line"], 2);
  EXPECT_FALSE(Run("outline_file", {{"path", "none.py"}})["ok"].get<bool>());
}

TEST_F(ToolBoxTest, InvalidUtf8IsShownAsBinary) {
  ASSERT_TRUE(mem_.txn->Write("latin1.txt", "caf\xe9\n").ok());
  auto read = Run("read_file", {{"path", "latin1.txt"}});
  ASSERT_TRUE(read["ok"].get<bool>()) << read.dump();
  EXPECT_TRUE(read["binary"].get<bool>());
}

TEST_F(ToolBoxTest, ListFilesWithPrefix) {
  Run("write_file", {{"path", "src/a.py"}, {"content", "a"}});
  Run("write_file", {{"path", "tests/test_a.py"}, {"content", "b\nc\n"}});
  auto listed = Run("list_files", {{"prefix", "tests/"}});
  ASSERT_TRUE(listed["ok"].get<bool>());
  ASSERT_EQ(listed["files"].size(), 1u);
  EXPECT_EQ(listed["files"][0]["path"], "tests/test_a.py");
  EXPECT_EQ(listed["files"][0]["lines"], 2);
}

TEST_F(ToolBoxTest, EditAndDelete) {
  Run("write_file", {{"path", "a.py"}, {"content", "def f():\n    return 1\n"}});
  auto edited =
      Run("edit_file", {{"path", "a.py"}, {"search", "return 1"}, {"replace", "return 2"}});
  ASSERT_TRUE(edited["ok"].get<bool>()) << edited.dump();
  EXPECT_EQ(**mem_.txn->Read("a.py"), "def f():\n    return 2\n");
  auto missing = Run("edit_file", {{"path", "a.py"}, {"search", "return 9"}, {"replace", "x"}});
  EXPECT_FALSE(missing["ok"].get<bool>());
  EXPECT_NE(missing["error"].get<std::string>().find("closest region"), std::string::npos);
  ASSERT_TRUE(Run("delete_file", {{"path", "a.py"}})["ok"].get<bool>());
  EXPECT_FALSE(mem_.txn->Read("a.py")->has_value());
  EXPECT_FALSE(Run("delete_file", {{"path", "a.py"}})["ok"].get<bool>());
}

TEST_F(ToolBoxTest, RefusesPathsOutsideTheStore) {
  for (const char* bad : {"../x.py", "/etc/passwd", "a/../../x", ".l2mac/state.db"}) {
    auto result = Run("write_file", {{"path", bad}, {"content", "x"}});
    EXPECT_FALSE(result["ok"].get<bool>()) << bad;
    EXPECT_FALSE(result["error"].get<std::string>().empty()) << bad;
  }
  EXPECT_TRUE(mem_.txn->ChangedPaths().empty());
}

TEST_F(ToolBoxTest, RefusesWritingThroughSymlinkInOutputFolder) {
  auto outside = root_.string() + "-outside";
  std::filesystem::create_directories(outside);
  std::filesystem::create_directory_symlink(outside, root_ / "escape");
  auto result = Run("write_file", {{"path", "escape/evil.py"}, {"content", "x"}});
  EXPECT_FALSE(result["ok"].get<bool>());
  EXPECT_NE(result["error"].get<std::string>().find("symlink"), std::string::npos) << result.dump();
  EXPECT_TRUE(std::filesystem::is_empty(outside));
  std::filesystem::remove_all(outside);
}

TEST_F(ToolBoxTest, InvalidJsonArgumentsGiveAnErrorResult) {
  auto outcome = tools_->Execute({"c9", "write_file", "{\"path\": \"a.py\", \"content\": "});
  EXPECT_FALSE(outcome.result["ok"].get<bool>());
  EXPECT_NE(outcome.result["error"].get<std::string>().find("not a valid JSON object"),
            std::string::npos);
  EXPECT_FALSE(outcome.step_complete);
}

TEST_F(ToolBoxTest, WrongArgumentTypesAndUnknownTool) {
  auto result = Run("write_file", {{"path", 5}, {"content", "x"}});
  EXPECT_FALSE(result["ok"].get<bool>());
  EXPECT_NE(result["error"].get<std::string>().find("must be a string"), std::string::npos);
  auto unknown = Run("format_disk", json::object());
  EXPECT_FALSE(unknown["ok"].get<bool>());
  EXPECT_NE(unknown["error"].get<std::string>().find("Available tools"), std::string::npos);
}

TEST_F(ToolBoxTest, StepCompleteNeedsSummary) {
  auto empty = tools_->Execute(Call("c1", "step_complete", {{"summary", "  "}}));
  EXPECT_FALSE(empty.step_complete);
  auto done = tools_->Execute(Call("c2", "step_complete", {{"summary", "wrote a.py"}}));
  EXPECT_TRUE(done.step_complete);
  EXPECT_EQ(done.summary, "wrote a.py");
}

TEST_F(ToolBoxTest, RunTestsReportsFailuresAndPassesPaths) {
  auto result = Run("run_tests", {{"paths", {"tests/test_x.py"}}});
  ASSERT_TRUE(result["ok"].get<bool>());
  EXPECT_FALSE(result["passed"].get<bool>());
  EXPECT_NE(result["failures"].get<std::string>().find("assert 1 == 2"), std::string::npos);
  EXPECT_EQ(last_test_paths_, std::vector<std::string>{"tests/test_x.py"});
}

TEST_F(ToolBoxTest, ReadOfLongFileIsPaged) {
  std::string content;
  for (int i = 1; i <= 1000; ++i) content += "line " + std::to_string(i) + "\n";
  Run("write_file", {{"path", "big.txt"}, {"content", content}});
  auto read = Run("read_file", {{"path", "big.txt"}});
  ASSERT_TRUE(read["ok"].get<bool>());
  EXPECT_EQ(read["end_line"], 400);
  EXPECT_NE(read["note"].get<std::string>().find("start_line 401"), std::string::npos);
}

TEST_F(ToolBoxTest, BinaryFileIsDescribedNotDumped) {
  ASSERT_TRUE(mem_.txn->Write("img.bin", std::string("\x89PNG\0\0\x01", 7)).ok());
  auto read = Run("read_file", {{"path", "img.bin"}});
  ASSERT_TRUE(read["ok"].get<bool>());
  EXPECT_TRUE(read["binary"].get<bool>());
}

}  // namespace
}  // namespace l2mac::agents
