#include "filestore/file_store.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/sqlite.hpp"
#include "filestore/content_hash.hpp"

namespace l2mac::filestore {
namespace {

// Changes for one commit: path -> new content, or nullopt to delete.
using Changes = std::map<std::string, std::optional<std::string>>;

std::vector<std::string> Paths(const std::vector<FileInfo>& files) {
  std::vector<std::string> paths;
  for (const FileInfo& info : files) paths.push_back(info.path);
  return paths;
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    auto store = FileStore::Open(*db_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  // Applies `changes` in one transaction and commits; returns the commit id, or -1 after
  // recording a test failure.
  int64_t CommitChanges(const Changes& changes, const std::string& message = "change") {
    auto txn = store_->Begin();
    if (!txn.ok()) {
      ADD_FAILURE() << txn.status().ToString();
      return -1;
    }
    for (const auto& [path, content] : changes) {
      Status status = content ? (*txn)->Write(path, *content) : (*txn)->Delete(path);
      if (!status.ok()) {
        ADD_FAILURE() << path << ": " << status.ToString();
        return -1;
      }
    }
    auto id = (*txn)->Commit(message, "test");
    if (!id.ok()) {
      ADD_FAILURE() << id.status().ToString();
      return -1;
    }
    return *id;
  }

  std::optional<std::string> ReadAt(int64_t commit, const std::string& path) {
    auto content = store_->Read(commit, path);
    EXPECT_TRUE(content.ok()) << content.status().ToString();
    return content.ok() ? *content : std::nullopt;
  }

  int64_t CountRows(const std::string& table) {
    auto query = db_->Prepare("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(query.ok());
    if (!query.ok()) return -1;
    auto row = query->Step();
    EXPECT_TRUE(row.ok() && *row);
    return query->ColumnInt(0);
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<FileStore> store_;
};

TEST_F(FileStoreTest, NewStoreIsEmpty) {
  auto head = store_->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, 0);
  auto files = store_->List(0);
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());
  EXPECT_EQ(ReadAt(0, "a.txt"), std::nullopt);
  auto log = store_->Log();
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(log->empty());
}

TEST_F(FileStoreTest, TransactionReadsSeeStagedWritesAndDeletes) {
  ASSERT_EQ(CommitChanges({{"keep.txt", "k"}, {"old.txt", "o"}}), 1);
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  StoreTransaction& t = **txn;
  EXPECT_EQ(t.base(), 1);
  EXPECT_FALSE(t.HasChanges());
  ASSERT_TRUE(t.Write("./src/app.py", "print(1)\n").ok());
  ASSERT_TRUE(t.Delete("old.txt").ok());

  auto app = t.Read("src/app.py");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(*app, std::optional<std::string>("print(1)\n"));
  auto old = t.Read("old.txt");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, std::nullopt);
  auto keep = t.Read("keep.txt");
  ASSERT_TRUE(keep.ok());
  EXPECT_EQ(*keep, std::optional<std::string>("k"));

  auto files = t.List();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(Paths(*files), (std::vector<std::string>{"keep.txt", "src/app.py"}));
  EXPECT_EQ((*files)[1].size, 9);
  EXPECT_EQ((*files)[1].lines, 1);
  EXPECT_TRUE(t.HasChanges());
  EXPECT_EQ(t.ChangedPaths(), (std::vector<std::string>{"old.txt", "src/app.py"}));

  // Nothing reaches the store before Commit().
  EXPECT_EQ(ReadAt(1, "src/app.py"), std::nullopt);
  EXPECT_EQ(ReadAt(1, "old.txt"), std::optional<std::string>("o"));
}

TEST_F(FileStoreTest, CommitMakesNewHeadAndContinuesFromIt) {
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Write("a.txt", "alpha").ok());
  auto id = (*txn)->Commit("first", "instruction 1 attempt 1");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, 1);
  EXPECT_EQ(*store_->Head(), 1);
  EXPECT_EQ(ReadAt(1, "a.txt"), std::optional<std::string>("alpha"));
  EXPECT_EQ((*txn)->base(), 1);
  EXPECT_FALSE((*txn)->HasChanges());

