#include "filestore/sqlite_store_transaction.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "filestore/blob_codec.hpp"
#include "filestore/content_hash.hpp"
#include "filestore/disk_io.hpp"
#include "filestore/path.hpp"
#include "filestore/store_reader.hpp"

namespace l2mac::filestore {
namespace {

// One staged change: new content, or a deletion (content is nullopt).
struct StagedFile {
  std::optional<std::string> content;
  std::string hash;
  int64_t lines = 0;
};

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

class SqliteStoreTransaction final : public StoreTransaction {
 public:
  SqliteStoreTransaction(Database& db, StoreOptions options, int64_t base, std::string branch,
                         std::optional<int64_t> second_parent)
      : db_(db),
        reader_(db),
        options_(options),
        base_(base),
        branch_(std::move(branch)),
        second_parent_(second_parent) {}

  int64_t base() const override { return base_; }

  Result<std::optional<std::string>> Read(std::string_view path) const override {
    L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
    auto staged = staged_.find(normalized);
    if (staged != staged_.end()) return staged->second.content;
    return reader_.Read(base_, normalized);
  }

  Result<std::vector<FileInfo>> List(std::string_view prefix) const override {
    L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> base_files, reader_.List(base_, prefix));
    std::map<std::string, FileInfo> merged;
    for (FileInfo& info : base_files) {
      std::string key = info.path;
      merged.emplace(std::move(key), std::move(info));
    }
    for (const auto& [path, staged] : staged_) {
      if (!StartsWith(path, prefix)) continue;
      if (!staged.content) {
        merged.erase(path);
        continue;
      }
      FileInfo info;
      info.path = path;
      info.size = static_cast<int64_t>(staged.content->size());
      info.lines = staged.lines;
      info.hash = staged.hash;
      merged[path] = std::move(info);
    }
    std::vector<FileInfo> files;
    files.reserve(merged.size());
    for (auto& entry : merged) files.push_back(std::move(entry.second));
    return files;
  }

  Status Write(std::string_view path, std::string content) override {
    L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
    if (content.size() > options_.max_file_bytes) {
      return Status::ResourceExhausted(
          "file '" + normalized + "' is " + std::to_string(content.size()) +
          " bytes, above the file store's limit of " + std::to_string(options_.max_file_bytes) +
          " bytes per file: split the file into smaller modules");
    }
    L2MAC_RETURN_IF_ERROR(CheckNoFileFolderClash(normalized));
    L2MAC_ASSIGN_OR_RETURN(std::string hash, Sha256Hex(content));
    L2MAC_ASSIGN_OR_RETURN(std::optional<FileInfo> at_base, reader_.Stat(base_, normalized));
    if (at_base && at_base->hash == hash) {
      staged_.erase(normalized);  // back to the base content: no change
      return Status::Ok();
    }
    StagedFile staged;
    staged.lines = CountLines(content);
    staged.hash = std::move(hash);
    staged.content = std::move(content);
    staged_[normalized] = std::move(staged);
    return Status::Ok();
  }

