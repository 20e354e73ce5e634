#include "filestore/file_store.hpp"

#include <cctype>
#include <cstdlib>
#include <utility>

#include "filestore/materializer.hpp"
#include "filestore/path.hpp"
#include "filestore/sqlite_store_transaction.hpp"
#include "filestore/store_merge.hpp"
#include "filestore/store_reader.hpp"
#include "filestore/store_schema.hpp"

namespace l2mac::filestore {
namespace {

constexpr int64_t kStorePageCacheKib = 16 * 1024;

// Branch names: letters, digits and "-_./", not starting with '.' or '-', no "..".
Status CheckBranchName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 100 && name[0] != '.' && name[0] != '-' &&
            name.find("..") == std::string_view::npos;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
          c == '/')) {
      ok = false;
    }
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument("'" + std::string(name) +
                                 "' is not a valid branch name: use letters, digits and '-_./', "
                                 "e.g. 'instruction-3'");
}

class SqliteFileStore final : public FileStore {
 public:
  SqliteFileStore(Database& db, StoreOptions options) : db_(db), reader_(db), options_(options) {}

  Result<int64_t> Head() override { return reader_.Head(); }

  Result<std::vector<FileInfo>> List(int64_t commit, std::string_view prefix) override {
    return reader_.List(commit, prefix);
  }

  Result<std::optional<std::string>> Read(int64_t commit, std::string_view path) override {
    L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
    return reader_.Read(commit, normalized);
  }

  Result<std::vector<CommitInfo>> Log(size_t limit) override { return reader_.Log(limit); }

  Result<std::optional<std::string>> ReadLineRange(int64_t commit, std::string_view path,
                                                   int64_t first, int64_t last) override {
    L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
    L2MAC_ASSIGN_OR_RETURN(std::optional<FileInfo> info, reader_.Stat(commit, normalized));
    if (!info) return std::optional<std::string>();
    L2MAC_ASSIGN_OR_RETURN(std::string lines, reader_.ReadBlobLines(info->hash, first, last));
    return std::optional<std::string>(std::move(lines));
  }

  Result<std::unique_ptr<StoreTransaction>> BeginOn(std::string_view branch) override {
    L2MAC_RETURN_IF_ERROR(CheckBranchName(branch));
    L2MAC_ASSIGN_OR_RETURN(int64_t head, reader_.BranchHead(branch));
    return NewSqliteStoreTransaction(db_, options_, head, std::string(branch));
  }

  Result<std::unique_ptr<StoreTransaction>> BeginAt(int64_t commit) override {
    if (commit != 0) L2MAC_RETURN_IF_ERROR(reader_.CheckCommitExists(commit));
    return NewSqliteStoreTransaction(db_, options_, commit, std::string(kMainBranch));
  }

  Result<std::map<std::string, int64_t>> Branches() override {
    std::map<std::string, int64_t> branches;
    L2MAC_ASSIGN_OR_RETURN(Statement query, db_.Prepare("SELECT name, commit_id FROM refs"));
    while (true) {
      L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      branches[query.ColumnText(0)] = query.ColumnInt(1);
    }
    return branches;
  }

  Result<int64_t> BranchHead(std::string_view branch) override {
    return reader_.BranchHead(branch);
  }

  Status SetBranch(std::string_view branch, int64_t commit) override {
    L2MAC_RETURN_IF_ERROR(CheckBranchName(branch));
    L2MAC_RETURN_IF_ERROR(reader_.CheckCommitExists(commit));
    if (branch == kMainBranch) {
      // head_files must follow "main": only commits and Merge move it.
      L2MAC_ASSIGN_OR_RETURN(int64_t head, reader_.Head());
      if (head != commit) {
        return Status::FailedPrecondition("'main' cannot be pointed at commit " +
                                          std::to_string(commit) +
                                          " directly; merge a branch into it instead");
      }
    }
    L2MAC_ASSIGN_OR_RETURN(
        Statement put,
        db_.Prepare("INSERT INTO refs(name, commit_id) VALUES(?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET commit_id = excluded.commit_id"));
    put.Bind(1, branch).Bind(2, commit);
    return put.Run();
  }

  Result<int64_t> Resolve(std::string_view spec) override {
    std::string_view name = spec;
    int64_t back = 0;
    size_t tilde = spec.find('~');
    if (tilde != std::string_view::npos) {
      name = spec.substr(0, tilde);
      std::string count(spec.substr(tilde + 1));
      char* end = nullptr;
      back = count.empty() ? 1 : std::strtoll(count.c_str(), &end, 10);
      if (back < 0 || (!count.empty() && *end != '\0')) return Unknown(spec);
    }
    int64_t commit = 0;
    bool numeric = !name.empty() && name.find_first_not_of("0123456789") == std::string_view::npos;
    if (numeric) {
      commit = std::strtoll(std::string(name).c_str(), nullptr, 10);
      if (!reader_.CheckCommitExists(commit).ok()) return Unknown(spec);
    } else {
      L2MAC_ASSIGN_OR_RETURN(commit, reader_.BranchHead(name == "HEAD" ? kMainBranch : name));
      if (commit == 0) return Unknown(spec);
    }
    if (back > 0) {
      L2MAC_ASSIGN_OR_RETURN(auto history, reader_.LogFrom(commit, static_cast<size_t>(back) + 1));
      if (history.size() <= static_cast<size_t>(back)) return Unknown(spec);
      commit = history.back().id;
    }
    return commit;
  }

