// Export to folders and git, import of folders: against real git subprocesses.
#include "filestore/store_transfer.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/sqlite.hpp"
#include "filestore/file_store.hpp"
#include "temp_dir.hpp"

namespace l2mac::filestore {
namespace {

using testing::ScratchDir;
namespace fs = std::filesystem;

std::string Shell(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  int status = ::pclose(pipe);
  if (status != 0) output += "[exit " + std::to_string(status) + "]";
  return output;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class StoreTransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Shell("git --version").find("git version") == std::string::npos) {
      GTEST_SKIP() << "git is not installed; the export/import tests need it";
    }
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    auto store = FileStore::Open(*db_);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }

  int64_t Commit(const std::string& branch,
                 const std::map<std::string, std::optional<std::string>>& changes,
                 const std::string& message) {
    auto txn = store_->BeginOn(branch);
    EXPECT_TRUE(txn.ok());
    for (const auto& [path, content] : changes) {
      Status status = content ? (*txn)->Write(path, *content) : (*txn)->Delete(path);
      EXPECT_TRUE(status.ok()) << status.ToString();
    }
    auto id = (*txn)->Commit(message, "instruction 1 attempt 1");
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return *id;
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<FileStore> store_;
};

TEST_F(StoreTransferTest, GitExportHasOneCommitPerStoreCommitAndPassesFsck) {
  int64_t c1 = Commit("main", {{"app.py", "print(1)\n"}, {"dir/with space.txt", "s\n"}}, "first");
  Commit("main", {{"app.py", "print(2)\n"}, {"bin.dat", std::string("\0\x01\xff", 3)}}, "second");
  ASSERT_TRUE(store_->SetBranch("feature", c1).ok());
  Commit("feature", {{"feature.txt", "f\n"}}, "on feature");
  auto merged = store_->Merge("feature", "main", "scheduler");
  ASSERT_TRUE(merged.ok());
  ASSERT_EQ(merged->kind, MergeOutcome::Kind::kMerged);
  Commit("main", {{"dir/with space.txt", std::nullopt}}, "delete");

  ScratchDir dir;
  fs::path repo = dir.path() / "repo";
  auto report = ExportGit(*store_, repo);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->commits, 5u);
  std::string fsck = Shell("git -C '" + repo.string() + "' fsck --strict");
  EXPECT_EQ(fsck.find("[exit"), std::string::npos) << fsck;
  EXPECT_EQ(Shell("git -C '" + repo.string() + "' rev-list --all --count"), "5\n");
  EXPECT_EQ(Shell("git -C '" + repo.string() + "' log --first-parent --format=%s main"),
            "delete\nmerge branch 'feature' into 'main'\nsecond\nfirst\n");
  EXPECT_EQ(Shell("git -C '" + repo.string() + "' log -1 --format=%an main~3"),
            "instruction 1 attempt 1\n");
  EXPECT_EQ(Shell("git -C '" + repo.string() + "' log -1 --format=%s feature"), "on feature\n");
  EXPECT_EQ(Slurp(repo / "app.py"), "print(2)\n");
  EXPECT_EQ(Slurp(repo / "bin.dat"), std::string("\0\x01\xff", 3));
  EXPECT_FALSE(fs::exists(repo / "dir" / "with space.txt"));
  EXPECT_EQ(Shell("git -C '" + repo.string() + "' status --porcelain"), "");
  // A second export into the same, now non-empty folder is refused.
  EXPECT_EQ(ExportGit(*store_, repo).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(StoreTransferTest, ExportDirectoryWritesACommitAndRefusesCaseCollisions) {
  int64_t c1 = Commit("main", {{"a/x.txt", "1\n"}, {"b.txt", "2\n"}}, "first");
  Commit("main", {{"a/x.txt", "changed\n"}}, "second");
  ScratchDir dir;
  auto count = ExportDirectory(*store_, c1, dir.path() / "out");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 2u);
  EXPECT_EQ(Slurp(dir.path() / "out" / "a" / "x.txt"), "1\n");

  Commit("main", {{"A/y.txt", "3\n"}}, "case");
  auto collided = ExportDirectory(*store_, *store_->Head(), dir.path() / "out2");
  EXPECT_EQ(collided.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(collided.status().message().find("letter case"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "out2"));
}

TEST_F(StoreTransferTest, ImportRespectsGitignoreAndSkipsSymlinks) {
  ScratchDir dir;
  dir.WriteFile(".gitignore", "*.log\nbuild/\n");
  dir.WriteFile("src/app.py", "print(1)\n");
  dir.WriteFile("src/.gitignore", "secret.txt\n");
  dir.WriteFile("src/secret.txt", "no\n");
  dir.WriteFile("debug.log", "no\n");
  dir.WriteFile("build/out.o", "no\n");
  dir.WriteFile("notes.md", "# n\n");
  fs::create_symlink("/etc/passwd", dir.path() / "link");
  auto report = ImportDirectory(*store_, dir.path(), "user", "import");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::vector<std::string> expected = {".gitignore", "notes.md", "src/.gitignore", "src/app.py"};
  EXPECT_EQ(report->added, expected);
  EXPECT_EQ(report->skipped, std::vector<std::string>{"link"});
  auto head_files = store_->List(*store_->Head(), "");
  ASSERT_TRUE(head_files.ok());
  EXPECT_EQ(head_files->size(), 4u);

  // A second import records changes and deletions as a new commit.
  dir.WriteFile("src/app.py", "print(2)\n");
  fs::remove(dir.path() / "notes.md");
  auto second = ImportDirectory(*store_, dir.path(), "user", "import again");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->modified, std::vector<std::string>{"src/app.py"});
  EXPECT_EQ(second->removed, std::vector<std::string>{"notes.md"});
  EXPECT_EQ(*store_->Read(second->commit, "src/app.py"), "print(2)\n");
}

TEST_F(StoreTransferTest, ImportLeavesOutFilesAboveTheLimitWhenAsked) {
  StoreOptions options;
  options.max_file_bytes = 64;
  auto store = FileStore::Open(*db_, options);
  ASSERT_TRUE(store.ok());
  ScratchDir dir;
  dir.WriteFile("small.py", "x = 1\n");
  dir.WriteFile("data/big.bin", std::string(100, 'z'));
  // By default a file above the limit fails the import, and nothing is committed.
  auto refused = ImportDirectory(**store, dir.path(), "user", "import");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(*(*store)->Head(), 0);

  ImportOptions skip;
  skip.skip_too_large = true;
  auto report = ImportDirectory(**store, dir.path(), "user", "import", skip);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->added, std::vector<std::string>{"small.py"});
  ASSERT_EQ(report->too_large.size(), 1u);
  EXPECT_EQ(report->too_large[0].path, "data/big.bin");
  EXPECT_EQ(report->too_large[0].bytes, 100u);
  EXPECT_FALSE((*(*store)->Read(report->commit, "data/big.bin")).has_value());

  // Nothing changed since: no new commit.
  auto again = ImportDirectory(**store, dir.path(), "user", "import", skip);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->commit, report->commit);
  EXPECT_TRUE(again->added.empty());
}

}  // namespace
}  // namespace l2mac::filestore
