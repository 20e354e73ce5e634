// The versioned, content-addressed file store: l2mac's memory for everything it writes.
//
// Files live in the workspace's SQLite database: blobs keyed by SHA-256 (stored once,
// zlib-compressed when that saves at least an eighth), commits with a parent (two for a
// merge), author and message, and named branches ("main" is the default; its tree is
// also kept in `head_files` so reads of it cost no history walk). Writes are staged in a
// StoreTransaction and become one commit atomically; an uncommitted transaction leaves
// no trace. Paths are store paths (see path.hpp): relative, normalized.
//
// Ownership and threads: FileStore borrows the Database, which must outlive it and every
// StoreTransaction. Use from one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/sqlite.hpp"
#include "core/status.hpp"
#include "filestore/fault_points.hpp"
#include "filestore/text_diff.hpp"

namespace l2mac::filestore {

struct FileInfo {
  std::string path;
  int64_t size = 0;   // bytes
  int64_t lines = 0;  // number of '\n'-terminated lines, plus one for a final unterminated line
  std::string hash;   // hex SHA-256 of the content
};

inline constexpr std::string_view kMainBranch = "main";

struct CommitInfo {
  int64_t id = 0;
  std::optional<int64_t> parent;
  std::optional<int64_t> second_parent;  // the merged branch's head, for a merge commit
  std::string message;
  std::string author;  // who wrote it, e.g. "instruction 3 attempt 1"
  int64_t time_ms = 0;
  std::vector<std::string> changed_paths;  // written or deleted in this commit
};

struct StoreOptions {
  size_t max_file_bytes = 4 << 20;  // a larger write is refused with kResourceExhausted
  // Test seam (fault_points.hpp): called at each named point of a commit and of
  // materialization; empty (the default) in every real use.
  FaultPointHook fault_point;
};

struct MaterializeReport {
  std::vector<std::string> written;  // created or replaced on disk
  std::vector<std::string> removed;  // deleted from disk
  // Files the user changed on disk since l2mac last wrote them: left untouched, never
  // overwritten; the caller reports them.
  std::vector<std::string> kept_user_edits;
};

// One commit with what it changed relative to its first parent (for export).
struct CommitRecord {
  CommitInfo info;
  // Each path written (its blob hash) or deleted (nullopt), sorted by path.
  std::vector<std::pair<std::string, std::optional<std::string>>> changes;
};

// One file both branches changed incompatibly.
struct FileConflict {
  std::string path;
  // "both changed", "changed here, deleted there", "binary", ...
  std::string reason;
  std::vector<MergeConflict> regions;  // for text conflicts, the conflicting regions
};

struct MergeOutcome {
  enum class Kind { kUpToDate, kFastForward, kMerged, kConflicts };
  Kind kind = Kind::kUpToDate;
  int64_t commit = 0;                   // the target's head afterwards
  std::vector<FileConflict> conflicts;  // kConflicts: nothing was changed
};

class StoreTransaction;

class FileStore {
 public:
  // Creates the store's tables if needed. `db` must outlive the store.
  static Result<std::unique_ptr<FileStore>> Open(Database& db, StoreOptions options = {});
  virtual ~FileStore() = default;

  // The head commit of "main"; 0 while the store has no commit.
  virtual Result<int64_t> Head() = 0;
  // Files at `commit` (0 = empty) whose path starts with `prefix`, sorted by path.
  virtual Result<std::vector<FileInfo>> List(int64_t commit, std::string_view prefix = "") = 0;
  // Content at `commit`; nullopt when the file does not exist there.
  virtual Result<std::optional<std::string>> Read(int64_t commit, std::string_view path) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<CommitInfo>> Log(size_t limit = 100) = 0;
  // The bytes of lines [first, last] (1-based, inclusive, clamped) of the file at `commit`,
  // read without loading the rest of a large file; nullopt when the file does not exist.
  virtual Result<std::optional<std::string>> ReadLineRange(int64_t commit, std::string_view path,
                                                           int64_t first, int64_t last) = 0;

  // Starts staging changes on top of the current head of "main".
  Result<std::unique_ptr<StoreTransaction>> Begin() { return BeginOn(kMainBranch); }
  // Starts staging changes on top of `branch` (a branch without commits starts empty).
  virtual Result<std::unique_ptr<StoreTransaction>> BeginOn(std::string_view branch) = 0;
  // Starts staging changes for "main" on top of `commit` (0: empty), which may be older
  // than main's head: reads see `commit`'s files. Committing staged changes succeeds only
  // while main's head is still `commit` (else kFailedPrecondition, as for any transaction
  // whose branch moved), so it never drops what main gained since; with nothing staged,
  // Commit() returns `commit` and changes nothing. kNotFound for an unknown commit.
  virtual Result<std::unique_ptr<StoreTransaction>> BeginAt(int64_t commit) = 0;

