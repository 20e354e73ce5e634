// The file store against a real disk: materialization, snapshots, symlink refusal and
// persistence of the database file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/sqlite.hpp"
#include "filestore/disk_io.hpp"
#include "filestore/file_store.hpp"
#include "filestore/materializer.hpp"
#include "filestore/path.hpp"

namespace l2mac::filestore {
namespace {

namespace fs = std::filesystem;

// Changes for one commit: path -> new content, or nullopt to delete.
using Changes = std::map<std::string, std::optional<std::string>>;

// A fresh folder under the system temp folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("l2mac_filestore_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) +
             "_" + (test ? test->name() : "test"));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string ReadDisk(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteDisk(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
}

// Every regular file below `root`, as sorted relative paths.
std::vector<std::string> FilesBelow(const fs::path& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

using Paths = std::vector<std::string>;

class OnDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = temp_.path() / "out";
    fs::create_directories(out_ / ".l2mac");
    OpenStore();
  }

  void OpenStore() {
    store_.reset();
    db_.reset();
    auto db = Database::Open((out_ / ".l2mac" / "state.db").string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    auto store = FileStore::Open(*db_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  int64_t CommitChanges(const Changes& changes) {
    auto txn = store_->Begin();
    if (!txn.ok()) {
      ADD_FAILURE() << txn.status().ToString();
      return -1;
    }
    // Deletions first, so that a folder can become a file in one change set.
    for (bool deleting : {true, false}) {
      for (const auto& [path, content] : changes) {
        if (content.has_value() == deleting) continue;
        Status status = content ? (*txn)->Write(path, *content) : (*txn)->Delete(path);
        if (!status.ok()) {
          ADD_FAILURE() << path << ": " << status.ToString();
          return -1;
        }
      }
    }
    auto id = (*txn)->Commit("change", "test");
    if (!id.ok()) {
      ADD_FAILURE() << id.status().ToString();
      return -1;
    }
    return *id;
  }

  MaterializeReport MaterializeOk(const fs::path& dir) {
    auto report = store_->Materialize(dir);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : MaterializeReport{};
  }

  TempDir temp_;
  fs::path out_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<FileStore> store_;
};

// Files below `root` whose name marks them as a write's temporary.
size_t TemporariesBelow(const fs::path& root) {
  size_t count = 0;
  for (const auto& name : FilesBelow(root)) {
    if (fs::path(name).filename().string().rfind(".l2mac-tmp-", 0) == 0) ++count;
  }
  return count;
}

TEST(DurableWritesTest, StagedFilesAppearOnlyWhenPublishedInStageOrder) {
  TempDir temp;
  const fs::path root = temp.path();
  WriteDisk(root / "old.txt", "old\n");
  fs::permissions(root / "old.txt",
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::owner_exec);
  DurableWrites writes(root);
  ASSERT_TRUE(writes.Stage("old.txt", "new\n").ok());
  ASSERT_TRUE(writes.Stage("deep/er/new.txt", "fresh\n").ok());
  EXPECT_EQ(writes.staged(), 2u);
  // Nothing is visible yet: the old content stays, the new file does not exist.
  EXPECT_EQ(ReadDisk(root / "old.txt"), "old\n");
  EXPECT_FALSE(fs::exists(root / "deep/er/new.txt"));
  EXPECT_EQ(TemporariesBelow(root), 2u);

  std::vector<std::string> renamed;
  ASSERT_TRUE(writes.Publish([&](const std::string& path) { renamed.push_back(path); }).ok());
  EXPECT_EQ(renamed, (std::vector<std::string>{"old.txt", "deep/er/new.txt"}));
  EXPECT_EQ(ReadDisk(root / "old.txt"), "new\n");
  EXPECT_EQ(ReadDisk(root / "deep/er/new.txt"), "fresh\n");
  EXPECT_EQ(TemporariesBelow(root), 0u);
  EXPECT_EQ(writes.staged(), 0u);
  // The replaced file kept its permission bits.
  EXPECT_NE(fs::status(root / "old.txt").permissions() & fs::perms::owner_exec, fs::perms::none);
}

TEST(DurableWritesTest, UnpublishedWritesLeaveNoTemporaryAndChangeNothing) {
  TempDir temp;
  const fs::path root = temp.path();
  WriteDisk(root / "kept.txt", "kept\n");
  {
    DurableWrites writes(root);
    ASSERT_TRUE(writes.Stage("kept.txt", "lost\n").ok());
    ASSERT_TRUE(writes.Stage("never.txt", "lost\n").ok());
  }
  EXPECT_EQ(ReadDisk(root / "kept.txt"), "kept\n");
  EXPECT_FALSE(fs::exists(root / "never.txt"));
  EXPECT_EQ(TemporariesBelow(root), 0u);

  // A folder in the way is refused when staging, before anything is visible.
  fs::create_directories(root / "folder.txt");
  DurableWrites writes(root);
  Status refused = writes.Stage("folder.txt", "x");
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << refused.ToString();
  EXPECT_EQ(writes.staged(), 0u);
  EXPECT_EQ(TemporariesBelow(root), 0u);
}

TEST_F(OnDiskTest, MaterializeWritesMoreFilesThanOneBatch) {
  Changes many;
  for (int i = 0; i < 150; ++i) many["batch/f" + std::to_string(i) + ".txt"] = std::to_string(i);
  ASSERT_GT(CommitChanges(many), 0);
  MaterializeReport report = MaterializeOk(out_);
  EXPECT_EQ(report.written.size(), 150u);
  EXPECT_EQ(ReadDisk(out_ / "batch/f149.txt"), "149");
  EXPECT_EQ(TemporariesBelow(out_), 0u);
  // Every file written was recorded: a second pass finds nothing to do.
  MaterializeReport again = MaterializeOk(out_);
  EXPECT_TRUE(again.written.empty());
  EXPECT_TRUE(again.kept_user_edits.empty());
}

TEST_F(OnDiskTest, MaterializeWritesTheHeadIntoANewFolder) {
  ASSERT_EQ(CommitChanges({{"a.txt", "alpha\n"}, {"src/pkg/b.py", "print('b')\n"}}), 1);
  fs::path fresh = temp_.path() / "fresh" / "nested";
  MaterializeReport report = MaterializeOk(fresh);
  EXPECT_EQ(report.written, (Paths{"a.txt", "src/pkg/b.py"}));
  EXPECT_TRUE(report.removed.empty());
  EXPECT_TRUE(report.kept_user_edits.empty());
  EXPECT_EQ(ReadDisk(fresh / "a.txt"), "alpha\n");
  EXPECT_EQ(ReadDisk(fresh / "src/pkg/b.py"), "print('b')\n");
  EXPECT_EQ(FilesBelow(fresh), (Paths{"a.txt", "src/pkg/b.py"}));  // no temporary files left
}

TEST_F(OnDiskTest, MaterializeTouchesOnlyChangedFiles) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a1"}, {"b.txt", "b1"}}), 1);
  ASSERT_EQ(MaterializeOk(out_).written, (Paths{"a.txt", "b.txt"}));
  auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(1);
  fs::last_write_time(out_ / "a.txt", old_time);

  MaterializeReport unchanged = MaterializeOk(out_);
  EXPECT_TRUE(unchanged.written.empty());
  EXPECT_TRUE(unchanged.removed.empty());
  EXPECT_TRUE(unchanged.kept_user_edits.empty());

  ASSERT_EQ(CommitChanges({{"b.txt", "b2"}}), 2);
  MaterializeReport report = MaterializeOk(out_);
  EXPECT_EQ(report.written, (Paths{"b.txt"}));
  EXPECT_EQ(ReadDisk(out_ / "b.txt"), "b2");
  EXPECT_EQ(fs::last_write_time(out_ / "a.txt"), old_time);
}

TEST_F(OnDiskTest, MaterializePathsBringsUpTheListedPathsAndLooksAtNoOther) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a1"}, {"b.txt", "b1"}, {"old/c.txt", "c1"}}), 1);
  MaterializeOk(out_);
  // The user edits a.txt; the next commit changes b.txt and deletes old/c.txt.
  WriteDisk(out_ / "a.txt", "the user's a");
  ASSERT_EQ(CommitChanges({{"b.txt", "b2"}, {"old/c.txt", std::nullopt}, {"d.txt", "d"}}), 2);
  auto report = store_->MaterializePaths(out_, {"b.txt", "d.txt", "old/c.txt"});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->written, (Paths{"b.txt", "d.txt"}));
  EXPECT_EQ(report->removed, (Paths{"old/c.txt"}));
  // a.txt was not listed: neither read nor reported (the whole Materialize reports it).
  EXPECT_TRUE(report->kept_user_edits.empty());
  EXPECT_EQ(ReadDisk(out_ / "a.txt"), "the user's a");
  EXPECT_EQ(ReadDisk(out_ / "b.txt"), "b2");
  EXPECT_FALSE(fs::exists(out_ / "old"));
  EXPECT_EQ(MaterializeOk(out_).kept_user_edits, (Paths{"a.txt"}));

  // A listed path the user edited is kept, as the whole Materialize keeps it.
  WriteDisk(out_ / "b.txt", "the user's b");
  ASSERT_EQ(CommitChanges({{"b.txt", "b3"}}), 3);
  auto kept = store_->MaterializePaths(out_, {"b.txt"});
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->kept_user_edits, (Paths{"b.txt"}));
  EXPECT_EQ(ReadDisk(out_ / "b.txt"), "the user's b");
}

