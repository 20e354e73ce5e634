#include "filestore/materializer.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <system_error>

#include "filestore/disk_io.hpp"
#include "filestore/path.hpp"
#include "filestore/store_reader.hpp"

namespace l2mac::filestore {
namespace {

// What l2mac last wrote at a path of the folder.
struct Record {
  std::string hash;
  std::string stamp;
};

class Materializer {
 public:
  // `only`: the paths to bring up to the head; null: every path of the head and of the
  // records.
  Materializer(Database& db, std::filesystem::path root, const MaterializeTuning& tuning,
               const std::vector<std::string>* only)
      : db_(db),
        reader_(db),
        root_(std::move(root)),
        key_(root_.string()),
        tuning_(tuning),
        only_(only) {}

  Result<MaterializeReport> Run() {
    L2MAC_RETURN_IF_ERROR(Load());
    L2MAC_RETURN_IF_ERROR(CheckPaths());
    L2MAC_ASSIGN_OR_RETURN(auto transaction, Transaction::Begin(db_));
    // Records go into the database even when a later file fails, so they keep matching the
    // files already changed on disk.
    Status status = RemoveDeleted();
    if (status.ok()) status = WriteChanged();
    Status committed = transaction->Commit();
    if (!status.ok()) return status;
    L2MAC_RETURN_IF_ERROR(committed);
    std::sort(report_.kept_user_edits.begin(), report_.kept_user_edits.end());
    return std::move(report_);
  }

 private:
  Status Load() {
    L2MAC_ASSIGN_OR_RETURN(int64_t head_commit, reader_.Head());
    if (only_) return LoadOnly(head_commit);
    L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> files, reader_.List(head_commit, ""));
    for (FileInfo& info : files) head_[info.path] = std::move(info.hash);
    L2MAC_ASSIGN_OR_RETURN(
        Statement query, db_.Prepare("SELECT path, hash, stamp FROM materialized WHERE root = ?"));
    query.Bind(1, key_);
    while (true) {
      L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      records_[query.ColumnText(0)] = Record{query.ColumnText(1), query.ColumnText(2)};
    }
    return Status::Ok();
  }

  // The head and the records of the listed paths alone: what makes a materialization
  // after a commit cost what the commit changed.
  Status LoadOnly(int64_t head_commit) {
    L2MAC_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT hash, stamp FROM materialized WHERE root = ? AND path = ?"));
    for (const std::string& path : *only_) {
      L2MAC_ASSIGN_OR_RETURN(std::optional<FileInfo> info, reader_.Stat(head_commit, path));
      if (info) head_[path] = std::move(info->hash);
      query.Reset();
      query.Bind(1, key_).Bind(2, path);
      L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
      if (row) records_[path] = Record{query.ColumnText(0), query.ColumnText(1)};
    }
    return Status::Ok();
  }

  // Refuses the whole run, before any change, when a path is malformed (a damaged
  // database must not steer writes outside the folder) or passes through a symlink.
  Status CheckPaths() const {
    std::set<std::string> paths;
    for (const auto& entry : head_) paths.insert(entry.first);
    for (const auto& entry : records_) paths.insert(entry.first);
    for (const std::string& path : paths) {
      Result<std::string> normalized = NormalizePath(path);
      if (!normalized.ok() || *normalized != path) {
        return Status::Corruption("the file store holds the malformed path '" + path +
                                  "'; the state database is damaged: restore it from a backup "
                                  "or start a new output folder");
      }
      L2MAC_RETURN_IF_ERROR(CheckNoSymlinkOnDisk(root_, path));
    }
    return Status::Ok();
  }

  // The hash of the file on disk, read only when its stamp differs from the record's.
  Result<std::string> DiskHash(const std::string& path, const DiskEntry& entry,
                               const Record* record) const {
    if (record && !record->stamp.empty() && record->stamp == entry.stamp) return record->hash;
    return HashOnDisk(root_, path);
  }

  Status RemoveDeleted() {
    for (const auto& [path, record] : records_) {
      if (head_.count(path)) continue;
      L2MAC_ASSIGN_OR_RETURN(DiskEntry entry, InspectOnDisk(root_, path, tuning_.racy_window_ns));
      if (entry.kind == DiskKind::kMissing) {
        L2MAC_RETURN_IF_ERROR(Forget(path));
        continue;
      }
      if (entry.kind != DiskKind::kRegularFile) {
        report_.kept_user_edits.push_back(path);
        continue;
      }
      L2MAC_ASSIGN_OR_RETURN(std::string on_disk, DiskHash(path, entry, &record));
      if (on_disk != record.hash) {
        report_.kept_user_edits.push_back(path);
        continue;
      }
      L2MAC_RETURN_IF_ERROR(RemoveOnDisk(root_, path));
      L2MAC_RETURN_IF_ERROR(Forget(path));
      report_.removed.push_back(path);
    }
    return Status::Ok();
  }

