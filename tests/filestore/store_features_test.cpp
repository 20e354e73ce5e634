// Branches, merges, compression, edits, history and queries of the SQLite file store.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "core/sqlite.hpp"
#include "filestore/file_store.hpp"
#include "filestore/store_edits.hpp"
#include "filestore/store_history.hpp"
#include "filestore/store_queries.hpp"

namespace l2mac::filestore {
namespace {

using Changes = std::map<std::string, std::optional<std::string>>;

class StoreFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    auto store = FileStore::Open(*db_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  int64_t CommitOn(const std::string& branch, const Changes& changes,
                   const std::string& author = "instruction 1 attempt 1") {
    auto txn = store_->BeginOn(branch);
    EXPECT_TRUE(txn.ok()) << txn.status().ToString();
    if (!txn.ok()) return -1;
    for (const auto& [path, content] : changes) {
      Status status = content ? (*txn)->Write(path, *content) : (*txn)->Delete(path);
      EXPECT_TRUE(status.ok()) << status.ToString();
    }
    auto id = (*txn)->Commit("change", author);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : -1;
  }

  std::optional<std::string> ReadAt(int64_t commit, const std::string& path) {
    auto content = store_->Read(commit, path);
    EXPECT_TRUE(content.ok()) << content.status().ToString();
    return content.ok() ? *content : std::nullopt;
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<FileStore> store_;
};

TEST_F(StoreFeaturesTest, BranchCommitsLeaveMainAlone) {
  int64_t base = CommitOn("main", {{"a.txt", "one\n"}});
  ASSERT_TRUE(store_->SetBranch("feature", base).ok());
  int64_t on_feature = CommitOn("feature", {{"a.txt", "two\n"}, {"b.txt", "new\n"}});
  EXPECT_EQ(*store_->Head(), base);
  EXPECT_EQ(*store_->BranchHead("feature"), on_feature);
  EXPECT_EQ(ReadAt(*store_->Head(), "a.txt"), "one\n");
  EXPECT_EQ(ReadAt(on_feature, "a.txt"), "two\n");
  auto branches = store_->Branches();
  ASSERT_TRUE(branches.ok());
  EXPECT_EQ(branches->size(), 2u);
  EXPECT_FALSE(store_->SetBranch("bad name", base).ok());
  EXPECT_EQ(store_->SetBranch("x", 999).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->SetBranch("main", on_feature).code(), StatusCode::kFailedPrecondition);
}

TEST_F(StoreFeaturesTest, MergeFastForwardsMainAndUpdatesItsTree) {
  int64_t base = CommitOn("main", {{"a.txt", "one\n"}, {"gone.txt", "x\n"}});
  ASSERT_TRUE(store_->SetBranch("feature", base).ok());
  int64_t tip = CommitOn("feature", {{"a.txt", "two\n"}, {"gone.txt", std::nullopt}});
  auto outcome = store_->Merge("feature", "main", "scheduler");
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->kind, MergeOutcome::Kind::kFastForward);
  EXPECT_EQ(*store_->Head(), tip);
  auto files = store_->List(tip, "");
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, "a.txt");
  EXPECT_EQ(ReadAt(tip, "a.txt"), "two\n");
  auto again = store_->Merge("feature", "main", "scheduler");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kind, MergeOutcome::Kind::kUpToDate);
}

TEST_F(StoreFeaturesTest, ThreeWayMergeCombinesTextChangesWithTwoParents) {
  int64_t base = CommitOn("main", {{"app.py", "a\nb\nc\nd\ne\n"}, {"keep.txt", "k\n"}});
  ASSERT_TRUE(store_->SetBranch("feature", base).ok());
  int64_t theirs = CommitOn("feature", {{"app.py", "a\nb\nc\nd\nE\n"}, {"new.txt", "n\n"}});
  int64_t ours = CommitOn("main", {{"app.py", "A\nb\nc\nd\ne\n"}});
  auto outcome = store_->Merge("feature", "main", "scheduler");
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_EQ(outcome->kind, MergeOutcome::Kind::kMerged);
  int64_t merge = *store_->Head();
  EXPECT_EQ(outcome->commit, merge);
  EXPECT_EQ(ReadAt(merge, "app.py"), "A\nb\nc\nd\nE\n");
  EXPECT_EQ(ReadAt(merge, "new.txt"), "n\n");
  EXPECT_EQ(ReadAt(merge, "keep.txt"), "k\n");
  auto log = store_->Log(1);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)[0].parent, ours);
  EXPECT_EQ((*log)[0].second_parent, theirs);
}