TEST_F(OnDiskTest, MaterializeRemovesDeletedFilesAndTheFoldersTheyEmptied) {
  ASSERT_EQ(
      CommitChanges(
          {{"pkg/sub/x.py", "x"}, {"pkg/y.py", "y"}, {"deep/a/b/c.txt", "c"}, {"keep.txt", "k"}}),
      1);
  MaterializeOk(out_);
  WriteDisk(out_ / "pkg" / "notes.txt", "the user's own file");
  ASSERT_EQ(CommitChanges({{"pkg/sub/x.py", std::nullopt},
                           {"pkg/y.py", std::nullopt},
                           {"deep/a/b/c.txt", std::nullopt}}),
            2);
  MaterializeReport report = MaterializeOk(out_);
  EXPECT_EQ(report.removed, (Paths{"deep/a/b/c.txt", "pkg/sub/x.py", "pkg/y.py"}));
  EXPECT_TRUE(report.written.empty());
  EXPECT_FALSE(fs::exists(out_ / "pkg" / "sub"));
  EXPECT_FALSE(fs::exists(out_ / "deep"));
  EXPECT_EQ(ReadDisk(out_ / "pkg" / "notes.txt"), "the user's own file");
  EXPECT_EQ(ReadDisk(out_ / "keep.txt"), "k");
  EXPECT_TRUE(fs::exists(out_ / ".l2mac" / "state.db"));
}

