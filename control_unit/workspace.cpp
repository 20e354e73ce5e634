#include "control_unit/workspace.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace l2mac::control_unit {
namespace {

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
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    return Status::InvalidArgument(dir.string() +
                                   " exists and is not a folder: choose another --out");
  }
  std::filesystem::create_directories(state.parent_path(), ec);
  if (ec) {
    return Status::IoError("cannot create " + state.parent_path().string() + ": " + ec.message());
  }
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
  L2MAC_ASSIGN_OR_RETURN(workspace->db_, Database::Open(state.string()));
  Database& db = *workspace->db_;
  L2MAC_RETURN_IF_ERROR(db.ApplyMigrations("run_meta", kMetaMigrations));
  L2MAC_ASSIGN_OR_RETURN(workspace->store_, filestore::FileStore::Open(db));
  L2MAC_ASSIGN_OR_RETURN(workspace->registry_, registry::InstructionRegistry::Open(db));
  L2MAC_ASSIGN_OR_RETURN(workspace->exchanges_, ExchangeLog::Open(db));
  L2MAC_ASSIGN_OR_RETURN(workspace->test_baseline_, TestBaseline::Open(db));
  // A run exists once its task is stored (StartRun writes it in its first transaction);
  // a database without one is what a kill during start-up leaves, and is reused.
  L2MAC_ASSIGN_OR_RETURN(auto task, workspace->GetMeta("task"));
  if (mode == OpenMode::kCreate && task) {
    return Status::AlreadyExists(dir.string() +
                                 " already holds an l2mac run: continue it with `l2mac resume " +
                                 dir.string() + "`, or choose another --out folder");
  }
  if (mode != OpenMode::kCreate && !task) {
    return Status::NotFound("the run in " + dir.string() +
                            " was stopped while starting, before it stored its task: start it "
                            "again with `l2mac run ... --out " +
                            dir.string() + "`");
  }
  return workspace;
}

Workspace::~Workspace() {
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
