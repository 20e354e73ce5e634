// The checks' folder kept between checks: after every Prepare() it holds exactly the
// transaction's view of the store (what a fresh snapshot would hold), and a later Prepare()
// touches only what changed, including what the checks themselves left behind.
#include "control_unit/check_tree.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "core/sqlite.hpp"
#include "filestore/file_store.hpp"
#include "tests/scenarios/temp_dir.hpp"

namespace l2mac::control_unit {
namespace {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;

Files OnDisk(const fs::path& root) {
  Files files;
  for (fs::recursive_directory_iterator it(root), end; it != end; ++it) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    files[it->path().lexically_relative(root).generic_string()] = content.str();
  }
  return files;
}

// Every folder below `root`, empty ones included.
std::vector<std::string> Folders(const fs::path& root) {
  std::vector<std::string> folders;
  for (fs::recursive_directory_iterator it(root), end; it != end; ++it) {
    if (it->is_directory()) folders.push_back(it->path().lexically_relative(root).string());
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

void Put(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << content;
}

class CheckTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto db = Database::Open((dir_.path() / "state.db").string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    auto store = filestore::FileStore::Open(*db_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    tree_ = std::make_unique<CheckTree>(dir_.path() / "check", nullptr);
  }

  std::unique_ptr<filestore::StoreTransaction> Begin() {
    auto txn = store_->Begin();
    EXPECT_TRUE(txn.ok()) << txn.status().ToString();
    return txn.ok() ? std::move(*txn) : nullptr;
  }

  void Commit(const Files& files) {
    auto txn = Begin();
    for (const auto& [path, content] : files) ASSERT_TRUE(txn->Write(path, content).ok());
    ASSERT_TRUE(txn->Commit("change", "test").ok());
  }

  // What the transaction shows: the view the folder must hold.
  Files View(const filestore::StoreTransaction& txn) {
    Files files;
    auto listed = txn.List("");
    EXPECT_TRUE(listed.ok());
    for (const auto& info : *listed) files[info.path] = **txn.Read(info.path);
    return files;
  }

  void Prepare(const filestore::StoreTransaction& txn) {
    Status prepared = tree_->Prepare(*store_, txn);
    ASSERT_TRUE(prepared.ok()) << prepared.ToString();
    EXPECT_EQ(OnDisk(tree_->root()), View(txn));
    std::set<std::string> paths;
    for (const auto& [path, content] : View(txn)) paths.insert(path);
    EXPECT_EQ(tree_->Files(), paths);
  }

  fs::path At(const std::string& path) const { return tree_->root() / path; }

  scenario::TempDir dir_{"check-tree"};
  std::unique_ptr<Database> db_;
  std::unique_ptr<filestore::FileStore> store_;
  std::unique_ptr<CheckTree> tree_;
};

TEST_F(CheckTreeTest, TheFirstPrepareWritesTheViewWholeWithTheStagedChanges) {
  Commit({{"app.py", "print(1)\n"}, {"pkg/util.py", "X = 1\n"}, {"old.txt", "old\n"}});
  auto txn = Begin();
  ASSERT_TRUE(txn->Write("pkg/new.py", "Y = 2\n").ok());
  ASSERT_TRUE(txn->Delete("old.txt").ok());
  Prepare(*txn);
  EXPECT_TRUE(tree_->last().rebuilt);
  EXPECT_EQ(tree_->last().written, 3);
}

TEST_F(CheckTreeTest, ALaterPrepareWritesOnlyWhatChangedWhateverTheStoreHolds) {
  Files many;
  for (int i = 0; i < 300; ++i)
    many["pkg_" + std::to_string(i % 7) + "/m" + std::to_string(i)] = "x";
  Commit(many);
  auto first = Begin();
  ASSERT_TRUE(first->Write("feature/a.py", "A = 1\n").ok());
  Prepare(*first);
  ASSERT_TRUE(tree_->last().rebuilt);
  ASSERT_TRUE(first->Commit("instruction 1", "test").ok());

  // The next instruction: its base is the commit of the staged file the folder holds.
  auto second = Begin();
  ASSERT_TRUE(second->Write("feature/b.py", "B = 2\n").ok());
  ASSERT_TRUE(second->Delete("pkg_0/m0").ok());
  Prepare(*second);
  EXPECT_FALSE(tree_->last().rebuilt);
  // feature/b.py; pkg_0/m0 removed. feature/a.py (staged last time) is looked at and left:
  // it already holds the committed bytes.
  EXPECT_EQ(tree_->last().written, 1);
  EXPECT_EQ(tree_->last().removed, 1);
}

TEST_F(CheckTreeTest, WhatTheChecksLeftOrChangedIsUndoneBeforeTheNextCheck) {
  Commit({{"app.py", "print(1)\n"}, {"data/users.json", "[]\n"}, {"tests/test_app.py", "t\n"}});
  auto txn = Begin();
  Prepare(*txn);
  // What a test run might do: a database in the working folder, caches, a data file
  // rewritten in place, a file deleted, a permission changed, a folder in the tree's way.
  Put(At("app.db"), "sqlite");
  Put(At(".pytest_cache/v/cache/lastfailed"), "{}");
  Put(At("tests/__pycache__/test_app.cpython-311.pyc"), "pyc");
  Put(At("data/users.json"), "[{\"name\": \"left over\"}]\n");
  fs::remove(At("app.py"));
  fs::permissions(At("tests/test_app.py"), fs::perms::owner_read);
  Prepare(*txn);
  EXPECT_FALSE(tree_->last().rebuilt);
  EXPECT_FALSE(fs::exists(At("tests/__pycache__")));
  EXPECT_FALSE(fs::exists(At(".pytest_cache")));
  EXPECT_EQ(fs::status(At("tests/test_app.py")).permissions() & fs::perms::owner_write,
            fs::perms::owner_write);
}

TEST_F(CheckTreeTest, ARefusedAttemptsFilesLeaveWithItAndEmptiedFoldersGo) {
  Commit({{"app.py", "print(1)\n"}});
  {
    auto attempt = Begin();
    ASSERT_TRUE(attempt->Write("draft/deep/idea.py", "Z = 0\n").ok());
    Prepare(*attempt);
  }  // discarded
  auto next = Begin();
  Prepare(*next);
  EXPECT_FALSE(tree_->last().rebuilt);
  EXPECT_EQ(Folders(tree_->root()), std::vector<std::string>{});
}

TEST_F(CheckTreeTest, AFolderTheChecksRemovedMakesItWriteTheViewWholeAgain) {
  Commit({{"pkg/a.py", "A = 1\n"}, {"pkg/b.py", "B = 1\n"}, {"main.py", "M\n"}});
  auto txn = Begin();
  Prepare(*txn);
  fs::remove_all(At("pkg"));
  Prepare(*txn);
  EXPECT_TRUE(tree_->last().rebuilt);
}

// With lanes a tree can be ahead of the next base: a merged check at main's head, then the
// lane's own check at its older base. The commits between are walked the other way.
TEST_F(CheckTreeTest, ABaseOlderThanTheFoldersCommitIsReachedWithoutWritingItWhole) {
  Files many;
  for (int i = 0; i < 200; ++i) many["pkg/m" + std::to_string(i)] = "x";
  Commit(many);
  auto older = store_->Head();
  ASSERT_TRUE(older.ok());
  Commit({{"later.txt", "later\n"}, {"pkg/m1", "changed"}});
  auto at_head = Begin();
  Prepare(*at_head);
  ASSERT_TRUE(tree_->last().rebuilt);

  auto behind = store_->BeginAt(*older);
  ASSERT_TRUE(behind.ok()) << behind.status().ToString();
  ASSERT_TRUE((*behind)->Write("mine.txt", "mine\n").ok());
  Prepare(**behind);  // also checks the folder shows exactly the older view
  EXPECT_FALSE(tree_->last().rebuilt);
  EXPECT_LE(tree_->last().written + tree_->last().removed, 3);
}

TEST_F(CheckTreeTest, ABaseThatIsNotADescendantMakesItWriteTheViewWholeAgain) {
  Commit({{"a.txt", "1\n"}});
  auto fork = store_->Head();
  ASSERT_TRUE(fork.ok());
  ASSERT_TRUE(store_->SetBranch("side", *fork).ok());
  {
    auto side = store_->BeginOn("side");
    ASSERT_TRUE(side.ok());
    ASSERT_TRUE((*side)->Write("side.txt", "s\n").ok());
    ASSERT_TRUE((*side)->Commit("side work", "test").ok());
    auto on_side = store_->BeginOn("side");
    ASSERT_TRUE(on_side.ok());
    Prepare(**on_side);
  }
  // main moved on elsewhere: the commit the folder shows is not in its history.
  Commit({{"a.txt", "2\n"}});
  auto txn = Begin();
  Prepare(*txn);
  EXPECT_TRUE(tree_->last().rebuilt);
}

}  // namespace
}  // namespace l2mac::control_unit
