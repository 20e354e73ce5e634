// Read-only queries over the store's tables (see store_schema.hpp), shared by FileStore and
// its transactions.
//
// Paths given to it must already be normalized. Reads of the head commit use `head_files`;
// reads of an older commit walk its ancestry through `commit_changes`, so they cost time in
// proportion to the history. Borrows the Database, which must outlive it (it caches
// prepared statements); one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/sqlite.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::filestore {

class StoreReader {
 public:
  explicit StoreReader(Database& db) : db_(db) {}

  // The commit "main" points to; 0 before the first commit.
  Result<int64_t> Head() const;
  // The commit `branch` points to; 0 when it does not exist.
  Result<int64_t> BranchHead(std::string_view branch) const;
  // kNotFound when `commit` does not exist.
  Status CheckCommitExists(int64_t commit) const;
  // Files at `commit` (0 = empty tree) whose path starts with `prefix`, sorted by path.
  // kNotFound for a commit that does not exist.
  Result<std::vector<FileInfo>> List(int64_t commit, std::string_view prefix) const;
  // The file at `path` in `commit`, without its content; nullopt when absent.
  Result<std::optional<FileInfo>> Stat(int64_t commit, std::string_view path) const;
  Result<std::optional<std::string>> Read(int64_t commit, std::string_view path) const;
  // Content by hash; kCorruption when the blob is missing.
  Result<std::string> ReadBlob(std::string_view hash) const;
  // The bytes of lines [first, last] (1-based, inclusive) of a blob, and whether they were
  // all there. A raw blob is read incrementally (sqlite3_blob_read in small chunks, up to
  // the last line wanted), so a range near the start of a large file costs little and no
  // large buffer is allocated; a compressed one is inflated first.
  Result<std::string> ReadBlobLines(std::string_view hash, int64_t first, int64_t last) const;
  // The history of "main", newest first, at most `limit` commits.
  Result<std::vector<CommitInfo>> Log(size_t limit) const;
  // First-parent history from `commit`, newest first.
  Result<std::vector<CommitInfo>> LogFrom(int64_t commit, size_t limit) const;

 private:
  Status CheckCommitExists(int64_t commit, int64_t head) const;

  // A statement prepared once per reader (the per-call cost of small queries is mostly
  // preparation). Callers hold it in a StatementScope, which resets it after use so no
  // read transaction stays open.
  Result<Statement*> Cached(const std::string& sql) const;

  Database& db_;
  mutable std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

}  // namespace l2mac::filestore
