// Crash safety of commits: I/O failures injected under SQLite through a VFS shim, and
// processes killed at the named fault points (fault_points.hpp) of the commit and
// materialization paths, through the store's fault-point hook.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/sqlite.hpp"
#include "filestore/fault_points.hpp"
#include "filestore/file_store.hpp"
#include "temp_dir.hpp"

namespace l2mac::filestore {
namespace {

using testing::ScratchDir;
using Tree = std::map<std::string, std::string>;

// ---- A VFS that wraps the default one and fails the Nth xWrite/xSync ----------------

struct FaultPlan {
  bool armed = false;
  int fail_at = 0;          // the operation number (1-based) that fails
  bool persistent = false;  // keep failing every operation after it
  int operations = 0;
  int failures = 0;
};
FaultPlan g_plan;
sqlite3_vfs* g_real = nullptr;

struct ShimFile {
  const sqlite3_io_methods* methods;  // must come first: SQLite's sqlite3_file layout
  sqlite3_file* real;
};

sqlite3_file* Real(sqlite3_file* file) { return reinterpret_cast<ShimFile*>(file)->real; }

bool ShouldFail() {
  if (!g_plan.armed) return false;
  ++g_plan.operations;
  bool fail = g_plan.operations == g_plan.fail_at ||
              (g_plan.persistent && g_plan.operations > g_plan.fail_at);
  if (fail) ++g_plan.failures;
  return fail;
}

int ShimClose(sqlite3_file* f) {
  int rc = Real(f)->pMethods ? Real(f)->pMethods->xClose(Real(f)) : SQLITE_OK;
  return rc;
}
int ShimRead(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  return Real(f)->pMethods->xRead(Real(f), buffer, amount, offset);
}
int ShimWrite(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  if (ShouldFail()) return SQLITE_IOERR_WRITE;
  return Real(f)->pMethods->xWrite(Real(f), buffer, amount, offset);
}
int ShimTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int ShimSync(sqlite3_file* f, int flags) {
  if (ShouldFail()) return SQLITE_IOERR_FSYNC;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int ShimFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int ShimLock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int ShimUnlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int ShimCheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int ShimFileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int ShimSectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int ShimDeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShimShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShimShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShimShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShimShmUnmap(sqlite3_file* f, int remove) {
  return Real(f)->pMethods->xShmUnmap(Real(f), remove);
}

// Version 2: no memory-mapped fetches, so every page write goes through xWrite.
const sqlite3_io_methods kShimMethods = {2,
                                         ShimClose,
                                         ShimRead,
                                         ShimWrite,
                                         ShimTruncate,
                                         ShimSync,
                                         ShimFileSize,
                                         ShimLock,
                                         ShimUnlock,
                                         ShimCheckReservedLock,
                                         ShimFileControl,
                                         ShimSectorSize,
                                         ShimDeviceCharacteristics,
                                         ShimShmMap,
                                         ShimShmLock,
                                         ShimShmBarrier,
                                         ShimShmUnmap,
                                         nullptr,
                                         nullptr};

int ShimOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* shim = reinterpret_cast<ShimFile*>(file);
  shim->methods = nullptr;
  shim->real = reinterpret_cast<sqlite3_file*>(shim + 1);
  int rc = g_real->xOpen(g_real, name, shim->real, flags, out_flags);
  if (rc == SQLITE_OK && shim->real->pMethods != nullptr) shim->methods = &kShimMethods;
  return rc;
}
int ShimDelete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int ShimAccess(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int ShimFullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_real->xFullPathname(g_real, name, size, out);
}
int ShimRandomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int ShimSleep(sqlite3_vfs*, int micros) { return g_real->xSleep(g_real, micros); }
int ShimCurrentTime(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int ShimGetLastError(sqlite3_vfs*, int n, char* out) {
  return g_real->xGetLastError(g_real, n, out);
}
int ShimCurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_real->xCurrentTimeInt64(g_real, out);
}

sqlite3_vfs g_shim_vfs;

class FaultInjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_real = sqlite3_vfs_find(nullptr);
    ASSERT_NE(g_real, nullptr);
    g_shim_vfs = sqlite3_vfs{};
    g_shim_vfs.iVersion = 2;
    g_shim_vfs.szOsFile = static_cast<int>(sizeof(ShimFile)) + g_real->szOsFile;
    g_shim_vfs.mxPathname = g_real->mxPathname;
    g_shim_vfs.zName = "l2mac-fault-shim";
    g_shim_vfs.xOpen = ShimOpen;
    g_shim_vfs.xDelete = ShimDelete;
    g_shim_vfs.xAccess = ShimAccess;
    g_shim_vfs.xFullPathname = ShimFullPathname;
    g_shim_vfs.xRandomness = ShimRandomness;
    g_shim_vfs.xSleep = ShimSleep;
    g_shim_vfs.xCurrentTime = ShimCurrentTime;
    g_shim_vfs.xGetLastError = ShimGetLastError;
    g_shim_vfs.xCurrentTimeInt64 = ShimCurrentTimeInt64;
    ASSERT_EQ(sqlite3_vfs_register(&g_shim_vfs, /*makeDflt=*/1), SQLITE_OK);
    g_plan = FaultPlan{};
  }
  void TearDown() override {
    g_plan = FaultPlan{};
    sqlite3_vfs_unregister(&g_shim_vfs);
    sqlite3_vfs_register(g_real, 1);
  }
};

