// The persisted history of a run's events: table `events` in the workspace database
// (module "events"), one row per event except text deltas, keyed by its sequence number.
// `l2mac events`, `status` and reports read it; a resumed run continues its sequence.
//
// Rows are written by EventEmitter in batches, inside the transaction of the caller when
// one is open. Borrows the Database; one thread at a time, like the Database.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sqlite.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

// One row: the event's envelope and its payload's fields as JSON text.
struct StoredEvent {
  int64_t seq = 0;
  int version = 0;  // kEventSchemaVersion when it was written
  int64_t time_ms = 0;
  std::string type;
  std::string instruction;
  std::string data;  // PayloadToJson(), serialized
};

class EventLog {
 public:
  static Result<std::unique_ptr<EventLog>> Open(Database& db);
  struct PassKey {
   private:
    PassKey() = default;
    friend class EventLog;
  };
  EventLog(PassKey, Database& db) : db_(db) {}

  // One past the largest stored sequence number (1 for a run without events).
  Result<int64_t> NextSeq();
  // Stores the rows, in the caller's transaction when one is open, else in one of its own.
  Status Append(const std::vector<StoredEvent>& rows);

 private:
  Database& db_;
  std::unique_ptr<Statement> insert_;  // prepared once; destroyed before the Database
};

// Up to `limit` stored events with a sequence number above `after_seq`, oldest first, each
// as the JSON that EventToJson() gave when it was emitted. Works on any connection to a
// workspace database, a read-only one included (see Database::OpenReadOnly); kNotFound
// when the database has no events table (a run of an l2mac from before events).
Result<std::vector<nlohmann::ordered_json>> ReadEventsAfter(Database& db, int64_t after_seq,
                                                            int64_t limit);

// The newest `limit` stored events whose type is one of `types`, oldest first, in the form
// ReadEventsAfter() gives; errors as ReadEventsAfter().
Result<std::vector<nlohmann::ordered_json>> ReadLatestEventsOfTypes(
    Database& db, const std::vector<std::string>& types, int64_t limit);

}  // namespace l2mac::control_unit