  Status WriteChanged() {
    for (const auto& [path, hash] : head_) {
      auto found = records_.find(path);
      const Record* record = found == records_.end() ? nullptr : &found->second;
      L2MAC_ASSIGN_OR_RETURN(DiskEntry entry, InspectOnDisk(root_, path, tuning_.racy_window_ns));
      if (entry.kind == DiskKind::kMissing) {
        L2MAC_RETURN_IF_ERROR(Write(path, hash));
        continue;
      }
      if (entry.kind != DiskKind::kRegularFile) {
        report_.kept_user_edits.push_back(path);
        continue;
      }
      L2MAC_ASSIGN_OR_RETURN(std::string on_disk, DiskHash(path, entry, record));
      if (on_disk == hash) {
        // Already the head content: remember it (or refresh the stamp) without writing.
        if (!record || record->hash != hash || record->stamp != entry.stamp) {
          L2MAC_RETURN_IF_ERROR(Remember(path, hash, entry.stamp));
        }
      } else if (record && on_disk == record->hash) {
        L2MAC_RETURN_IF_ERROR(Write(path, hash));
      } else {
        report_.kept_user_edits.push_back(path);
      }
    }
    return Flush();
  }

  // Stages `path`'s new content; Flush() makes it visible and durable, then records it.
  Status Write(const std::string& path, const std::string& hash) {
    L2MAC_ASSIGN_OR_RETURN(std::string content, reader_.ReadBlob(hash));
    L2MAC_RETURN_IF_ERROR(writes_.Stage(path, content));
    staged_.emplace_back(path, hash);
    if (staged_.size() >= kWriteBatch) return Flush();
    return Status::Ok();
  }

  // Publishes the staged writes (one flush per folder, not per file), then records each
  // one renamed: a record never names content the disk might not hold after a crash.
  Status Flush() {
    size_t renamed = 0;  // renames happen in stage order, so these are staged_'s first
    Status published = writes_.Publish([this, &renamed](const std::string& path) {
      report_.written.push_back(path);
      ++renamed;
      if (report_.written.size() == 1)
        ReachFaultPoint(tuning_.fault_point, "materialize.after_first_write");
    });
    std::vector<std::pair<std::string, std::string>> staged = std::move(staged_);
    staged_.clear();
    // A failed rename or folder flush records nothing: a renamed file may not survive a
    // crash then, and a file showing the head's content without a record is recognized
    // (and recorded) by the next materialization, never taken for a user's edit.
    if (!published.ok()) return published;
    for (size_t i = 0; i < renamed && i < staged.size(); ++i) {
      const auto& [path, hash] = staged[i];
      L2MAC_ASSIGN_OR_RETURN(DiskEntry entry, InspectOnDisk(root_, path, tuning_.racy_window_ns));
      L2MAC_RETURN_IF_ERROR(Remember(path, hash, entry.stamp));
    }
    return published;
  }

  Status Remember(const std::string& path, const std::string& hash, const std::string& stamp) {
    L2MAC_ASSIGN_OR_RETURN(
        Statement upsert,
        db_.Prepare("INSERT INTO materialized(root, path, hash, stamp) VALUES(?, ?, ?, ?) "
                    "ON CONFLICT(root, path) DO UPDATE SET hash = excluded.hash, "
                    "stamp = excluded.stamp"));
    upsert.Bind(1, key_).Bind(2, path).Bind(3, hash).Bind(4, stamp);
    return upsert.Run();
  }

  Status Forget(const std::string& path) {
    L2MAC_ASSIGN_OR_RETURN(Statement erase,
                           db_.Prepare("DELETE FROM materialized WHERE root = ? AND path = ?"));
    erase.Bind(1, key_).Bind(2, path);
    return erase.Run();
  }

  Database& db_;
  StoreReader reader_;
  std::filesystem::path root_;
  std::string key_;
  MaterializeTuning tuning_;
  const std::vector<std::string>* only_;     // borrowed; null: every path
  std::map<std::string, std::string> head_;  // path -> hash
  std::map<std::string, Record> records_;
  MaterializeReport report_;
  // Written files are published in batches of this many (each keeps its folder open).
  static constexpr size_t kWriteBatch = 64;
  DurableWrites writes_{root_};
  std::vector<std::pair<std::string, std::string>> staged_;  // path, hash; in writes_
};

}  // namespace

namespace {

Result<std::filesystem::path> MaterializeRoot(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return Status::IoError("cannot create the output folder '" + dir.string() +
                           "': " + error.message() + "; check the parent folder's permissions");
  }
  std::filesystem::path root = std::filesystem::weakly_canonical(dir, error);
  if (error || !std::filesystem::is_directory(root, error)) {
    return Status::FailedPrecondition("'" + dir.string() +
                                      "' is not a folder l2mac can write to; pass a folder path");
  }
  return root;
}

}  // namespace

Result<MaterializeReport> MaterializeHead(Database& db, const std::filesystem::path& dir,
                                          const MaterializeTuning& tuning) {
  L2MAC_ASSIGN_OR_RETURN(std::filesystem::path root, MaterializeRoot(dir));
  return Materializer(db, std::move(root), tuning, nullptr).Run();
}

Result<MaterializeReport> MaterializeHeadPaths(Database& db, const std::filesystem::path& dir,
                                               const std::vector<std::string>& paths,
                                               const MaterializeTuning& tuning) {
  L2MAC_ASSIGN_OR_RETURN(std::filesystem::path root, MaterializeRoot(dir));
  return Materializer(db, std::move(root), tuning, &paths).Run();
}

}  // namespace l2mac::filestore