  ASSERT_TRUE((*txn)->Write("b.txt", "beta").ok());
  auto second = (*txn)->Commit("second", "instruction 2 attempt 1");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*second, 2);
  EXPECT_EQ(Paths(*store_->List(2)), (std::vector<std::string>{"a.txt", "b.txt"}));
}

TEST_F(FileStoreTest, CommitWithoutChangesReturnsBase) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}}), 1);
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  auto id = (*txn)->Commit("nothing", "test");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 1);
  EXPECT_EQ(CountRows("commits"), 1);
}

TEST_F(FileStoreTest, DiscardLeavesNoCommitAndTransactionIsReusable) {
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Write("a.txt", "discarded").ok());
  (*txn)->Discard();
  EXPECT_FALSE((*txn)->HasChanges());
  auto read = (*txn)->Read("a.txt");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, std::nullopt);
  auto unchanged = (*txn)->Commit("empty", "test");
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(*unchanged, 0);
  EXPECT_EQ(*store_->Head(), 0);
  EXPECT_EQ(CountRows("blobs"), 0);

  ASSERT_TRUE((*txn)->Write("a.txt", "kept").ok());
  auto id = (*txn)->Commit("after discard", "test");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(ReadAt(*id, "a.txt"), std::optional<std::string>("kept"));
}

TEST_F(FileStoreTest, DestroyedTransactionLeavesNoTrace) {
  {
    auto txn = store_->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Write("a.txt", "never committed").ok());
  }
  EXPECT_EQ(*store_->Head(), 0);
  EXPECT_EQ(CountRows("blobs"), 0);
  EXPECT_EQ(CountRows("commits"), 0);
  EXPECT_EQ(CountRows("head_files"), 0);
}

TEST_F(FileStoreTest, PathCannotBeBothFileAndFolder) {
  ASSERT_GT(CommitChanges({{"pkg/mod.py", "x = 1\n"}, {"notes", "n"}}), 0);
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  Status over_folder = (*txn)->Write("pkg", "oops");
  EXPECT_EQ(over_folder.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over_folder.message().find("folder"), std::string::npos) << over_folder.message();
  Status under_file = (*txn)->Write("notes/today.md", "n");
  EXPECT_EQ(under_file.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(under_file.message().find("'notes' is a file"), std::string::npos)
      << under_file.message();
  // Staged files count too, and deleting the file frees the path for a folder.
  ASSERT_TRUE((*txn)->Write("new/a.py", "a").ok());
  EXPECT_FALSE((*txn)->Write("new", "b").ok());
  ASSERT_TRUE((*txn)->Delete("notes").ok());
  EXPECT_TRUE((*txn)->Write("notes/today.md", "n").ok());
  EXPECT_TRUE((*txn)->HasChanges());
}

TEST_F(FileStoreTest, SameContentIsStoredOnce) {
  ASSERT_EQ(CommitChanges({{"a.txt", "shared"}, {"b/c.txt", "shared"}}), 1);
  ASSERT_EQ(CommitChanges({{"d.txt", "shared"}, {"e.txt", "other"}}), 2);
  EXPECT_EQ(CountRows("blobs"), 2);
  EXPECT_EQ(Paths(*store_->List(2)),
            (std::vector<std::string>{"a.txt", "b/c.txt", "d.txt", "e.txt"}));
}

TEST_F(FileStoreTest, RewritingBaseContentIsNoChange) {
  ASSERT_EQ(CommitChanges({{"a.txt", "same"}}), 1);
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Write("a.txt", "changed").ok());
  ASSERT_TRUE((*txn)->Write("a.txt", "same").ok());
  EXPECT_FALSE((*txn)->HasChanges());
  ASSERT_TRUE((*txn)->Write("new.txt", "n").ok());
  ASSERT_TRUE((*txn)->Delete("new.txt").ok());
  EXPECT_FALSE((*txn)->HasChanges());
  EXPECT_TRUE((*txn)->ChangedPaths().empty());
}