TEST_F(StoreFeaturesTest, ConflictsAreReportedPerFileAndRegionAndChangeNothing) {
  int64_t base = CommitOn("main", {{"app.py", "a\nb\nc\n"}, {"x.txt", "x\n"}});
  ASSERT_TRUE(store_->SetBranch("feature", base).ok());
  CommitOn("feature", {{"app.py", "a\ntheirs\nc\n"}, {"x.txt", std::nullopt}});
  int64_t ours = CommitOn("main", {{"app.py", "a\nours\nc\n"}, {"x.txt", "changed\n"}});
  auto outcome = store_->Merge("feature", "main", "scheduler");
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_EQ(outcome->kind, MergeOutcome::Kind::kConflicts);
  ASSERT_EQ(outcome->conflicts.size(), 2u);
  EXPECT_EQ(outcome->conflicts[0].path, "app.py");
  ASSERT_EQ(outcome->conflicts[0].regions.size(), 1u);
  EXPECT_EQ(outcome->conflicts[0].regions[0].base_begin, 2u);
  EXPECT_EQ(outcome->conflicts[1].path, "x.txt");
  EXPECT_NE(outcome->conflicts[1].reason.find("deleted"), std::string::npos);
  EXPECT_EQ(*store_->Head(), ours);
}

TEST_F(StoreFeaturesTest, SameContentIsStoredOnceAndHistoryIsCompressed) {
  std::string big;
  for (int i = 0; i < 2000; ++i) big += "line number " + std::to_string(i % 50) + "\n";
  int64_t first = CommitOn("main", {{"a.txt", big}, {"b.txt", big}});
  CommitOn("main", {{"c.txt", big}});
  auto blobs = [&] {
    auto query = db_->Prepare("SELECT COUNT(*), SUM(length(content)), MAX(encoding) FROM blobs");
    EXPECT_TRUE(query.ok());
    EXPECT_TRUE(*query->Step());
    return std::make_tuple(query->ColumnInt(0), query->ColumnInt(1), query->ColumnInt(2));
  };
  auto [count, bytes, encoding] = blobs();
  EXPECT_EQ(count, 1);  // three files, one blob
  EXPECT_EQ(bytes, static_cast<int64_t>(big.size()));
  EXPECT_EQ(encoding, 0);  // the head's content stays raw for fast reads

  // Still shown by c.txt: stays raw. Then no file shows it: compressed.
  CommitOn("main", {{"a.txt", "small\n"}, {"b.txt", std::nullopt}});
  EXPECT_EQ(std::get<2>(blobs()), 0);
  CommitOn("main", {{"c.txt", "other\n"}});
  auto [after_count, after_bytes, after_encoding] = blobs();
  EXPECT_EQ(after_count, 3);
  EXPECT_EQ(after_encoding, 1);
  EXPECT_LT(after_bytes, static_cast<int64_t>(big.size()) / 4);
  EXPECT_EQ(ReadAt(first, "a.txt"), big);  // history reads inflate it
}

TEST_F(StoreFeaturesTest, BinaryAndInvalidUtf8RoundTripFaithfully) {
  std::string binary("\x00\xff\xfe\x80zz\n\x00", 8);
  CommitOn("main", {{"blob.bin", binary}, {"latin1.txt", "caf\xe9\n"}});
  EXPECT_EQ(ReadAt(*store_->Head(), "blob.bin"), binary);
  EXPECT_EQ(ReadAt(*store_->Head(), "latin1.txt"), "caf\xe9\n");
  auto shown = ReadLines(*store_, *store_->Head(), "blob.bin", 1, 10);
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(*shown, "(binary file, 8 bytes)\n");
}

TEST_F(StoreFeaturesTest, SizeLimitGivesAClearError) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  StoreOptions options;
  options.max_file_bytes = 10;
  auto store = FileStore::Open(**db, options);
  ASSERT_TRUE(store.ok());
  auto txn = (*store)->Begin();
  ASSERT_TRUE(txn.ok());
  Status status = (*txn)->Write("big.txt", std::string(11, 'x'));
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("limit of 10 bytes"), std::string::npos) << status.message();
}