  // Branches and their heads, sorted by name.
  virtual Result<std::map<std::string, int64_t>> Branches() = 0;
  // The head of `branch`; 0 when it does not exist or has no commit.
  virtual Result<int64_t> BranchHead(std::string_view branch) = 0;
  // Creates or moves `branch` to `commit`. kInvalidArgument for a malformed name,
  // kNotFound for an unknown commit, kFailedPrecondition for moving "main" (commits and
  // Merge move it, keeping its tree in step).
  virtual Status SetBranch(std::string_view branch, int64_t commit) = 0;
  // A commit id, or a branch name, optionally followed by "~N" (N first parents back).
  // kNotFound naming what exists.
  virtual Result<int64_t> Resolve(std::string_view spec) = 0;
  // Merges `source` into `target`: nothing to do, fast-forward, or a three-way merge of
  // the text files committed by `author` with both heads as parents. Conflicts (per file
  // and region) leave both branches unchanged.
  virtual Result<MergeOutcome> Merge(std::string_view source, std::string_view target,
                                     const std::string& author) = 0;

  // First-parent history from `commit`, newest first, at most `limit`.
  virtual Result<std::vector<CommitInfo>> LogFrom(int64_t commit, size_t limit) = 0;
  // Every commit, oldest first, with its changes.
  virtual Result<std::vector<CommitRecord>> AllCommits() = 0;
  // Content by hash (as in FileInfo::hash); kCorruption for an unknown hash.
  virtual Result<std::string> ReadBlob(std::string_view hash) = 0;
  // Calls `visit` with each file at `commit` under `prefix` and its content, in path
  // order, holding one file in memory at a time; stops at the first error it returns.
  virtual Status ForEachFile(
      int64_t commit, std::string_view prefix,
      const std::function<Status(const FileInfo&, std::string_view)>& visit) = 0;

  // Makes `dir` show the head: writes new and changed files (each atomically: temp file
  // + rename), removes files deleted since the last materialization, and never touches
  // `dir/.l2mac`. Only files that differ from what was last materialized are touched.
  // Never writes through a symlink (kPermissionDenied naming it).
  virtual Result<MaterializeReport> Materialize(const std::filesystem::path& dir) = 0;
  // The same for `paths` alone, at the cost of their number (see MaterializeHeadPaths):
  // after a commit, its changed paths bring a folder materialized at its parent up to it.
  virtual Result<MaterializeReport> MaterializePaths(const std::filesystem::path& dir,
                                                     const std::vector<std::string>& paths) = 0;

  virtual const StoreOptions& options() const = 0;
};

// Staged changes on top of a base commit. Reads see the staged state. Nothing reaches the
// database until Commit(). Destroying an uncommitted transaction discards its changes.
class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;

  virtual int64_t base() const = 0;
  virtual Result<std::optional<std::string>> Read(std::string_view path) const = 0;
  virtual Result<std::vector<FileInfo>> List(std::string_view prefix = "") const = 0;
  // kInvalidArgument for a bad path, kResourceExhausted above StoreOptions::max_file_bytes.
  virtual Status Write(std::string_view path, std::string content) = 0;
  // kNotFound when the file does not exist in the staged state.
  virtual Status Delete(std::string_view path) = 0;

  // Paths written or deleted relative to base, sorted.
  virtual std::vector<std::string> ChangedPaths() const = 0;
  virtual bool HasChanges() const = 0;

  // Writes the staged state (base plus changes) as a full tree into the empty or
  // non-existent directory `dir` (used for gate snapshots).
  virtual Status WriteSnapshot(const std::filesystem::path& dir) const = 0;

  // Commits the changes as one new commit on the transaction's branch and returns its id
  // (the base id when there are no changes). kFailedPrecondition if the branch moved since
  // Begin().
  // Atomic; nests inside an enclosing core Transaction on the same Database, so a caller
  // can commit the store and its own bookkeeping together.
  virtual Result<int64_t> Commit(const std::string& message, const std::string& author) = 0;
  // Drops all staged changes; the transaction may be reused from the same base.
  virtual void Discard() = 0;
};

}  // namespace l2mac::filestore