Tree ReadTree(FileStore& store, int64_t commit) {
  Tree tree;
  auto files = store.List(commit, "");
  EXPECT_TRUE(files.ok()) << files.status().ToString();
  if (!files.ok()) return tree;
  for (const FileInfo& info : *files) {
    auto content = store.Read(commit, info.path);
    EXPECT_TRUE(content.ok() && content->has_value()) << info.path;
    if (content.ok() && content->has_value()) tree[info.path] = **content;
  }
  return tree;
}

Status CommitTree(const std::string& db_path, const Tree& changes,
                  std::optional<std::string> remove, StoreOptions options = {}) {
  L2MAC_ASSIGN_OR_RETURN(auto db, Database::Open(db_path));
  L2MAC_ASSIGN_OR_RETURN(auto store, FileStore::Open(*db, std::move(options)));
  L2MAC_ASSIGN_OR_RETURN(auto txn, store->Begin());
  for (const auto& [path, content] : changes) L2MAC_RETURN_IF_ERROR(txn->Write(path, content));
  if (remove) L2MAC_RETURN_IF_ERROR(txn->Delete(*remove));
  return txn->Commit("new", "test").status();
}

// What a reopened store must show: integrity ok, and exactly the old or the new tree.
void ExpectOldOrNew(const std::string& db_path, const Tree& old_tree, const Tree& new_tree,
                    bool must_be_new, int n) {
  auto db = Database::Open(db_path);
  ASSERT_TRUE(db.ok()) << "N=" << n << ": " << db.status().ToString();
  auto check = (*db)->Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(*check->Step());
  EXPECT_EQ(check->ColumnText(0), "ok") << "N=" << n;
  auto store = FileStore::Open(**db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto head = (*store)->Head();
  ASSERT_TRUE(head.ok());
  Tree tree = ReadTree(**store, *head);
  if (must_be_new) {
    EXPECT_EQ(tree, new_tree) << "N=" << n << ": the commit reported success";
  } else {
    EXPECT_TRUE(tree == old_tree || tree == new_tree) << "N=" << n << ": a mix of old and new";
  }
}

void RunFaultLoop(bool persistent) {
  ScratchDir dir;
  std::string path = (dir.path() / "state.db").string();
  Tree old_tree = {{"a.txt", "old a\n"}, {"b.txt", "old b\n"}, {"gone.txt", "bye\n"}};
  ASSERT_TRUE(CommitTree(path, old_tree, std::nullopt).ok());
  Tree changes = {{"a.txt", "new a\n"}, {"c.txt", std::string(5000, 'c')}};
  Tree new_tree = {{"a.txt", "new a\n"}, {"b.txt", "old b\n"}, {"c.txt", std::string(5000, 'c')}};
  bool committed = false;
  int n = 1;
  for (; n <= 400 && !committed; ++n) {
    g_plan = FaultPlan{true, n, persistent, 0, 0};
    Status status = CommitTree(path, changes, std::string("gone.txt"));
    bool injected = g_plan.failures > 0;
    g_plan = FaultPlan{};
    committed = status.ok();
    ExpectOldOrNew(path, old_tree, new_tree, committed, n);
    if (::testing::Test::HasFatalFailure()) return;
    if (!committed) {
      EXPECT_TRUE(injected) << "N=" << n
                            << ": failed without an injected fault: " << status.ToString();
    }
    if (committed || ::testing::Test::HasFailure()) break;
    // A failed attempt may still have reached the disk (e.g. a sync failing after the
    // WAL frames were written); then the next attempt must start from the new tree.
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    auto store = FileStore::Open(**db);
    ASSERT_TRUE(store.ok());
    if (ReadTree(**store, *(*store)->Head()) == new_tree) {
      committed = true;
      break;
    }
  }
  EXPECT_TRUE(committed) << "never committed within " << n << " attempts";
  std::printf("fault loop (%s failure): committed at N=%d after %d failed attempts\n",
              persistent ? "persistent" : "single", n, n - 1);
  EXPECT_GT(n, 3) << "too few I/O operations were exercised";
}

TEST_F(FaultInjectionTest, SingleFailedWriteOrSyncLeavesOldOrNewCommit) { RunFaultLoop(false); }

TEST_F(FaultInjectionTest, PersistentFailureLeavesOldOrNewCommit) { RunFaultLoop(true); }

// ---- Named fault points: a child process killed there, the store reopened -----------

// Store options whose hook kills the process with SIGKILL (no destructors, no SQLite
// cleanup) at `point`.
StoreOptions KillAt(std::string point) {
  StoreOptions options;
  options.fault_point = [point = std::move(point)](std::string_view reached) {
    if (reached == point) std::raise(SIGKILL);
  };
  return options;
}

class CrashPointTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashPointTest, KilledCommitLeavesOldOrNewTree) {
  ScratchDir dir;
  std::string path = (dir.path() / "state.db").string();
  Tree old_tree = {{"a.txt", "old\n"}, {"b.txt", "b\n"}};
  ASSERT_TRUE(CommitTree(path, old_tree, std::nullopt).ok());
  Tree changes = {{"a.txt", "new\n"}, {"c.txt", "c\n"}};
  Tree new_tree = {{"a.txt", "new\n"}, {"b.txt", "b\n"}, {"c.txt", "c\n"}};
  const std::string point = GetParam();
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Status status = CommitTree(path, changes, std::nullopt, KillAt(point));
    ::_exit(status.ok() ? 0 : 3);
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wait_status)) << "the child did not reach crash point " << point;
  EXPECT_EQ(WTERMSIG(wait_status), SIGKILL);
  bool durable = point == "commit.after_durable";
  ExpectOldOrNew(path, old_tree, new_tree, durable, 0);
  if (!durable) {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    auto store = FileStore::Open(**db);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ(ReadTree(**store, *(*store)->Head()), old_tree) << point;
    // The store still works: the interrupted commit can be made again.
    EXPECT_TRUE(CommitTree(path, changes, std::nullopt).ok());
  }
}

