#include "control_unit/workspace.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace l2mac::control_unit {
namespace {

// How many of the newest commits HoldsWork looks at for one not by the user; a longer
// history counts as work.
constexpr size_t kMaxUserCommitsScanned = 64;

const std::vector<std::string> kMetaMigrations = {
    "CREATE TABLE run_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
};

}  // namespace

std::filesystem::path Workspace::StatePath(const std::filesystem::path& dir) {
  return dir / ".l2mac" / "state.db";
}

bool Workspace::IsBusy(const std::filesystem::path& dir) {
  std::string lock_path = (StatePath(dir).parent_path() / "lock").string();
  int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool busy = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return busy;
}

namespace {

// Why `dir` cannot be an output folder, or OK after creating its .l2mac folder: a file in
// its place or on its path, or a parent l2mac may not write to.
Status PrepareFolder(const std::filesystem::path& dir, const std::filesystem::path& state_dir) {
  std::error_code ec;
  // The nearest part of the path that exists ("a/file.txt" for "a/file.txt/out").
  std::filesystem::path existing = std::filesystem::absolute(dir, ec).lexically_normal();
  while (!std::filesystem::exists(existing, ec) && existing.has_relative_path()) {
    existing = existing.parent_path();
  }
  const bool is_folder = std::filesystem::is_directory(existing, ec);
  if (!is_folder && existing == std::filesystem::absolute(dir, ec).lexically_normal()) {
    return Status::FailedPrecondition("the output folder " + dir.string() +
                                      " exists and is not a folder: choose another --out");
  }
  if (!is_folder) {
    return Status::FailedPrecondition("the output folder " + dir.string() + " goes through " +
                                      existing.string() +
                                      ", which is a file, not a folder: choose another --out");
  }
  std::filesystem::create_directories(state_dir, ec);
  if (!ec) return Status::Ok();
  if (ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted ||
      ec == std::errc::read_only_file_system) {
    return Status::PermissionDenied("cannot create the output folder " + dir.string() + " (" +
                                    ec.message() + " in " + existing.string() +
                                    "): choose a folder you can write to with --out");
  }
  return Status::IoError("cannot create " + state_dir.string() + ": " + ec.message());
}

}  // namespace

Status DamagedState(const std::filesystem::path& dir, const std::string& what) {
  return Status::Corruption("the state database " + Workspace::StatePath(dir).string() +
                            " is damaged (" + what +
                            "): l2mac cannot continue this run. Restore the file from a "
                            "backup, or start a new run in another --out folder; the files in " +
                            dir.string() + " stay as they are");
}

FolderState InspectFolder(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(Workspace::StatePath(dir), ec)) return FolderState::kNoRun;
  auto workspace = Workspace::Open(dir, OpenMode::kReadOnlyView);
  if (!workspace.ok()) {
    return workspace.status().code() == StatusCode::kNotFound ? FolderState::kNoRun
                                                              : FolderState::kUnreadable;
  }
  Result<bool> holds_work = (*workspace)->HoldsWork();
  if (!holds_work.ok()) return FolderState::kUnreadable;
  return *holds_work ? FolderState::kHoldsWork : FolderState::kNothingDone;
}