TEST_F(StoreFeaturesTest, EditsReportLinesAddedAndRemoved) {
  CommitOn("main", {{"app.py", "def f():\n    return 1\n"}});
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  auto written = WriteFile(**txn, "new.py", "a\nb\n");
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(written->action, "created");
  EXPECT_EQ(written->lines_added, 2);
  auto edited = SearchReplaceFile(**txn, "app.py", "return 1", "x = 1\n    return x");
  ASSERT_TRUE(edited.ok()) << edited.status().ToString();
  EXPECT_EQ(edited->lines_added, 2);
  EXPECT_EQ(edited->lines_removed, 1);
  auto missing = SearchReplaceFile(**txn, "app.py", "not there at all", "y");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto moved = MoveFile(**txn, "new.py", "pkg/new.py");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->action, "moved from new.py");
  EXPECT_EQ(MoveFile(**txn, "app.py", "pkg/new.py").status().code(), StatusCode::kAlreadyExists);
  auto deleted = DeleteFile(**txn, "pkg/new.py");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->lines_removed, 2);
  EXPECT_EQ(*(*txn)->Read("app.py"), "def f():\n    x = 1\n    return x\n");
}

TEST_F(StoreFeaturesTest, PatchesApplyAcrossFilesAllOrNothing) {
  CommitOn("main", {{"a.txt", "1\n2\n3\n"}, {"b.txt", "x\n"}});
  auto txn = store_->Begin();
  ASSERT_TRUE(txn.ok());
  std::string patch =
      "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n"
      "--- /dev/null\n+++ b/c.txt\n@@ -0,0 +1,2 @@\n+new\n+file\n"
      "--- a/b.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n";
  auto reports = ApplyPatch(**txn, patch);
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 3u);
  EXPECT_EQ((*reports)[0].lines_added, 1);
  EXPECT_EQ((*reports)[1].action, "created");
  EXPECT_EQ((*reports)[2].action, "deleted");
  EXPECT_EQ(*(*txn)->Read("a.txt"), "1\ntwo\n3\n");
  EXPECT_EQ(*(*txn)->Read("c.txt"), "new\nfile\n");
  EXPECT_FALSE((*txn)->Read("b.txt")->has_value());

  auto second = store_->Begin();
  ASSERT_TRUE(second.ok());
  std::string bad =
      "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-1\n+one\n"
      "--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-nope\n+y\n";
  EXPECT_FALSE(ApplyPatch(**second, bad).ok());
  EXPECT_FALSE((*second)->HasChanges());
}

TEST_F(StoreFeaturesTest, HistoryLogDiffAndBlame) {
  int64_t c1 =
      CommitOn("main", {{"app.py", "a\nb\n"}, {"other.txt", "o\n"}}, "instruction 1 attempt 1");
  int64_t c2 = CommitOn("main", {{"other.txt", "o2\n"}}, "instruction 2 attempt 1");
  int64_t c3 = CommitOn("main", {{"app.py", "a\nB\nc\n"}}, "instruction 3 attempt 2");
  auto log = PathLog(*store_, c3, "app.py");
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].id, c3);
  EXPECT_EQ((*log)[1].id, c1);

  auto diff = DiffCommits(*store_, c1, c3);
  ASSERT_TRUE(diff.ok());
  EXPECT_NE(diff->find("--- a/app.py\n+++ b/app.py\n"), std::string::npos) << *diff;
  EXPECT_NE(diff->find("-b\n+B\n+c\n"), std::string::npos) << *diff;
  EXPECT_NE(diff->find("-o\n+o2\n"), std::string::npos);
  auto from_empty = DiffCommits(*store_, 0, c1, "app.py");
  ASSERT_TRUE(from_empty.ok());
  EXPECT_NE(from_empty->find("--- /dev/null\n+++ b/app.py"), std::string::npos);

  auto blame = Blame(*store_, c3, "app.py");
  ASSERT_TRUE(blame.ok()) << blame.status().ToString();
  ASSERT_EQ(blame->size(), 3u);
  EXPECT_EQ((*blame)[0].commit, c1);
  EXPECT_EQ((*blame)[0].author, "instruction 1 attempt 1");
  EXPECT_EQ((*blame)[1].commit, c3);
  EXPECT_EQ((*blame)[1].text, "B");
  EXPECT_EQ((*blame)[2].author, "instruction 3 attempt 2");
  (void)c2;
}