TEST_F(FileStoreTest, DeletingAMissingFileIsNotFound) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}}), 1);
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  Status missing = (*txn)->Delete("nope.txt");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("'nope.txt'"), std::string::npos) << missing.message();
  ASSERT_TRUE((*txn)->Delete("a.txt").ok());
  EXPECT_EQ((*txn)->Delete("a.txt").code(), StatusCode::kNotFound);
}

TEST_F(FileStoreTest, BadPathsAreRefused) {
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ((*txn)->Write("../escape.py", "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ((*txn)->Write(".l2mac/state.db", "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ((*txn)->Write("a//b", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*txn)->Read("/etc/passwd").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(store_->Read(0, "a\\b").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE((*txn)->HasChanges());
}

TEST_F(FileStoreTest, CommitFailsWhenHeadMovedSinceBegin) {
  auto first = store_->Begin();
  auto second = store_->Begin();
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE((*first)->Write("a.txt", "first").ok());
  ASSERT_TRUE((*second)->Write("a.txt", "second").ok());
  ASSERT_TRUE((*first)->Commit("first", "test").ok());

  auto late = (*second)->Commit("second", "test");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(late.status().message().find("begin a new transaction"), std::string::npos)
      << late.status().message();
  EXPECT_EQ(*store_->Head(), 1);
  EXPECT_EQ(ReadAt(1, "a.txt"), std::optional<std::string>("first"));
  EXPECT_EQ(CountRows("commits"), 1);
  EXPECT_TRUE((*second)->HasChanges());  // the caller can still inspect what failed
}

TEST_F(FileStoreTest, BeginAtAnOlderCommitReadsItsTreeAndCommitsOnlyWhileMainIsThere) {
  const int64_t first = CommitChanges({{"a.txt", "one"}});
  const int64_t second = CommitChanges({{"a.txt", "two"}, {"b.txt", "new"}});
  ASSERT_GT(second, first);

  // Staged on the older commit: its reads show that commit's files, not the head's.
  auto old = store_->BeginAt(first);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ((*old)->base(), first);
  auto read = (*old)->Read("a.txt");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, std::optional<std::string>("one"));
  auto listed = (*old)->List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(Paths(*listed), std::vector<std::string>{"a.txt"});
  // Main has moved past it, so its commit is refused and main keeps what it gained.
  ASSERT_TRUE((*old)->Write("c.txt", "late").ok());
  auto late = (*old)->Commit("late", "test");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store_->Head(), second);

  // Staged on the head itself, it commits as Begin() would.
  auto current = store_->BeginAt(second);
  ASSERT_TRUE(current.ok());
  ASSERT_TRUE((*current)->Write("c.txt", "now").ok());
  auto committed = (*current)->Commit("now", "test");
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(*store_->Head(), *committed);
  EXPECT_EQ(ReadAt(*committed, "b.txt"), std::optional<std::string>("new"));

  auto unknown = store_->BeginAt(999);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
}

TEST_F(FileStoreTest, CommitInsideRolledBackOuterTransactionLeavesNoCommit) {
  ASSERT_EQ(CommitChanges({{"base.txt", "b"}}), 1);
  {
    auto outer = Transaction::Begin(*db_);
    ASSERT_TRUE(outer.ok());
    auto txn = store_->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Write("a.txt", "inside").ok());
    auto id = (*txn)->Commit("inside", "test");
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_EQ(*store_->Head(), *id);
    ASSERT_TRUE((*outer)->Rollback().ok());
  }
  EXPECT_EQ(*store_->Head(), 1);
  EXPECT_EQ(CountRows("commits"), 1);
  EXPECT_EQ(CountRows("blobs"), 1);
  EXPECT_EQ(Paths(*store_->List(1)), (std::vector<std::string>{"base.txt"}));
  EXPECT_EQ(CommitChanges({{"later.txt", "l"}}), 2);
}

TEST_F(FileStoreTest, CommitInsideCommittedOuterTransactionPersists) {
  auto outer = Transaction::Begin(*db_);
  ASSERT_TRUE(outer.ok());
  int64_t id = CommitChanges({{"a.txt", "a"}});
  ASSERT_EQ(id, 1);
  ASSERT_TRUE((*outer)->Commit().ok());
  EXPECT_EQ(*store_->Head(), 1);
  EXPECT_EQ(ReadAt(1, "a.txt"), std::optional<std::string>("a"));
}

TEST_F(FileStoreTest, ReadsAtOlderCommitsSeeTheirOwnTree) {
  int64_t c1 = CommitChanges({{"a.txt", "v1"}, {"b.txt", "x"}});
  int64_t c2 = CommitChanges({{"a.txt", "v2"}, {"c.txt", "new"}});
  int64_t c3 = CommitChanges({{"b.txt", std::nullopt}});
  int64_t c4 = CommitChanges({{"b.txt", "back"}});
  ASSERT_EQ(c4, 4);

  EXPECT_EQ(ReadAt(c1, "a.txt"), std::optional<std::string>("v1"));
  EXPECT_EQ(ReadAt(c2, "a.txt"), std::optional<std::string>("v2"));
  EXPECT_EQ(ReadAt(c1, "c.txt"), std::nullopt);
  EXPECT_EQ(ReadAt(c1, "b.txt"), std::optional<std::string>("x"));
  EXPECT_EQ(ReadAt(c3, "b.txt"), std::nullopt);
  EXPECT_EQ(ReadAt(c4, "b.txt"), std::optional<std::string>("back"));

  EXPECT_EQ(Paths(*store_->List(c1)), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(Paths(*store_->List(c2)), (std::vector<std::string>{"a.txt", "b.txt", "c.txt"}));
  EXPECT_EQ(Paths(*store_->List(c3)), (std::vector<std::string>{"a.txt", "c.txt"}));
  auto at_c2 = store_->List(c2, "a");
  ASSERT_TRUE(at_c2.ok());
  ASSERT_EQ(at_c2->size(), 1u);
  EXPECT_EQ((*at_c2)[0].size, 2);
  EXPECT_EQ((*at_c2)[0].hash, *Sha256Hex("v2"));

  // A transaction begun on the head reads the head, not older trees.
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(*(*txn)->Read("a.txt"), std::optional<std::string>("v2"));

  auto missing = store_->Read(99, "a.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->List(99).status().code(), StatusCode::kNotFound);
}

TEST_F(FileStoreTest, LogListsCommitsNewestFirstWithChangedPaths) {
  ASSERT_EQ(CommitChanges({{"b.txt", "b"}, {"a.txt", "a"}}, "add a and b"), 1);
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Write("c.txt", "c").ok());
  ASSERT_TRUE((*txn)->Delete("a.txt").ok());
  ASSERT_TRUE((*txn)->Commit("replace a with c", "instruction 2 attempt 3").ok());

  auto log = store_->Log();
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  const CommitInfo& newest = (*log)[0];
  EXPECT_EQ(newest.id, 2);
  EXPECT_EQ(newest.parent, std::optional<int64_t>(1));
  EXPECT_EQ(newest.message, "replace a with c");
  EXPECT_EQ(newest.author, "instruction 2 attempt 3");
  EXPECT_GT(newest.time_ms, 1'600'000'000'000);
  EXPECT_EQ(newest.changed_paths, (std::vector<std::string>{"a.txt", "c.txt"}));
  const CommitInfo& oldest = (*log)[1];
  EXPECT_EQ(oldest.id, 1);
  EXPECT_EQ(oldest.parent, std::nullopt);
  EXPECT_EQ(oldest.changed_paths, (std::vector<std::string>{"a.txt", "b.txt"}));

  auto limited = store_->Log(1);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].id, 2);
}

