#include "agents/tool_box.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <limits>

#include "agent_test_support.hpp"
#include "filestore/text_query.hpp"

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

// Regression: search_files ran the standard library regex engine on the model's pattern; (a|b)*c
// over one 40 KB line overflowed the stack and killed the whole run (exit 139).
TEST_F(ToolBoxTest, SearchFilesWithACatastrophicRegexAnswersInsteadOfCrashing) {
  std::string line;
  for (int i = 0; i < 20000; ++i) line += "ab";
  Run("write_file", {{"path", "data/long.txt"}, {"content", "x\n" + line + "c\n"}});
  auto result = Run("search_files", {{"pattern", "(a|b)*c"}, {"regex", true}});
  ASSERT_TRUE(result["ok"].get<bool>()) << result.dump();
  ASSERT_EQ(result["matches"].size(), 1u);
  EXPECT_EQ(result["matches"][0]["line"], 2);
  EXPECT_LE(result["matches"][0]["text"].get<std::string>().size(), 300u);
  EXPECT_NE(result["note"].get<std::string>().find("long lines are cut to 300 bytes"),
            std::string::npos)
      << result.dump();
}

// Regression: the glob matcher backtracked exponentially; this pair took 36 s.
TEST_F(ToolBoxTest, SearchFilesWithAHostileGlobFinishesAtOnce) {
  const std::string path = std::string(58, 'a') + ".py";  // 61 characters
  Run("write_file", {{"path", path}, {"content", "needle\n"}});
  const auto start = std::chrono::steady_clock::now();
  auto none = Run("search_files", {{"pattern", "needle"}, {"glob", "*a*a*a*a*a*a*a*a*b"}});
  auto some = Run("search_files", {{"pattern", "needle"}, {"glob", "*a*a*a*a*a*a*a*a*.py"}});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_TRUE(none["ok"].get<bool>()) << none.dump();
  EXPECT_TRUE(none["matches"].empty());
  ASSERT_TRUE(some["ok"].get<bool>()) << some.dump();
  EXPECT_EQ(some["matches"].size(), 1u);
}

TEST_F(ToolBoxTest, SearchFilesBoundsPatternGlobAndResults) {
  auto long_pattern = Run("search_files", {{"pattern", std::string(2000, 'x')}});
  EXPECT_FALSE(long_pattern["ok"].get<bool>());
  EXPECT_NE(long_pattern["error"].get<std::string>().find("above the limit of 1024 bytes"),
            std::string::npos)
      << long_pattern.dump();
  auto long_glob = Run("search_files", {{"pattern", "x"}, {"glob", std::string(2000, '*')}});
  EXPECT_FALSE(long_glob["ok"].get<bool>());
  EXPECT_NE(long_glob["error"].get<std::string>().find("argument \"glob\""), std::string::npos)
      << long_glob.dump();
  auto bad_regex = Run("search_files", {{"pattern", "(?<=a)b"}, {"regex", true}});
  EXPECT_FALSE(bad_regex["ok"].get<bool>());
  EXPECT_NE(bad_regex["error"].get<std::string>().find("RE2"), std::string::npos);

  std::string many;
  for (int i = 0; i < 1000; ++i) many += "hit " + std::string(200, 'y') + "\n";
  Run("write_file", {{"path", "many.txt"}, {"content", many}});
  auto capped = Run("search_files", {{"pattern", "hit"}, {"max_results", 100000}});
  ASSERT_TRUE(capped["ok"].get<bool>());
  EXPECT_EQ(capped["matches"].size(), 200u);  // max_search_results
  EXPECT_NE(capped["note"].get<std::string>().find("stopped at 200 matches"), std::string::npos);
  ToolBoxOptions small;
  small.max_read_bytes = 2048;
  ToolBox tight(*mem_.txn, root_, nullptr, small);
  auto sized = tight.Execute(Call("c1", "search_files", {{"pattern", "hit"}})).result;
  ASSERT_TRUE(sized["ok"].get<bool>());
  EXPECT_LT(sized["matches"].size(), 50u);
  EXPECT_NE(sized["note"].get<std::string>().find("narrow the pattern"), std::string::npos)
      << sized.dump();
}