  // A path cannot be both a file and a folder: refuses "a/b" while "a" is a file, and "a"
  // while files exist under "a/".
  Status CheckNoFileFolderClash(const std::string& path) const {
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      std::string parent = path.substr(0, slash);
      L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> existing, Read(parent));
      if (existing) {
        return Status::InvalidArgument("cannot write '" + path + "': '" + parent +
                                       "' is a file, so it cannot also be a folder; choose "
                                       "another path or delete '" +
                                       parent + "' first");
      }
    }
    L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> inside, List(path + "/"));
    if (!inside.empty()) {
      return Status::InvalidArgument("cannot write '" + path + "': it is a folder holding " +
                                     std::to_string(inside.size()) + " files (such as '" +
                                     inside.front().path + "'); choose another path");
    }
    return Status::Ok();
  }

  Status Delete(std::string_view path) override {
    L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
    auto staged = staged_.find(normalized);
    if (staged != staged_.end() && !staged->second.content) return Missing(normalized);
    L2MAC_ASSIGN_OR_RETURN(std::optional<FileInfo> at_base, reader_.Stat(base_, normalized));
    if (!at_base) {
      if (staged == staged_.end()) return Missing(normalized);
      staged_.erase(staged);  // created and deleted inside this transaction: no change
      return Status::Ok();
    }
    staged_[normalized] = StagedFile{};
    return Status::Ok();
  }

  std::vector<std::string> ChangedPaths() const override {
    std::vector<std::string> paths;
    paths.reserve(staged_.size());
    for (const auto& entry : staged_) paths.push_back(entry.first);
    return paths;
  }

  bool HasChanges() const override { return !staged_.empty(); }

  Status WriteSnapshot(const std::filesystem::path& dir) const override {
    std::error_code error;
    if (std::filesystem::exists(dir, error)) {
      if (!std::filesystem::is_directory(dir, error) || !std::filesystem::is_empty(dir, error)) {
        return Status::FailedPrecondition("cannot write a snapshot into '" + dir.string() +
                                          "': it is not an empty folder; pass a new or empty "
                                          "folder");
      }
    } else if (!std::filesystem::create_directories(dir, error) && error) {
      return Status::IoError("cannot create the snapshot folder '" + dir.string() +
                             "': " + error.message() + "; check the parent folder's permissions");
    }
    L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> files, List(""));
    for (const FileInfo& info : files) {
      auto staged = staged_.find(info.path);
      if (staged != staged_.end()) {
        L2MAC_RETURN_IF_ERROR(WriteOnDisk(dir, info.path, *staged->second.content, false));
        continue;
      }
      L2MAC_ASSIGN_OR_RETURN(std::string content, reader_.ReadBlob(info.hash));
      L2MAC_RETURN_IF_ERROR(WriteOnDisk(dir, info.path, content, false));
    }
    return Status::Ok();
  }

  Result<int64_t> Commit(const std::string& message, const std::string& author) override {
    if (staged_.empty() && !second_parent_) return base_;
    L2MAC_ASSIGN_OR_RETURN(auto transaction, Transaction::Begin(db_));
    L2MAC_ASSIGN_OR_RETURN(int64_t head, reader_.BranchHead(branch_));
    if (head != base_) {
      return Status::FailedPrecondition(
          "branch '" + branch_ + "' of the file store moved from commit " + std::to_string(base_) +
          " to commit " + std::to_string(head) +
          " since this transaction began, so its changes would overwrite newer work: begin a "
          "new transaction on the current head and apply the changes again");
    }
    L2MAC_ASSIGN_OR_RETURN(int64_t id, InsertCommit(message, author));
    ReachFaultPoint(options_.fault_point, "commit.after_commit_row");
    L2MAC_RETURN_IF_ERROR(InsertChanges(id));
    ReachFaultPoint(options_.fault_point, "commit.after_changes");
    L2MAC_ASSIGN_OR_RETURN(
        Statement move_ref,
        db_.Prepare("INSERT INTO refs(name, commit_id) VALUES(?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET commit_id = excluded.commit_id"));
    move_ref.Bind(1, branch_).Bind(2, id);
    L2MAC_RETURN_IF_ERROR(move_ref.Run());
    ReachFaultPoint(options_.fault_point, "commit.after_ref_update");
    L2MAC_RETURN_IF_ERROR(transaction->Commit());
    ReachFaultPoint(options_.fault_point, "commit.after_durable");
    base_ = id;
    second_parent_.reset();
    staged_.clear();
    return id;
  }

  void Discard() override { staged_.clear(); }

 private:
  static Status Missing(const std::string& path) {
    return Status::NotFound("file '" + path +
                            "' does not exist in the store, so it cannot be deleted; check the "
                            "path against the list of files");
  }

  Result<int64_t> InsertCommit(const std::string& message, const std::string& author) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    L2MAC_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO commits(parent, message, author, time_ms, second_parent) "
                    "VALUES(?, ?, ?, ?, ?)"));
    insert.Bind(1, base_ == 0 ? std::optional<int64_t>() : std::optional<int64_t>(base_))
        .Bind(2, message)
        .Bind(3, author)
        .Bind(4, static_cast<int64_t>(now.count()))
        .Bind(5, second_parent_);
    L2MAC_RETURN_IF_ERROR(insert.Run());
    return db_.LastInsertRowId();
  }

  // Records each staged change in the commit and applies it to the head tree.
  Status InsertChanges(int64_t id) {
    L2MAC_ASSIGN_OR_RETURN(Statement blob_exists,
                           db_.Prepare("SELECT 1 FROM blobs WHERE hash = ?"));
    L2MAC_ASSIGN_OR_RETURN(Statement blob,
                           db_.Prepare("INSERT INTO blobs(hash, size, lines, content, encoding) "
                                       "VALUES(?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING"));
    L2MAC_ASSIGN_OR_RETURN(Statement old_head,
                           db_.Prepare("SELECT hash FROM head_files WHERE path = ?"));
    const bool update_head = branch_ == kMainBranch;
    std::vector<std::string> left_head;  // blobs the head no longer shows at their path
    L2MAC_ASSIGN_OR_RETURN(
        Statement change,
        db_.Prepare("INSERT INTO commit_changes(commit_id, path, hash) VALUES(?, ?, ?)"));
    L2MAC_ASSIGN_OR_RETURN(
        Statement put_head,
        db_.Prepare("INSERT INTO head_files(path, hash, size, lines) VALUES(?, ?, ?, ?) "
                    "ON CONFLICT(path) DO UPDATE SET hash = excluded.hash, "
                    "size = excluded.size, lines = excluded.lines"));
    L2MAC_ASSIGN_OR_RETURN(Statement drop_head,
                           db_.Prepare("DELETE FROM head_files WHERE path = ?"));
    for (const auto& [path, staged] : staged_) {
      change.Bind(1, id).Bind(2, path);
      if (update_head) {
        old_head.Bind(1, path);
        L2MAC_ASSIGN_OR_RETURN(bool had, old_head.Step());
        if (had) left_head.push_back(old_head.ColumnText(0));
        old_head.Reset();
      }
      if (staged.content) {
        auto size = static_cast<int64_t>(staged.content->size());
        // Same content twice adds no bytes. New content enters raw: it is what the head
        // shows, read and searched most (CompressHistory compresses it once it leaves).
        blob_exists.Bind(1, staged.hash);
        L2MAC_ASSIGN_OR_RETURN(bool known, blob_exists.Step());
        blob_exists.Reset();
        if (!known) {
          blob.Bind(1, staged.hash).Bind(2, size).Bind(3, staged.lines);
          blob.BindBlob(4, *staged.content).Bind(5, static_cast<int64_t>(BlobEncoding::kRaw));
          L2MAC_RETURN_IF_ERROR(blob.Run());
        }
        change.Bind(3, staged.hash);
        if (update_head) {
          put_head.Bind(1, path).Bind(2, staged.hash).Bind(3, size).Bind(4, staged.lines);
          L2MAC_RETURN_IF_ERROR(put_head.Run());
        }
      } else {
        change.BindNull(3);
        if (update_head) {
          drop_head.Bind(1, path);
          L2MAC_RETURN_IF_ERROR(drop_head.Run());
        }
      }
      L2MAC_RETURN_IF_ERROR(change.Run());
    }
    return CompressHistory(left_head);
  }

  // Compresses the blobs in `hashes` that no file of the head shows any more (history),
  // where compression pays. Runs inside the commit's transaction.
  Status CompressHistory(const std::vector<std::string>& hashes) {
    if (hashes.empty()) return Status::Ok();
    L2MAC_ASSIGN_OR_RETURN(Statement in_head,
                           db_.Prepare("SELECT 1 FROM head_files WHERE hash = ? LIMIT 1"));
    L2MAC_ASSIGN_OR_RETURN(Statement load,
                           db_.Prepare("SELECT content FROM blobs WHERE hash = ? AND encoding = 0 "
                                       "AND size >= ?"));
    L2MAC_ASSIGN_OR_RETURN(
        Statement store, db_.Prepare("UPDATE blobs SET content = ?, encoding = ? WHERE hash = ?"));
    for (const std::string& hash : hashes) {
      in_head.Bind(1, hash);
      L2MAC_ASSIGN_OR_RETURN(bool still_shown, in_head.Step());
      in_head.Reset();
      if (still_shown) continue;
      load.Bind(1, hash).Bind(2, static_cast<int64_t>(kCompressMinBytes));
      L2MAC_ASSIGN_OR_RETURN(bool raw, load.Step());
      std::string content = raw ? load.ColumnText(0) : std::string();
      load.Reset();
      if (!raw) continue;
      EncodedBlob encoded = EncodeBlob(content);
      if (encoded.encoding == BlobEncoding::kRaw) continue;
      store.BindBlob(1, encoded.bytes)
          .Bind(2, static_cast<int64_t>(encoded.encoding))
          .Bind(3, hash);
      L2MAC_RETURN_IF_ERROR(store.Run());
    }
    return Status::Ok();
  }

  Database& db_;
  StoreReader reader_;
  StoreOptions options_;
  int64_t base_;
  std::string branch_;
  std::optional<int64_t> second_parent_;
  std::map<std::string, StagedFile> staged_;
};

}  // namespace

std::unique_ptr<StoreTransaction> NewSqliteStoreTransaction(Database& db, StoreOptions options,
                                                            int64_t base, std::string branch,
                                                            std::optional<int64_t> second_parent) {
  return std::make_unique<SqliteStoreTransaction>(db, options, base, std::move(branch),
                                                  second_parent);
}

}  // namespace l2mac::filestore