TEST_F(OnDiskTest, MaterializeTurnsAFolderIntoAFile) {
  ASSERT_EQ(CommitChanges({{"x/y.txt", "inside"}}), 1);
  MaterializeOk(out_);
  ASSERT_EQ(CommitChanges({{"x/y.txt", std::nullopt}, {"x", "now a file"}}), 2);
  MaterializeReport report = MaterializeOk(out_);
  EXPECT_EQ(report.removed, (Paths{"x/y.txt"}));
  EXPECT_EQ(report.written, (Paths{"x"}));
  EXPECT_TRUE(fs::is_regular_file(out_ / "x"));
  EXPECT_EQ(ReadDisk(out_ / "x"), "now a file");
}

TEST_F(OnDiskTest, MaterializeKeepsAUserEditAndReportsIt) {
  ASSERT_EQ(CommitChanges({{"a.py", "v1"}}), 1);
  MaterializeOk(out_);
  WriteDisk(out_ / "a.py", "the user's version");
  ASSERT_EQ(CommitChanges({{"a.py", "v2"}}), 2);

  MaterializeReport report = MaterializeOk(out_);
  EXPECT_EQ(report.kept_user_edits, (Paths{"a.py"}));
  EXPECT_TRUE(report.written.empty());
  EXPECT_EQ(ReadDisk(out_ / "a.py"), "the user's version");
  EXPECT_EQ(MaterializeOk(out_).kept_user_edits, (Paths{"a.py"}));  // until it is resolved

  // The caller imports the edit; the file is then l2mac's again and follows the head.
  ASSERT_EQ(CommitChanges({{"a.py", "the user's version"}}), 3);
  MaterializeReport imported = MaterializeOk(out_);
  EXPECT_TRUE(imported.kept_user_edits.empty());
  EXPECT_TRUE(imported.written.empty());
  ASSERT_EQ(CommitChanges({{"a.py", "v4"}}), 4);
  EXPECT_EQ(MaterializeOk(out_).written, (Paths{"a.py"}));
  EXPECT_EQ(ReadDisk(out_ / "a.py"), "v4");
}