TEST_F(ToolBoxTest, ArgumentsNestedTooDeepOrTooLargeAreRefused) {
  std::string deep = "{\"path\": ";
  for (int i = 0; i < 100000; ++i) deep += "[";
  for (int i = 0; i < 100000; ++i) deep += "]";
  deep += "}";
  auto nested = tools_->Execute({"c1", "read_file", deep}).result;
  EXPECT_FALSE(nested["ok"].get<bool>());
  EXPECT_NE(nested["error"].get<std::string>().find("nest 100001 levels"), std::string::npos)
      << nested["error"];
  // Brackets inside strings are text, not nesting.
  auto text = Run("write_file", {{"path", "b.txt"}, {"content", std::string(50, '[')}});
  EXPECT_TRUE(text["ok"].get<bool>()) << text.dump();

  ToolBoxOptions options;
  options.max_write_bytes = 1000;
  ToolBox small(*mem_.txn, root_, nullptr, options);
  auto huge = small
                  .Execute(Call("c2", "write_file",
                                {{"path", "big.txt"}, {"content", std::string(70000, 'x')}}))
                  .result;
  EXPECT_FALSE(huge["ok"].get<bool>());
  EXPECT_NE(huge["error"].get<std::string>().find("above the limit of 67536 bytes"),
            std::string::npos)
      << huge["error"];
  EXPECT_NE(huge["error"].get<std::string>().find("write_file with the first part"),
            std::string::npos);
  auto unknown = Run(std::string(5000, 'z'), json::object());
  EXPECT_LT(unknown["error"].get<std::string>().size(), 400u) << unknown["error"];
}

TEST_F(ToolBoxTest, SummaryTestPathsTestRunsAndCallsAreBounded) {
  auto long_summary =
      tools_->Execute(Call("c1", "step_complete", {{"summary", std::string(9000, 's')}}));
  EXPECT_FALSE(long_summary.step_complete);
  EXPECT_NE(long_summary.result["error"].get<std::string>().find("above the limit of 8192"),
            std::string::npos);

  std::vector<std::string> paths(101, "tests/test_x.py");
  auto many_paths = Run("run_tests", {{"paths", paths}});
  EXPECT_FALSE(many_paths["ok"].get<bool>());
  EXPECT_NE(many_paths["error"].get<std::string>().find("above the limit of 100"),
            std::string::npos);

  ToolBoxOptions options;
  options.max_test_runs = 2;
  options.max_calls = 5;
  int runs = 0;
  ToolBox limited(
      *mem_.txn, root_,
      [&](const std::vector<std::string>&) {
        ++runs;
        return Result<toolchains::GateReport>(toolchains::GateReport{});
      },
      options);
  EXPECT_TRUE(limited.Execute(Call("c1", "run_tests", json::object())).result["ok"].get<bool>());
  EXPECT_TRUE(limited.Execute(Call("c2", "run_tests", json::object())).result["ok"].get<bool>());
  auto third = limited.Execute(Call("c3", "run_tests", json::object())).result;
  EXPECT_FALSE(third["ok"].get<bool>());
  EXPECT_NE(third["error"].get<std::string>().find("call step_complete"), std::string::npos);
  EXPECT_EQ(runs, 2);
  EXPECT_TRUE(limited.Execute(Call("c4", "list_files", json::object())).result["ok"].get<bool>());
  EXPECT_TRUE(limited.Execute(Call("c5", "list_files", json::object())).result["ok"].get<bool>());
  auto sixth = limited.Execute(Call("c6", "list_files", json::object())).result;
  EXPECT_FALSE(sixth["ok"].get<bool>());
  EXPECT_NE(sixth["error"].get<std::string>().find("5 tool calls, the limit"), std::string::npos);
  auto done = limited.Execute(Call("c7", "step_complete", {{"summary", "done"}}));
  EXPECT_TRUE(done.step_complete) << done.result.dump();
}