TEST_F(FileStoreTest, BinaryContentRoundTrips) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += std::string("\0\0\xff\xfe\xc0\xaf", 6);
  int64_t id = CommitChanges({{"data.bin", bytes}});
  ASSERT_EQ(id, 1);
  EXPECT_EQ(ReadAt(id, "data.bin"), std::optional<std::string>(bytes));
  auto files = store_->List(id);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].size, 262);
  EXPECT_EQ((*files)[0].hash, *Sha256Hex(bytes));
}

TEST_F(FileStoreTest, HashIsHexSha256) {
  EXPECT_EQ(*Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_EQ(CommitChanges({{"abc.txt", "abc"}}), 1);
  EXPECT_EQ((*store_->List(1))[0].hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(FileStoreTest, LinesFollowTheDocumentedCount) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"", 0}, {"a", 1}, {"a\n", 1}, {"a\nb", 2}, {"\n\n", 2}, {"a\r\nb\r\n", 2}};
  Changes changes;
  for (size_t i = 0; i < cases.size(); ++i) changes["f" + std::to_string(i)] = cases[i].first;
  ASSERT_EQ(CommitChanges(changes), 1);
  auto files = store_->List(1);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ((*files)[i].lines, cases[i].second) << "content #" << i;
  }
}

TEST_F(FileStoreTest, WriteAboveSizeLimitIsRefused) {
  StoreOptions options;
  options.max_file_bytes = 16;
  auto small_store = FileStore::Open(*db_, options);
  ASSERT_TRUE(small_store.ok());
  EXPECT_EQ((*small_store)->options().max_file_bytes, 16u);
  auto txn = (*small_store)->Begin();
  ASSERT_TRUE(txn.ok());
  EXPECT_TRUE((*txn)->Write("fits.txt", std::string(16, 'x')).ok());
  Status big = (*txn)->Write("big.py", std::string(17, 'x'));
  EXPECT_EQ(big.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(big.message().find("'big.py' is 17 bytes"), std::string::npos) << big.message();
  EXPECT_NE(big.message().find("limit of 16 bytes"), std::string::npos) << big.message();
  EXPECT_NE(big.message().find("split the file into smaller modules"), std::string::npos);
  EXPECT_EQ((*txn)->ChangedPaths(), (std::vector<std::string>{"fits.txt"}));
}

TEST_F(FileStoreTest, OpenRefusesZeroSizeLimit) {
  StoreOptions options;
  options.max_file_bytes = 0;
  auto store = FileStore::Open(*db_, options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FileStoreTest, ListFiltersByPrefix) {
  ASSERT_EQ(CommitChanges(
                {{"src/a.py", "a"}, {"src/b/c.py", "c"}, {"src2/x.py", "x"}, {"readme.md", "r"}}),
            1);
  EXPECT_EQ(Paths(*store_->List(1, "src/")), (std::vector<std::string>{"src/a.py", "src/b/c.py"}));
  EXPECT_EQ(Paths(*store_->List(1, "src")),
            (std::vector<std::string>{"src/a.py", "src/b/c.py", "src2/x.py"}));
  EXPECT_TRUE(store_->List(1, "zzz")->empty());
  EXPECT_TRUE(store_->List(1, "\xff")->empty());

  ASSERT_EQ(CommitChanges({{"src/d.py", "d"}}), 2);
  EXPECT_EQ(Paths(*store_->List(1, "src/")), (std::vector<std::string>{"src/a.py", "src/b/c.py"}));

  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Write("src/e.py", "e").ok());
  ASSERT_TRUE((*txn)->Write("tests/t.py", "t").ok());
  ASSERT_TRUE((*txn)->Delete("src/a.py").ok());
  EXPECT_EQ(Paths(*(*txn)->List("src/")),
            (std::vector<std::string>{"src/b/c.py", "src/d.py", "src/e.py"}));
}

TEST_F(FileStoreTest, ReopeningOnTheSameDatabaseKeepsTheHead) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}}), 1);
  store_.reset();
  auto reopened = FileStore::Open(*db_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(*(*reopened)->Head(), 1);
  EXPECT_EQ(*(*reopened)->Read(1, "a.txt"), std::optional<std::string>("a"));
}

}  // namespace
}  // namespace l2mac::filestore