TEST_F(OnDiskTest, MaterializeReportsAnEditOfAFileTheHeadDidNotChange) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}, {"b.txt", "b"}}), 1);
  MaterializeOk(out_);
  WriteDisk(out_ / "b.txt", "edited");
  MaterializeReport report = MaterializeOk(out_);
  EXPECT_EQ(report.kept_user_edits, (Paths{"b.txt"}));
  EXPECT_TRUE(report.written.empty());
  EXPECT_EQ(ReadDisk(out_ / "b.txt"), "edited");
}

TEST_F(OnDiskTest, MaterializeKeepsAnEditedFileTheHeadDeleted) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}}), 1);
  MaterializeOk(out_);
  WriteDisk(out_ / "a.txt", "edited");
  ASSERT_EQ(CommitChanges({{"a.txt", std::nullopt}}), 2);
  MaterializeReport report = MaterializeOk(out_);
  EXPECT_EQ(report.kept_user_edits, (Paths{"a.txt"}));
  EXPECT_TRUE(report.removed.empty());
  EXPECT_EQ(ReadDisk(out_ / "a.txt"), "edited");
}

TEST_F(OnDiskTest, MaterializeKeepsFilesItNeverWroteUnlessTheyMatch) {
  WriteDisk(out_ / "a.txt", "the user's a");
  WriteDisk(out_ / "b.txt", "same");
  ASSERT_EQ(CommitChanges({{"a.txt", "store's a"}, {"b.txt", "same"}}), 1);
  MaterializeReport report = MaterializeOk(out_);
  EXPECT_EQ(report.kept_user_edits, (Paths{"a.txt"}));
  EXPECT_TRUE(report.written.empty());
  EXPECT_EQ(ReadDisk(out_ / "a.txt"), "the user's a");

  // b.txt already held the head content, so it counts as l2mac's from now on.
  ASSERT_EQ(CommitChanges({{"b.txt", "newer"}}), 2);
  EXPECT_EQ(MaterializeOk(out_).written, (Paths{"b.txt"}));
  EXPECT_EQ(ReadDisk(out_ / "b.txt"), "newer");
}

TEST_F(OnDiskTest, MaterializeRestoresAFileTheUserDeleted) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}}), 1);
  MaterializeOk(out_);
  fs::remove(out_ / "a.txt");
  EXPECT_EQ(MaterializeOk(out_).written, (Paths{"a.txt"}));
  EXPECT_EQ(ReadDisk(out_ / "a.txt"), "a");
}

TEST_F(OnDiskTest, MaterializeKeepsPermissionBitsOfReplacedFiles) {
  ASSERT_EQ(CommitChanges({{"run.sh", "#!/bin/sh\necho 1\n"}}), 1);
  MaterializeOk(out_);
  fs::permissions(out_ / "run.sh", fs::perms::owner_exec, fs::perm_options::add);
  ASSERT_EQ(CommitChanges({{"run.sh", "#!/bin/sh\necho 2\n"}}), 2);
  EXPECT_EQ(MaterializeOk(out_).written, (Paths{"run.sh"}));
  EXPECT_NE(fs::status(out_ / "run.sh").permissions() & fs::perms::owner_exec, fs::perms::none);
}

