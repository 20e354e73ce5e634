// The planner's repo map of an existing codebase: outlines, ranking by use, the token
// budget, binary and large files listed by size only. On a real in-memory store.
#include "agents/repo_map.hpp"

#include <gtest/gtest.h>

#include "core/token_estimator.hpp"
#include "tests/agents/agent_test_support.hpp"

namespace l2mac::agents {
namespace {

using testing::MemoryStore;

void Write(MemoryStore& memory, const std::string& path, const std::string& content) {
  Status written = memory.txn->Write(path, content);
  ASSERT_TRUE(written.ok()) << written.ToString();
}

TEST(RepoMapTest, AnEmptyStoreHasNoFilesYet) {
  MemoryStore memory;
  auto map = BuildRepoMap(*memory.txn, {});
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(*map, "(no files yet)");
}

TEST(RepoMapTest, FilesTheOthersUseComeFirstWithTheirOutlines) {
  MemoryStore memory;
  Write(memory, "app/zeta.py", "def parse_config(text):\n    return text\n");
  Write(memory, "app/alpha.py", "def unused_helper():\n    pass\n");
  Write(memory, "app/main.py",
        "from app.zeta import parse_config\n\n\nclass Runner:\n    def start(self):\n"
        "        return parse_config('x')\n");
  Write(memory, "tests/test_zeta.py",
        "from app.zeta import parse_config\n\n\ndef test_parse():\n"
        "    assert parse_config('a') == 'a'\n");
  auto map = BuildRepoMap(*memory.txn, {});
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_NE(map->find("Repository map: the 4 files of the existing codebase"), std::string::npos)
      << *map;
  // zeta.py is used by two files: first, with its outline; the others in path order.
  const size_t zeta = map->find(
      "app/zeta.py (2 lines, used by 2 other files)\n"
      "  1: function parse_config\n");
  const size_t alpha = map->find("app/alpha.py (2 lines)\n  1: function unused_helper\n");
  const size_t main = map->find("app/main.py (6 lines)\n  4: class Runner\n    5: method start\n");
  ASSERT_NE(zeta, std::string::npos) << *map;
  ASSERT_NE(alpha, std::string::npos) << *map;
  ASSERT_NE(main, std::string::npos) << *map;
  EXPECT_LT(zeta, alpha);
  EXPECT_LT(alpha, main);
  EXPECT_EQ(map->find("more file"), std::string::npos) << *map;
}

TEST(RepoMapTest, BinaryAndLargeFilesAreListedBySizeOnly) {
  MemoryStore memory;
  Write(memory, "logo.png", std::string("\x89PNG\0\0\x01", 7));
  Write(memory, "data.sql", "-- " + std::string(2000, 'x') + "\ndef hidden_name():\n");
  RepoMapLimits limits;
  limits.largest_outlined_file = 1000;
  auto map = BuildRepoMap(*memory.txn, limits);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_NE(map->find("logo.png (binary, 7 bytes; not shown)"), std::string::npos) << *map;
  EXPECT_NE(map->find("data.sql (2023 bytes; too large to outline)"), std::string::npos) << *map;
  EXPECT_EQ(map->find("hidden_name"), std::string::npos) << *map;
}

TEST(RepoMapTest, TheMapIsCutToItsTokenBudget) {
  MemoryStore memory;
  for (int i = 0; i < 200; ++i) {
    std::string body;
    for (int f = 0; f < 10; ++f) {
      body += "def function_" + std::to_string(i) + "_" + std::to_string(f) + "():\n    pass\n";
    }
    Write(memory, "pkg/module_" + std::to_string(1000 + i) + ".py", body);
  }
  RepoMapLimits limits;
  limits.max_tokens = 1500;
  auto map = BuildRepoMap(*memory.txn, limits);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  // Within the budget, give or take the closing line; the rest is counted, not lost.
  EXPECT_LE(EstimateTokens(nullptr, *map), limits.max_tokens + 30) << *map;
  EXPECT_NE(map->find("pkg/module_1000.py (20 lines)\n  1: function function_0_0\n"),
            std::string::npos)
      << *map;
  EXPECT_NE(map->find(" more files (list_files shows every file)"), std::string::npos) << *map;
  EXPECT_EQ(map->find("pkg/module_1199.py"), std::string::npos) << *map;
  // The same store gives the same map.
  EXPECT_EQ(*BuildRepoMap(*memory.txn, limits), *map);
}

}  // namespace
}  // namespace l2mac::agents
