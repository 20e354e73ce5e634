#include "filestore/store_reader.hpp"

#include <sqlite3.h>

#include <cstring>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "filestore/blob_codec.hpp"

namespace l2mac::filestore {
namespace {

// The ancestry of ?1 (itself at depth 0, its parent at depth 1, ...).
constexpr std::string_view kAncestry =
    "WITH RECURSIVE ancestry(id, depth) AS ("
    " SELECT id, 0 FROM commits WHERE id = ?1"
    " UNION ALL"
    " SELECT commits.parent, ancestry.depth + 1 FROM ancestry"
    " JOIN commits ON commits.id = ancestry.id WHERE commits.parent IS NOT NULL) ";

// Byte-wise range [lower, upper) of the paths that start with `prefix`. Valid UTF-8 never
// contains a byte above 0xf4, so a prefix holding one matches nothing (nullopt) and 0xff
// bounds every path from above.
std::optional<std::pair<std::string, std::string>> PrefixRange(std::string_view prefix) {
  for (char c : prefix) {
    if (static_cast<unsigned char>(c) > 0xf4) return std::nullopt;
  }
  if (prefix.empty()) return std::make_pair(std::string(), std::string("\xff"));
  std::string upper(prefix);
  upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
  return std::make_pair(std::string(prefix), upper);
}

FileInfo ReadFileInfo(const Statement& row) {
  FileInfo info;
  info.path = row.ColumnText(0);
  info.hash = row.ColumnText(1);
  info.size = row.ColumnInt(2);
  info.lines = row.ColumnInt(3);
  return info;
}

// Resets a cached statement when the scope ends.
class StatementScope {
 public:
  explicit StatementScope(Statement* statement) : statement_(statement) {}
  ~StatementScope() { statement_->Reset(); }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;
  Statement& operator*() const { return *statement_; }
  Statement* operator->() const { return statement_; }

 private:
  Statement* statement_;
};

}  // namespace

Result<Statement*> StoreReader::Cached(const std::string& sql) const {
  auto found = cache_.find(sql);
  if (found != cache_.end()) return found->second.get();
  L2MAC_ASSIGN_OR_RETURN(Statement statement, db_.Prepare(sql));
  auto owned = std::make_unique<Statement>(std::move(statement));
  Statement* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return raw;
}

Result<int64_t> StoreReader::Head() const { return BranchHead(kMainBranch); }

Result<int64_t> StoreReader::BranchHead(std::string_view branch) const {
  L2MAC_ASSIGN_OR_RETURN(Statement * cached, Cached("SELECT commit_id FROM refs WHERE name = ?"));
  StatementScope query(cached);
  query->Bind(1, branch);
  L2MAC_ASSIGN_OR_RETURN(bool found, query->Step());
  return found ? query->ColumnInt(0) : int64_t{0};
}

Status StoreReader::CheckCommitExists(int64_t commit) const {
  L2MAC_ASSIGN_OR_RETURN(int64_t head, Head());
  return CheckCommitExists(commit, head);
}

Status StoreReader::CheckCommitExists(int64_t commit, int64_t head) const {
  L2MAC_ASSIGN_OR_RETURN(Statement * cached, Cached("SELECT 1 FROM commits WHERE id = ?"));
  StatementScope query(cached);
  query->Bind(1, commit);
  L2MAC_ASSIGN_OR_RETURN(bool found, query->Step());
  if (found) return Status::Ok();
  return Status::NotFound("commit " + std::to_string(commit) +
                          " does not exist in the file store (the head is commit " +
                          std::to_string(head) + "); pick a commit from the store's log");
}

Result<std::vector<FileInfo>> StoreReader::List(int64_t commit, std::string_view prefix) const {
  std::vector<FileInfo> files;
  if (commit == 0) return files;
  auto range = PrefixRange(prefix);
  L2MAC_ASSIGN_OR_RETURN(int64_t head, Head());
  if (commit != head) L2MAC_RETURN_IF_ERROR(CheckCommitExists(commit, head));
  if (!range) return files;
  std::string sql;
  if (commit == head) {
    sql =
        "SELECT path, hash, size, lines FROM head_files"
        " WHERE path >= ?2 AND path < ?3 ORDER BY path";
  } else {
    // SQLite takes the bare columns of a MIN() aggregate from the row holding the minimum:
    // for each path, the change made by the nearest ancestor.
    sql = std::string(kAncestry) +
          ", latest AS ("
          " SELECT commit_changes.path AS path, commit_changes.hash AS hash, MIN(ancestry.depth)"
          " FROM ancestry JOIN commit_changes ON commit_changes.commit_id = ancestry.id"
          " WHERE commit_changes.path >= ?2 AND commit_changes.path < ?3"
          " GROUP BY commit_changes.path)"
          " SELECT latest.path, latest.hash, blobs.size, blobs.lines"
          " FROM latest JOIN blobs ON blobs.hash = latest.hash ORDER BY latest.path";
  }
  L2MAC_ASSIGN_OR_RETURN(Statement query, db_.Prepare(sql));
  query.Bind(1, commit).Bind(2, range->first).Bind(3, range->second);
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    files.push_back(ReadFileInfo(query));
  }
  return files;
}

