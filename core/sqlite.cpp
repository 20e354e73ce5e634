#include "core/sqlite.hpp"

#include <sqlite3.h>

#include <utility>

namespace l2mac {
namespace {

// `what` failed with `rc`; `detail` is SQLite's reason when the caller has it, else the
// connection's last error. A damaged file is named, with what the user can do.
Status SqliteError(sqlite3* db, int rc, std::string_view what, const char* detail = nullptr) {
  std::string reason = detail != nullptr ? detail : db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = std::string(what) + ": " + reason;
  int primary = rc & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
    std::string name = file != nullptr && *file != '\0' ? std::string("the state database ") + file
                                                        : std::string("the state database");
    return Status::Corruption(name + " is damaged (" + message +
                              "): restore it from a backup, or start a new run in another "
                              "--out folder");
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Status::FailedPrecondition(message + " (another l2mac process is using this folder)");
  }
  if (primary == SQLITE_CONSTRAINT) return Status::InvalidArgument(message);
  return Status::IoError(message);
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = SqliteError(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = SqliteError(db_, rc, "bind");
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = SqliteError(db_, rc, "bind");
  return *this;
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = SqliteError(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Result<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "sqlite step");
}

Status Statement::Run() {
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) break;
  }
  Reset();
  return Status::Ok();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = Status::Ok();
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<Database>> Database::OpenConnection(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(raw, rc, "cannot open database " + path);
    sqlite3_close(raw);
    return status;
  }
  auto db = std::make_unique<Database>(Database::PassKey{}, raw, path);
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  L2MAC_ASSIGN_OR_RETURN(auto db, OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  // journal_mode returns a row, so it goes through a statement.
  L2MAC_ASSIGN_OR_RETURN(Statement wal, db->Prepare("PRAGMA journal_mode=WAL"));
  L2MAC_RETURN_IF_ERROR(wal.Run());
  L2MAC_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"));
  L2MAC_RETURN_IF_ERROR(
      db->Exec("CREATE TABLE IF NOT EXISTS schema_versions ("
               " module TEXT PRIMARY KEY, version INTEGER NOT NULL)"));
  return db;
}

Result<std::unique_ptr<Database>> Database::OpenReadOnly(const std::string& path) {
  return OpenConnection(path, SQLITE_OPEN_READONLY);
}

Database::~Database() { sqlite3_close_v2(db_); }

Status Database::Exec(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string detail = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    return SqliteError(db_, rc, "sql", detail.c_str());
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare '" + std::string(sql) + "'");
  return Statement(db_, stmt);
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int64_t Database::Changes() const { return sqlite3_changes64(db_); }

Status Database::ApplyMigrations(const std::string& module, const std::vector<std::string>& steps) {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         Prepare("SELECT version FROM schema_versions WHERE module = ?"));
  query.Bind(1, module);
  L2MAC_ASSIGN_OR_RETURN(bool has_row, query.Step());
  size_t version = has_row ? static_cast<size_t>(query.ColumnInt(0)) : 0;
  if (version > steps.size()) {
    return Status::FailedPrecondition(path_ + " was written by a newer l2mac (its '" + module +
                                      "' schema is version " + std::to_string(version) +
                                      "; this l2mac knows up to version " +
                                      std::to_string(steps.size()) + "): upgrade l2mac to use it");
  }
  for (size_t v = version; v < steps.size(); ++v) {
    L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(*this));
    L2MAC_RETURN_IF_ERROR(
        Exec(steps[v]).WithContext(module + " migration " + std::to_string(v + 1)));
    L2MAC_ASSIGN_OR_RETURN(Statement record,
                           Prepare("INSERT INTO schema_versions(module, version) VALUES(?, ?) "
                                   "ON CONFLICT(module) DO UPDATE SET version = excluded.version"));
    record.Bind(1, module).Bind(2, static_cast<int64_t>(v + 1));
    L2MAC_RETURN_IF_ERROR(record.Run());
    L2MAC_RETURN_IF_ERROR(txn->Commit());
  }
  return Status::Ok();
}

Result<std::unique_ptr<Transaction>> Transaction::Begin(Database& db) {
  std::string name = "l2mac_sp" + std::to_string(++db.savepoint_counter_);
  L2MAC_RETURN_IF_ERROR(db.Exec("SAVEPOINT " + name));
  ++db.transaction_depth_;
  return std::make_unique<Transaction>(Transaction::PassKey{}, db, name);
}

Transaction::~Transaction() {
  if (open_) (void)Rollback();
}

Status Transaction::Commit() {
  if (!open_) return Status::FailedPrecondition("transaction already finished");
  Status status = db_.Exec("RELEASE " + name_);
  if (!status.ok()) return status;  // still open: the destructor rolls back
  open_ = false;
  --db_.transaction_depth_;
  return Status::Ok();
}

Status Transaction::Rollback() {
  if (!open_) return Status::Ok();
  open_ = false;
  --db_.transaction_depth_;
  Status status = db_.Exec("ROLLBACK TO " + name_);
  Status release = db_.Exec("RELEASE " + name_);
  return status.ok() ? release : status;
}

}  // namespace l2mac