TEST_F(ToolBoxTest, ReadFileBoundsOneHugeLineAndExtremeLineNumbers) {
  ToolBoxOptions options;
  options.max_read_bytes = 4096;
  ToolBox small(*mem_.txn, root_, nullptr, options);
  std::string accents;
  for (int i = 0; i < 10000; ++i) accents += "\u00e9";
  small.Execute(Call("c1", "write_file", {{"path", "one.txt"}, {"content", accents + "\nend\n"}}));
  auto read = small.Execute(Call("c2", "read_file", {{"path", "one.txt"}})).result;
  ASSERT_TRUE(read["ok"].get<bool>()) << read.dump();
  const std::string content = read["content"].get<std::string>();
  EXPECT_LE(content.size(), 4096u + 1);
  EXPECT_FALSE(filestore::LooksBinary(content)) << "cut inside a UTF-8 sequence";
  EXPECT_EQ(read["end_line"], 1);
  EXPECT_NE(read["note"].get<std::string>().find("line 1 is 20000 bytes"), std::string::npos)
      << read["note"];
  EXPECT_NE(read["note"].get<std::string>().find("start_line 2"), std::string::npos);

  // Line numbers near the integer limits: an answer, never an overflow.
  ASSERT_TRUE(mem_.txn->Write("empty.txt", "").ok());
  const int64_t max = std::numeric_limits<int64_t>::max();
  auto far = Run("read_file", {{"path", "empty.txt"}, {"start_line", max}});
  ASSERT_TRUE(far["ok"].get<bool>()) << far.dump();
  EXPECT_EQ(far["content"], "");
  auto past = Run("read_file", {{"path", "one.txt"}, {"start_line", max}, {"end_line", max}});
  EXPECT_FALSE(past["ok"].get<bool>());
  auto wide = Run("read_file", {{"path", "one.txt"},
                                {"start_line", std::numeric_limits<int64_t>::min()},
                                {"end_line", max}});
  EXPECT_TRUE(wide["ok"].get<bool>()) << wide.dump();
}

TEST_F(ToolBoxTest, OutlineAndListPrefixAreBounded) {
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "def f" + std::to_string(i) + "():\n    pass\n";
  Run("write_file", {{"path", "many.py"}, {"content", many}});
  auto outline = Run("outline_file", {{"path", "many.py"}});
  ASSERT_TRUE(outline["ok"].get<bool>());
  EXPECT_EQ(outline["items"].size(), 500u);
  EXPECT_NE(outline["note"].get<std::string>().find("showing the first 500 of 2000"),
            std::string::npos)
      << outline["note"];
  ASSERT_TRUE(mem_.txn->Write("blob.md", std::string("# \xff\xfe\n", 5)).ok());
  EXPECT_FALSE(Run("outline_file", {{"path", "blob.md"}})["ok"].get<bool>());
  auto prefix = Run("list_files", {{"prefix", std::string(5000, 'p')}});
  EXPECT_FALSE(prefix["ok"].get<bool>());
  EXPECT_NE(prefix["error"].get<std::string>().find("longer than any path"), std::string::npos);
}

TEST_F(ToolBoxTest, EditSearchLongerThanAnyFileIsRefused) {
  ToolBoxOptions options;
  options.max_write_bytes = 100;
  ToolBox small(*mem_.txn, root_, nullptr, options);
  small.Execute(Call("c1", "write_file", {{"path", "a.py"}, {"content", "x = 1\n"}}));
  auto edit =
      small
          .Execute(Call("c2", "edit_file",
                        {{"path", "a.py"}, {"search", std::string(101, 'x')}, {"replace", "y"}}))
          .result;
  EXPECT_FALSE(edit["ok"].get<bool>());
  EXPECT_NE(edit["error"].get<std::string>().find("argument \"search\" is 101 bytes"),
            std::string::npos)
      << edit["error"];
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
