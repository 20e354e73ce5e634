// Progress of a run for MCP clients: follows the run's stored events (the `events` table,
// read-only, as `l2mac events --follow` does) and turns the milestones (planning,
// instructions started, committed or failed, checks, the end) into one-line messages with
// a progress number that only grows (the event's sequence number).
//
// Threads: one thread at a time. Owns a read-only database connection, opened once the
// run's state database exists.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/sqlite.hpp"
#include "core/status.hpp"

namespace l2mac::cli {

struct ProgressStep {
  int64_t progress = 0;  // the event's sequence number
  std::string message;   // e.g. "instruction 2 of 3 committed: geometry.py is written"
};

class ProgressFollower {
 public:
  explicit ProgressFollower(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // The milestones stored since the last call, at most `limit` events read; empty while
  // the run has no state database yet. Errors: the database's (damaged, unreadable).
  Result<std::vector<ProgressStep>> Next(int64_t limit = 500);
  // The next call opens the database again. Needed once the writer has ended: its last
  // connection checkpoints and removes the WAL files, and a read-only connection opened
  // before may not see what was in them.
  void Reopen() { db_.reset(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
  int64_t last_seq_ = 0;
};

}  // namespace l2mac::cli