Result<std::unique_ptr<Workspace>> Workspace::Open(const std::filesystem::path& dir,
                                                   OpenMode mode) {
  std::error_code ec;
  std::filesystem::path state = StatePath(dir);
  bool exists = std::filesystem::exists(state, ec);
  if (mode != OpenMode::kCreate && !exists) {
    return Status::NotFound("no l2mac run in " + dir.string() + " (" + state.string() +
                            " is missing): start one with `l2mac run SPEC --out " + dir.string() +
                            "`");
  }
  L2MAC_RETURN_IF_ERROR(PrepareFolder(dir, state.parent_path()));
  auto workspace = std::make_unique<Workspace>(PassKey{}, dir);
  if (mode != OpenMode::kReadOnlyView) {
    std::string lock_path = (state.parent_path() / "lock").string();
    workspace->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (workspace->lock_fd_ < 0) {
      return Status::IoError("cannot open " + lock_path + ": " + std::strerror(errno));
    }
    if (::flock(workspace->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return Status::FailedPrecondition("another l2mac process is working in " + dir.string() +
                                        "; wait for it to finish or stop it first");
    }
  }
  L2MAC_RETURN_IF_ERROR(workspace->OpenState());
  // A run exists once its task is stored (StartRun writes it in its first transaction);
  // a database without one is what a kill during start-up leaves, and is reused.
  L2MAC_ASSIGN_OR_RETURN(auto task, workspace->GetMeta("task"));
  if (mode == OpenMode::kCreate && task) {
    L2MAC_ASSIGN_OR_RETURN(bool holds_work, workspace->HoldsWork());
    L2MAC_ASSIGN_OR_RETURN(bool finished, workspace->Finished());
    if (holds_work && finished) {
      // A finished run takes a new task: StartRun continues its store (see kCreate).
      workspace->continued_ = true;
      return workspace;
    }
    if (holds_work) {
      return Status::AlreadyExists(
          dir.string() +
          " already holds an l2mac run that has not finished: continue it with `l2mac resume " +
          dir.string() + "` (a new task is taken once it has finished), or choose another --out " +
          "folder");
    }
    // Nothing to lose (no model reply, no commit): the new command replaces the run, so
    // that correcting a flag after a failed start is just running the command again.
    L2MAC_RETURN_IF_ERROR(workspace->ReplaceState());
    workspace->started_over_ = true;
  }
  if (mode != OpenMode::kCreate && !task) {
    return Status::NotFound("the run in " + dir.string() +
                            " was stopped while starting, before it stored its task: start it "
                            "again with `l2mac run ... --out " +
                            dir.string() + "`");
  }
  return workspace;
}

Status Workspace::OpenState() {
  L2MAC_ASSIGN_OR_RETURN(db_, Database::Open(StatePath(dir_).string()));
  L2MAC_RETURN_IF_ERROR(db_->ApplyMigrations("run_meta", kMetaMigrations));
  L2MAC_ASSIGN_OR_RETURN(store_, filestore::FileStore::Open(*db_));
  L2MAC_ASSIGN_OR_RETURN(registry_, registry::InstructionRegistry::Open(*db_));
  L2MAC_ASSIGN_OR_RETURN(exchanges_, ExchangeLog::Open(*db_));
  L2MAC_ASSIGN_OR_RETURN(test_baseline_, TestBaseline::Open(*db_));
  L2MAC_ASSIGN_OR_RETURN(requirement_coverage_, RequirementCoverage::Open(*db_));
  L2MAC_ASSIGN_OR_RETURN(events_, EventLog::Open(*db_));
  return Status::Ok();
}

Status Workspace::ReplaceState() {
  events_.reset();
  requirement_coverage_.reset();
  test_baseline_.reset();
  exchanges_.reset();
  registry_.reset();
  store_.reset();
  db_.reset();
  const std::string state = StatePath(dir_).string();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ec;
    std::filesystem::remove(state + suffix, ec);
    if (ec) return Status::IoError("cannot remove " + state + suffix + ": " + ec.message());
  }
  return OpenState();
}

Result<bool> Workspace::HoldsWork() {
  // Commits by "user" (an imported codebase, the user's edits) are also on disk, so a new
  // run that replaces the database imports them again: they are not work to lose.
  L2MAC_ASSIGN_OR_RETURN(int64_t head, store_->Head());
  if (head != 0) {
    L2MAC_ASSIGN_OR_RETURN(auto log, store_->Log(kMaxUserCommitsScanned));
    for (const auto& commit : log) {
      if (commit.author != "user") return true;
    }
    if (log.size() == kMaxUserCommitsScanned) return true;
  }
  L2MAC_ASSIGN_OR_RETURN(ExchangeTotals totals, exchanges_->Totals());
  return totals.calls > 0;
}

Result<bool> Workspace::Finished() {
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> state, GetMeta("state"));
  if (state.value_or(std::string()) != "finished") return false;
  L2MAC_ASSIGN_OR_RETURN(auto records, registry_->All());
  return std::all_of(records.begin(), records.end(), [](const auto& record) {
    return record.status == registry::InstructionStatus::kCommitted;
  });
}

Workspace::~Workspace() {
  events_.reset();
  requirement_coverage_.reset();
  test_baseline_.reset();
  exchanges_.reset();
  registry_.reset();
  store_.reset();
  db_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Status Workspace::SetMeta(const std::string& key, const std::string& value) {
  L2MAC_ASSIGN_OR_RETURN(Statement upsert,
                         db_->Prepare("INSERT INTO run_meta(key, value) VALUES(?, ?) "
                                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  upsert.Bind(1, key).Bind(2, value);
  return upsert.Run();
}

Result<std::optional<std::string>> Workspace::GetMeta(const std::string& key) {
  L2MAC_ASSIGN_OR_RETURN(Statement query, db_->Prepare("SELECT value FROM run_meta WHERE key = ?"));
  query.Bind(1, key);
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(query.ColumnText(0));
}

}  // namespace l2mac::control_unit