TEST_F(OnDiskTest, MaterializeRefusesToWriteThroughASymlinkedFolder) {
  fs::path outside = temp_.path() / "outside";
  fs::create_directories(outside);
  fs::create_directory_symlink(outside, out_ / "lib");
  ASSERT_EQ(CommitChanges({{"lib/evil.py", "escaped"}, {"ok.txt", "ok"}}), 1);

  auto report = store_->Materialize(out_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kPermissionDenied);
  const std::string message = report.status().message();
  EXPECT_NE(message.find((out_ / "lib").string()), std::string::npos) << message;
  EXPECT_NE(message.find(outside.string()), std::string::npos) << message;
  EXPECT_NE(message.find("never writes through symlinks"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_empty(outside));
  EXPECT_FALSE(fs::exists(out_ / "ok.txt"));  // refused before anything changed
}

TEST_F(OnDiskTest, MaterializeRefusesToReplaceASymlinkedFile) {
  fs::path outside = temp_.path() / "outside.txt";
  WriteDisk(outside, "original");
  ASSERT_EQ(CommitChanges({{"a.txt", "old"}}), 1);
  MaterializeOk(out_);
  fs::remove(out_ / "a.txt");
  fs::create_symlink(outside, out_ / "a.txt");
  ASSERT_EQ(CommitChanges({{"a.txt", "new"}}), 2);

  auto report = store_->Materialize(out_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ReadDisk(outside), "original");
  EXPECT_TRUE(fs::is_symlink(out_ / "a.txt"));
}

TEST_F(OnDiskTest, MaterializeNeverTouchesTheL2macFolder) {
  WriteDisk(out_ / ".l2mac" / "marker", "mine");
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}, {"sub/b.txt", "b"}}), 1);
  MaterializeOk(out_);
  ASSERT_EQ(CommitChanges({{"a.txt", std::nullopt}, {"sub/b.txt", std::nullopt}}), 2);
  MaterializeReport report = MaterializeOk(out_);
  EXPECT_EQ(report.removed, (Paths{"a.txt", "sub/b.txt"}));
  EXPECT_EQ(ReadDisk(out_ / ".l2mac" / "marker"), "mine");
  EXPECT_TRUE(fs::exists(out_ / ".l2mac" / "state.db"));
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(out_)) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(left, (Paths{".l2mac"}));
}

TEST_F(OnDiskTest, MaterializeTracksEachFolderSeparately) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}}), 1);
  fs::path first = temp_.path() / "first";
  fs::path second = temp_.path() / "second";
  EXPECT_EQ(MaterializeOk(first).written, (Paths{"a.txt"}));
  EXPECT_EQ(MaterializeOk(second).written, (Paths{"a.txt"}));
  ASSERT_EQ(CommitChanges({{"a.txt", "a2"}}), 2);
  EXPECT_EQ(MaterializeOk(first).written, (Paths{"a.txt"}));
  EXPECT_EQ(MaterializeOk(second).written, (Paths{"a.txt"}));
}

TEST_F(OnDiskTest, TrustedStampSkipsReadingAnUnchangedFile) {
  MaterializeTuning trust_at_once;
  trust_at_once.racy_window_ns = 0;
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}}), 1);
  auto first = MaterializeHead(*db_, out_, trust_at_once);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->written, (Paths{"a.txt"}));

  // Make the record claim an older content. Only a run that trusts the stamp instead of
  // reading the file believes the disk still holds that content, and so rewrites it.
  ASSERT_TRUE(db_->Exec("UPDATE materialized SET hash = 'older'").ok());
  auto trusted = MaterializeHead(*db_, out_, trust_at_once);
  ASSERT_TRUE(trusted.ok()) << trusted.status().ToString();
  EXPECT_EQ(trusted->written, (Paths{"a.txt"}));
  EXPECT_EQ(ReadDisk(out_ / "a.txt"), "a");
}

TEST_F(OnDiskTest, TrustedStampStillRevealsAUserEdit) {
  MaterializeTuning trust_at_once;
  trust_at_once.racy_window_ns = 0;
  ASSERT_EQ(CommitChanges({{"a.txt", "abc"}}), 1);
  ASSERT_TRUE(MaterializeHead(*db_, out_, trust_at_once).ok());
  WriteDisk(out_ / "a.txt", "abc plus the user's line");
  auto report = MaterializeHead(*db_, out_, trust_at_once);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->kept_user_edits, (Paths{"a.txt"}));
  EXPECT_EQ(ReadDisk(out_ / "a.txt"), "abc plus the user's line");
}

