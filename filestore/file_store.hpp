// The versioned, content-addressed file store: l2mac's memory for everything it writes.
//
// Files live in the workspace's SQLite database: blobs keyed by SHA-256 (stored once),
// commits with a parent, author and message, and the head of the branch "main". Writes are
// staged in a StoreTransaction and become one commit atomically; an uncommitted
// transaction leaves no trace. Paths are store paths (see path.hpp): relative, normalized.
//
// Ownership and threads: FileStore borrows the Database, which must outlive it and every
// StoreTransaction. Use from one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sqlite.hpp"
#include "core/status.hpp"

namespace l2mac::filestore {

struct FileInfo {
  std::string path;
  int64_t size = 0;   // bytes
  int64_t lines = 0;  // number of '\n'-terminated lines, plus one for a final unterminated line
  std::string hash;   // hex SHA-256 of the content
};

struct CommitInfo {
  int64_t id = 0;
  std::optional<int64_t> parent;
  std::string message;
  std::string author;  // who wrote it, e.g. "instruction 3 attempt 1"
  int64_t time_ms = 0;
  std::vector<std::string> changed_paths;  // written or deleted in this commit
};

struct StoreOptions {
  size_t max_file_bytes = 4 << 20;  // a larger write is refused with kResourceExhausted
};

struct MaterializeReport {
  std::vector<std::string> written;  // created or replaced on disk
  std::vector<std::string> removed;  // deleted from disk
  // Files the user changed on disk since l2mac last wrote them: left untouched, never
  // overwritten; the caller reports them.
  std::vector<std::string> kept_user_edits;
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

  // Starts staging changes on top of the current head.
  virtual Result<std::unique_ptr<StoreTransaction>> Begin() = 0;

  // Makes `dir` show the head: writes new and changed files (each atomically: temp file
  // + rename), removes files deleted since the last materialization, and never touches
  // `dir/.l2mac`. Only files that differ from what was last materialized are touched.
  // Never writes through a symlink (kPermissionDenied naming it).
  virtual Result<MaterializeReport> Materialize(const std::filesystem::path& dir) = 0;

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

  // Commits the changes as one new commit on "main" and returns its id (the base id
  // when there are no changes). kFailedPrecondition if the head moved since Begin().
  // Atomic; nests inside an enclosing core Transaction on the same Database, so a caller
  // can commit the store and its own bookkeeping together.
  virtual Result<int64_t> Commit(const std::string& message, const std::string& author) = 0;
  // Drops all staged changes; the transaction may be reused from the same base.
  virtual void Discard() = 0;
};

}  // namespace l2mac::filestore
