// A thin, Status-returning wrapper over one SQLite connection.
//
// Database owns the connection (closed in the destructor). It is not thread-safe: one
// thread at a time uses a Database and the Statements prepared from it, and every
// Statement must be destroyed before its Database. Open() turns on WAL mode, foreign keys
// and a busy timeout; ApplyMigrations() gives each module its own schema version.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace l2mac {

class Database;

// A prepared statement. Bind parameters are 1-based, as in SQLite.
class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<int64_t>& value);

  // Advances to the next row: true when a row is available, false when done.
  Result<bool> Step();
  // Runs a statement that returns no rows (or ignores them) to completion.
  Status Run();
  // Makes the statement reusable with new bindings.
  void Reset();

  int64_t ColumnInt(int column) const;
  std::string ColumnText(int column) const;  // also reads BLOB columns as bytes
  bool ColumnIsNull(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  Status bind_error_;
};

class Database {
 public:
  // Opens (creating if needed) the database file at `path`. ":memory:" works for tests.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);
  // Opens an existing database file for reading only: no schema, no pragmas, no writes
  // (for watching a run another process is writing; WAL readers do not block it).
  static Result<std::unique_ptr<Database>> OpenReadOnly(const std::string& path);
  struct PassKey {
   private:
    PassKey() = default;
    friend class Database;
  };
  Database(PassKey, sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more SQL statements that return no rows.
  Status Exec(const std::string& sql);
  Result<Statement> Prepare(std::string_view sql);
  int64_t LastInsertRowId() const;
  int64_t Changes() const;

  // Brings the module's schema up to date: runs steps[v..] for a stored version v, each
  // step in its own transaction, recording the new version in `schema_versions`.
  Status ApplyMigrations(const std::string& module, const std::vector<std::string>& steps);

  // Nesting depth of open Transactions; 0 outside any.
  int transaction_depth() const { return transaction_depth_; }
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }

 private:
  friend class Transaction;
  // sqlite3_open_v2 with `flags` (no mutex), the busy timeout and extended result codes.
  static Result<std::unique_ptr<Database>> OpenConnection(const std::string& path, int flags);
  sqlite3* db_ = nullptr;
  std::string path_;
  int transaction_depth_ = 0;
  int64_t savepoint_counter_ = 0;
};

// A scope of atomic work: a SAVEPOINT, so transactions nest. Commit() makes it durable
// (at the outermost level); destroying an uncommitted Transaction rolls it back.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(Database& db);
  struct PassKey {
   private:
    PassKey() = default;
    friend class Transaction;
  };
  Transaction(PassKey, Database& db, std::string name) : db_(db), name_(std::move(name)) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status Commit();
  Status Rollback();

 private:
  Database& db_;
  std::string name_;
  bool open_ = true;
};

}  // namespace l2mac