TEST_F(OnDiskTest, CheckNoSymlinkOnDiskNamesTheLinkAndItsTarget) {
  fs::path outside = temp_.path() / "elsewhere";
  fs::create_directories(outside);
  fs::create_directories(out_ / "real" / "dir");
  fs::create_directory_symlink(outside, out_ / "real" / "link");
  WriteDisk(outside / "f.txt", "f");
  fs::create_symlink(outside / "f.txt", out_ / "file_link");

  EXPECT_TRUE(CheckNoSymlinkOnDisk(out_, "real/dir/new.py").ok());
  EXPECT_TRUE(CheckNoSymlinkOnDisk(out_, "missing/a/b.py").ok());
  Status through = CheckNoSymlinkOnDisk(out_, "real/link/x.py");
  EXPECT_EQ(through.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(through.message().find((out_ / "real" / "link").string()), std::string::npos)
      << through.message();
  EXPECT_NE(through.message().find(outside.string()), std::string::npos) << through.message();
  EXPECT_EQ(CheckNoSymlinkOnDisk(out_, "file_link").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckNoSymlinkOnDisk(out_, "../x").code(), StatusCode::kPermissionDenied);
}

TEST_F(OnDiskTest, WriteSnapshotWritesTheStagedTree) {
  std::string binary("\0\x01\xff", 3);
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}, {"b.txt", "b"}, {"c/c.txt", "c"}}), 1);
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Write("b.txt", "staged b").ok());
  ASSERT_TRUE((*txn)->Delete("c/c.txt").ok());
  ASSERT_TRUE((*txn)->Write("d/e/bin.dat", binary).ok());

  fs::path snapshot = temp_.path() / "snapshot";
  Status written = (*txn)->WriteSnapshot(snapshot);
  ASSERT_TRUE(written.ok()) << written.ToString();
  EXPECT_EQ(FilesBelow(snapshot), (Paths{"a.txt", "b.txt", "d/e/bin.dat"}));
  EXPECT_EQ(ReadDisk(snapshot / "b.txt"), "staged b");
  EXPECT_EQ(ReadDisk(snapshot / "d/e/bin.dat"), binary);

  fs::path empty = temp_.path() / "empty";
  fs::create_directories(empty);
  EXPECT_TRUE((*txn)->WriteSnapshot(empty).ok());
  EXPECT_EQ(FilesBelow(empty), (Paths{"a.txt", "b.txt", "d/e/bin.dat"}));

  Status again = (*txn)->WriteSnapshot(snapshot);
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadDisk(snapshot / "b.txt"), "staged b");
  EXPECT_EQ(*store_->Head(), 1);  // a snapshot commits nothing
}

TEST_F(OnDiskTest, ReopenedDatabaseFileHasTheSameHead) {
  ASSERT_EQ(CommitChanges({{"a.txt", "a"}, {"b.bin", std::string("\0\xff", 2)}}), 1);
  ASSERT_EQ(CommitChanges({{"a.txt", "a2"}}), 2);
  MaterializeOk(out_);
  OpenStore();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*store_->Head(), 2);
  EXPECT_EQ(*store_->Read(2, "a.txt"), std::optional<std::string>("a2"));
  EXPECT_EQ(*store_->Read(1, "a.txt"), std::optional<std::string>("a"));
  EXPECT_EQ(*store_->Read(2, "b.bin"), std::optional<std::string>(std::string("\0\xff", 2)));
  EXPECT_EQ(store_->Log()->size(), 2u);
  // What was materialized before is remembered: nothing to write.
  EXPECT_TRUE(MaterializeOk(out_).written.empty());
  ASSERT_EQ(CommitChanges({{"c.txt", "c"}}), 3);
  EXPECT_EQ((*store_->Log(1))[0].parent, std::optional<int64_t>(2));
}

}  // namespace
}  // namespace l2mac::filestore