TEST_F(StoreFeaturesTest, ResolveNamesCommitsBranchesAndAncestors) {
  int64_t c1 = CommitOn("main", {{"a", "1"}});
  int64_t c2 = CommitOn("main", {{"a", "2"}});
  EXPECT_EQ(*store_->Resolve("main"), c2);
  EXPECT_EQ(*store_->Resolve("HEAD~1"), c1);
  EXPECT_EQ(*store_->Resolve(std::to_string(c1)), c1);
  EXPECT_EQ(store_->Resolve("main~5").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Resolve("nope").status().code(), StatusCode::kNotFound);
}

// Regression: `l2mac files DIR search -E '(a|b)*c'` over a file with one 40 KB line
// crashed (the standard library regex engine overflowed the stack). The store's search is linear
// now, and its globs are the one dialect (a pattern without '/' meets the name in any folder).
TEST_F(StoreFeaturesTest, SearchIsLinearOnHostilePatternsAndBoundsItsResults) {
  std::string line;
  for (int i = 0; i < 20000; ++i) line += "ab";
  int64_t head = CommitOn(
      "main",
      {{"long.txt", "x\n" + line + "c\n"}, {"src/deep/a.py", "abc\n"}, {"b.md", "(a|b)*c\n"}});
  SearchOptions options;
  options.regex = true;
  auto hits = SearchStore(*store_, head, "(a|b)*c", options);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 3u);
  EXPECT_EQ((*hits)[0].path, "b.md");
  EXPECT_EQ((*hits)[1].path, "long.txt");
  EXPECT_EQ((*hits)[1].line, 2);
  EXPECT_TRUE((*hits)[1].truncated);
  EXPECT_LE((*hits)[1].text.size(), options.max_line_bytes);

  options.globs = {"*.py"};
  hits = SearchStore(*store_, head, "(a|b)*c", options);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].path, "src/deep/a.py");

  options.globs = {""};
  auto bad_glob = SearchStore(*store_, head, "abc", options);
  ASSERT_FALSE(bad_glob.ok());
  EXPECT_EQ(bad_glob.status().code(), StatusCode::kInvalidArgument);
  options.globs.clear();
  auto bad_regex = SearchStore(*store_, head, "(a", options);
  ASSERT_FALSE(bad_regex.ok());
  EXPECT_NE(bad_regex.status().message().find("RE2 syntax"), std::string::npos);
  auto too_long = SearchStore(*store_, head, std::string(kMaxSearchPatternBytes + 1, 'a'), options);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("above the limit"), std::string::npos);
}

TEST_F(StoreFeaturesTest, QueriesReadRangesSearchAndOutline) {
  std::string big;
  for (int i = 1; i <= 100; ++i) big += "row " + std::to_string(i) + "\n";
  int64_t head = CommitOn("main", {{"src/app.py", "def handler():\n    return 'needle'\n"},
                                   {"src/util.js", "const needle = 1;\n"},
                                   {"docs/notes.md", "# Notes\nneedle in docs\n"},
                                   {"big.txt", big}});
  auto lines = ReadLines(*store_, head, "big.txt", 50, 52);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(*lines, "50: row 50\n51: row 51\n52: row 52\n");
  SearchOptions options;
  auto all = SearchStore(*store_, head, "needle", options);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  options.globs = {"src/**/*.py"};
  auto python = SearchStore(*store_, head, "needle", options);
  ASSERT_TRUE(python.ok());
  ASSERT_EQ(python->size(), 1u);
  EXPECT_EQ((*python)[0].path, "src/app.py");
  EXPECT_EQ((*python)[0].line, 2);
  options.globs.clear();
  options.max_results = 2;
  EXPECT_EQ(SearchStore(*store_, head, "needle", options)->size(), 2u);
  auto outline = OutlineFile(*store_, head, "src/app.py");
  ASSERT_TRUE(outline.ok());
  ASSERT_EQ(outline->size(), 1u);
  EXPECT_EQ((*outline)[0].name, "handler");
  auto manifest = store_->List(head, "");
  ASSERT_TRUE(manifest.ok());
  EXPECT_NE(FormatManifest(*manifest).find("big.txt (100 lines, 692 bytes)"), std::string::npos)
      << FormatManifest(*manifest);
}

}  // namespace
}  // namespace l2mac::filestore