  Result<MergeOutcome> Merge(std::string_view source, std::string_view target,
                             const std::string& author) override {
    L2MAC_RETURN_IF_ERROR(CheckBranchName(source));
    L2MAC_RETURN_IF_ERROR(CheckBranchName(target));
    return MergeBranches(db_, options_, *this, source, target, author);
  }

  Result<std::vector<CommitInfo>> LogFrom(int64_t commit, size_t limit) override {
    if (commit != 0) L2MAC_RETURN_IF_ERROR(reader_.CheckCommitExists(commit));
    return reader_.LogFrom(commit, limit);
  }

  Result<std::vector<CommitRecord>> AllCommits() override {
    std::vector<CommitRecord> commits;
    std::map<int64_t, size_t> index;
    L2MAC_ASSIGN_OR_RETURN(Statement query,
                           db_.Prepare("SELECT id, parent, second_parent, message, author, time_ms "
                                       "FROM commits ORDER BY id"));
    while (true) {
      L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      CommitRecord record;
      record.info.id = query.ColumnInt(0);
      if (!query.ColumnIsNull(1)) record.info.parent = query.ColumnInt(1);
      if (!query.ColumnIsNull(2)) record.info.second_parent = query.ColumnInt(2);
      record.info.message = query.ColumnText(3);
      record.info.author = query.ColumnText(4);
      record.info.time_ms = query.ColumnInt(5);
      index[record.info.id] = commits.size();
      commits.push_back(std::move(record));
    }
    L2MAC_ASSIGN_OR_RETURN(Statement changes,
                           db_.Prepare("SELECT commit_id, path, hash FROM commit_changes "
                                       "ORDER BY commit_id, path"));
    while (true) {
      L2MAC_ASSIGN_OR_RETURN(bool row, changes.Step());
      if (!row) break;
      auto it = index.find(changes.ColumnInt(0));
      if (it == index.end()) continue;
      CommitRecord& record = commits[it->second];
      std::optional<std::string> hash;
      if (!changes.ColumnIsNull(2)) hash = changes.ColumnText(2);
      record.info.changed_paths.push_back(changes.ColumnText(1));
      record.changes.emplace_back(changes.ColumnText(1), std::move(hash));
    }
    return commits;
  }

  Result<std::string> ReadBlob(std::string_view hash) override { return reader_.ReadBlob(hash); }

  Status ForEachFile(
      int64_t commit, std::string_view prefix,
      const std::function<Status(const FileInfo&, std::string_view)>& visit) override {
    L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> files, reader_.List(commit, prefix));
    for (const FileInfo& info : files) {
      L2MAC_ASSIGN_OR_RETURN(std::string content, reader_.ReadBlob(info.hash));
      L2MAC_RETURN_IF_ERROR(visit(info, content));
    }
    return Status::Ok();
  }

  Result<MaterializeReport> Materialize(const std::filesystem::path& dir) override {
    return MaterializeHead(db_, dir, Tuning());
  }

  Result<MaterializeReport> MaterializePaths(const std::filesystem::path& dir,
                                             const std::vector<std::string>& paths) override {
    return MaterializeHeadPaths(db_, dir, paths, Tuning());
  }

  const StoreOptions& options() const override { return options_; }

 private:
  MaterializeTuning Tuning() const {
    MaterializeTuning tuning;
    tuning.fault_point = options_.fault_point;
    return tuning;
  }

  Status Unknown(std::string_view spec) {
    std::string names;
    Result<std::map<std::string, int64_t>> branches = Branches();
    if (branches.ok()) {
      for (const auto& entry : *branches) names += (names.empty() ? "" : ", ") + entry.first;
    }
    return Status::NotFound("'" + std::string(spec) +
                            "' names no commit of the file store; give a commit number from "
                            "`l2mac files DIR log` or a branch (" +
                            (names.empty() ? std::string("none yet") : names) +
                            "), optionally "
                            "with ~N for N commits back");
  }

  Database& db_;
  StoreReader reader_;
  StoreOptions options_;
};

}  // namespace

Result<std::unique_ptr<FileStore>> FileStore::Open(Database& db, StoreOptions options) {
  if (options.max_file_bytes == 0) {
    return Status::InvalidArgument(
        "StoreOptions::max_file_bytes is 0, so no file could be stored: set a positive limit "
        "such as 4 MiB");
  }
  L2MAC_RETURN_IF_ERROR(ApplyStoreSchema(db));
  // A larger page cache than SQLite's 2 MiB default keeps the pages of recently read files
  // in memory, so reading a range of a large file twice costs no disk reads. Bounded, so
  // the process stays small; a connection-wide setting, harmless to the other modules.
  L2MAC_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size=-" + std::to_string(kStorePageCacheKib)));
  return std::unique_ptr<FileStore>(std::make_unique<SqliteFileStore>(db, options));
}

}  // namespace l2mac::filestore