Result<std::optional<FileInfo>> StoreReader::Stat(int64_t commit, std::string_view path) const {
  if (commit == 0) return std::optional<FileInfo>();
  L2MAC_ASSIGN_OR_RETURN(int64_t head, Head());
  std::string sql;
  if (commit == head) {
    sql = "SELECT path, hash, size, lines FROM head_files WHERE path = ?2";
  } else {
    L2MAC_RETURN_IF_ERROR(CheckCommitExists(commit, head));
    // The nearest ancestor that touched the path decides; a deletion there (NULL hash)
    // finds no blob, so the file is absent.
    sql = std::string(kAncestry) +
          ", nearest AS ("
          " SELECT commit_changes.path AS path, commit_changes.hash AS hash"
          " FROM ancestry JOIN commit_changes ON commit_changes.commit_id = ancestry.id"
          " AND commit_changes.path = ?2 ORDER BY ancestry.depth LIMIT 1)"
          " SELECT nearest.path, nearest.hash, blobs.size, blobs.lines"
          " FROM nearest JOIN blobs ON blobs.hash = nearest.hash";
  }
  L2MAC_ASSIGN_OR_RETURN(Statement * cached, Cached(sql));
  StatementScope query(cached);
  if (commit != head) query->Bind(1, commit);
  query->Bind(2, path);
  L2MAC_ASSIGN_OR_RETURN(bool found, query->Step());
  if (!found) return std::optional<FileInfo>();
  return std::optional<FileInfo>(ReadFileInfo(*query));
}

Result<std::optional<std::string>> StoreReader::Read(int64_t commit, std::string_view path) const {
  L2MAC_ASSIGN_OR_RETURN(std::optional<FileInfo> info, Stat(commit, path));
  if (!info) return std::optional<std::string>();
  L2MAC_ASSIGN_OR_RETURN(std::string content, ReadBlob(info->hash));
  return std::optional<std::string>(std::move(content));
}

Result<std::string> StoreReader::ReadBlob(std::string_view hash) const {
  L2MAC_ASSIGN_OR_RETURN(Statement * cached,
                         Cached("SELECT content, encoding, size FROM blobs WHERE hash = ?"));
  StatementScope query(cached);
  query->Bind(1, hash);
  L2MAC_ASSIGN_OR_RETURN(bool found, query->Step());
  if (!found) {
    return Status::Corruption("the file store has no content for hash " + std::string(hash) +
                              " although a file refers to it; the state database is damaged: "
                              "restore it from a backup or start a new output folder");
  }
  return DecodeBlob(static_cast<BlobEncoding>(query->ColumnInt(1)), query->ColumnText(0),
                    query->ColumnInt(2));
}