INSTANTIATE_TEST_SUITE_P(CommitPath, CrashPointTest,
                         ::testing::Values("commit.after_commit_row", "commit.after_changes",
                                           "commit.after_ref_update", "commit.after_durable"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '.') c = '_';
                           }
                           return name;
                         });

TEST(MaterializeCrashTest, KilledMaterializationRecoversWithoutFalseUserEdits) {
  ScratchDir dir;
  std::string path = (dir.path() / "state.db").string();
  std::filesystem::path out = dir.path() / "out";
  ASSERT_TRUE(CommitTree(path, {{"a.txt", "1\n"}, {"b.txt", "1\n"}}, std::nullopt).ok());
  {
    auto db = Database::Open(path);
    auto store = FileStore::Open(**db);
    ASSERT_TRUE((*store)->Materialize(out).ok());
  }
  ASSERT_TRUE(CommitTree(path, {{"a.txt", "2\n"}, {"b.txt", "2\n"}}, std::nullopt).ok());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto db = Database::Open(path);
    auto store = FileStore::Open(**db, KillAt("materialize.after_first_write"));
    auto report = (*store)->Materialize(out);
    ::_exit(report.ok() ? 0 : 3);
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wait_status));
  auto db = Database::Open(path);
  auto store = FileStore::Open(**db);
  auto report = (*store)->Materialize(out);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->kept_user_edits.empty());
  EXPECT_EQ(report->written.size(), 1u);  // the other file was already written
  std::ifstream a(out / "a.txt");
  std::ifstream b(out / "b.txt");
  std::string a_text((std::istreambuf_iterator<char>(a)), {});
  std::string b_text((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(a_text, "2\n");
  EXPECT_EQ(b_text, "2\n");
}

TEST(FaultPointTest, AHookSeesEveryPointInOrder) {
  ScratchDir dir;
  std::string path = (dir.path() / "state.db").string();
  std::vector<std::string> reached;
  StoreOptions options;
  options.fault_point = [&](std::string_view point) { reached.emplace_back(point); };
  ASSERT_TRUE(CommitTree(path, {{"a.txt", "1\n"}, {"b.txt", "1\n"}}, std::nullopt, options).ok());
  auto db = Database::Open(path);
  ASSERT_TRUE(db.ok());
  auto store = FileStore::Open(**db, options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Materialize(dir.path() / "out").ok());
  EXPECT_EQ(reached, std::vector<std::string>(std::begin(kFaultPoints), std::end(kFaultPoints)));
}

TEST(FaultPointTest, TheLibraryReadsNoCrashVariable) {
  // The variable the library used to read: a store without a hook ignores it (were it
  // read, this test's process would die at the first point).
  ::setenv("L2MAC_CRASH_POINT", "commit.after_commit_row", 1);
  ScratchDir dir;
  std::string path = (dir.path() / "state.db").string();
  Status status = CommitTree(path, {{"a.txt", "1\n"}}, std::nullopt);
  ::unsetenv("L2MAC_CRASH_POINT");
  EXPECT_TRUE(status.ok()) << status.ToString();
}

}  // namespace
}  // namespace l2mac::filestore