Result<std::string> StoreReader::ReadBlobLines(std::string_view hash, int64_t first,
                                               int64_t last) const {
  int64_t rowid = 0;
  {
    L2MAC_ASSIGN_OR_RETURN(Statement * cached,
                           Cached("SELECT rowid, encoding FROM blobs WHERE hash = ?"));
    StatementScope query(cached);
    query->Bind(1, hash);
    L2MAC_ASSIGN_OR_RETURN(bool found, query->Step());
    if (!found || query->ColumnInt(1) != static_cast<int64_t>(BlobEncoding::kRaw))
      rowid = -1;
    else
      rowid = query->ColumnInt(0);
  }
  auto slice = [&](std::string_view text) {
    // Lines [first, last] of `text`, as bytes.
    size_t begin = 0;
    for (int64_t line = 1; line < first && begin < text.size(); ++line) {
      size_t nl = text.find('\n', begin);
      begin = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    size_t end = begin;
    for (int64_t line = first; line <= last && end < text.size(); ++line) {
      size_t nl = text.find('\n', end);
      end = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    return std::string(text.substr(begin, end - begin));
  };
  if (rowid < 0) {
    L2MAC_ASSIGN_OR_RETURN(std::string content, ReadBlob(hash));
    return slice(content);
  }
  sqlite3_blob* blob = nullptr;
  if (sqlite3_blob_open(db_.raw(), "main", "blobs", "content", rowid, 0, &blob) != SQLITE_OK) {
    sqlite3_blob_close(blob);
    L2MAC_ASSIGN_OR_RETURN(std::string content, ReadBlob(hash));
    return slice(content);
  }
  const int size = sqlite3_blob_bytes(blob);
  constexpr int kChunk = 64 * 1024;
  char chunk[kChunk];
  std::string out;
  int64_t line = 1;  // the line the next byte belongs to
  int offset = 0;
  Status status;
  while (offset < size && line <= last) {
    int n = std::min(kChunk, size - offset);
    if (sqlite3_blob_read(blob, chunk, n, offset) != SQLITE_OK) {
      status = Status::IoError(std::string("cannot read a blob of the file store: ") +
                               sqlite3_errmsg(db_.raw()));
      break;
    }
    const char* p = chunk;
    const char* end = chunk + n;
    while (p < end && line <= last) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      const char* stop = nl == nullptr ? end : nl + 1;
      if (line >= first) out.append(p, static_cast<size_t>(stop - p));
      if (nl != nullptr) ++line;
      p = stop;
    }
    offset += n;
  }
  sqlite3_blob_close(blob);
  if (!status.ok()) return status;
  return out;
}

Result<std::vector<CommitInfo>> StoreReader::Log(size_t limit) const {
  L2MAC_ASSIGN_OR_RETURN(int64_t head, Head());
  return LogFrom(head, limit);
}

Result<std::vector<CommitInfo>> StoreReader::LogFrom(int64_t head, size_t limit) const {
  std::vector<CommitInfo> commits;
  if (head == 0 || limit == 0) return commits;
  L2MAC_ASSIGN_OR_RETURN(
      Statement query,
      db_.Prepare(std::string(kAncestry) +
                  "SELECT commits.id, commits.parent, commits.message, commits.author,"
                  " commits.time_ms, commits.second_parent FROM ancestry JOIN commits ON "
                  "commits.id = ancestry.id"
                  " ORDER BY ancestry.depth LIMIT ?2"));
  query.Bind(1, head).Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    CommitInfo info;
    info.id = query.ColumnInt(0);
    if (!query.ColumnIsNull(1)) info.parent = query.ColumnInt(1);
    info.message = query.ColumnText(2);
    info.author = query.ColumnText(3);
    info.time_ms = query.ColumnInt(4);
    if (!query.ColumnIsNull(5)) info.second_parent = query.ColumnInt(5);
    commits.push_back(std::move(info));
  }
  L2MAC_ASSIGN_OR_RETURN(
      Statement changes,
      db_.Prepare("SELECT path FROM commit_changes WHERE commit_id = ? ORDER BY path"));
  for (CommitInfo& info : commits) {
    changes.Bind(1, info.id);
    while (true) {
      L2MAC_ASSIGN_OR_RETURN(bool row, changes.Step());
      if (!row) break;
      info.changed_paths.push_back(changes.ColumnText(0));
    }
    changes.Reset();
  }
  return commits;
}

}  // namespace l2mac::filestore
