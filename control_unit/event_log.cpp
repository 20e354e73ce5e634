#include "control_unit/event_log.hpp"

namespace l2mac::control_unit {
namespace {

const std::vector<std::string> kMigrations = {
    // `data` is the payload's JSON; the envelope has columns so that readers can select
    // by type or instruction without parsing.
    "CREATE TABLE events ("
    " seq INTEGER PRIMARY KEY,"
    " v INTEGER NOT NULL,"
    " time_ms INTEGER NOT NULL,"
    " type TEXT NOT NULL,"
    " instruction_id TEXT NOT NULL,"
    " data TEXT NOT NULL)",
};

}  // namespace

Result<std::unique_ptr<EventLog>> EventLog::Open(Database& db) {
  L2MAC_RETURN_IF_ERROR(db.ApplyMigrations("events", kMigrations));
  return std::make_unique<EventLog>(PassKey{}, db);
}

Result<int64_t> EventLog::NextSeq() {
  L2MAC_ASSIGN_OR_RETURN(Statement query, db_.Prepare("SELECT COALESCE(MAX(seq), 0) FROM events"));
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  return (row ? query.ColumnInt(0) : 0) + 1;
}

Status EventLog::Append(const std::vector<StoredEvent>& rows) {
  if (rows.empty()) return Status::Ok();
  if (!insert_) {
    L2MAC_ASSIGN_OR_RETURN(Statement insert,
                           db_.Prepare("INSERT INTO events(seq, v, time_ms, type, instruction_id,"
                                       " data) VALUES(?, ?, ?, ?, ?, ?)"));
    insert_ = std::make_unique<Statement>(std::move(insert));
  }
  L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_));
  for (const StoredEvent& row : rows) {
    insert_->Reset();
    insert_->Bind(1, row.seq)
        .Bind(2, static_cast<int64_t>(row.version))
        .Bind(3, row.time_ms)
        .Bind(4, row.type)
        .Bind(5, row.instruction)
        .Bind(6, row.data);
    L2MAC_RETURN_IF_ERROR(insert_->Run());
  }
  return txn->Commit();
}

namespace {

Status CheckHasEventsTable(Database& db) {
  L2MAC_ASSIGN_OR_RETURN(Statement exists,
                         db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND"
                                    " name = 'events'"));
  L2MAC_ASSIGN_OR_RETURN(bool has_table, exists.Step());
  if (!has_table) {
    return Status::NotFound(
        "this run has no recorded events: it was made by an l2mac from before events "
        "(they start with the next `l2mac resume`)");
  }
  return Status::Ok();
}

// The rows `query` yields (seq, v, time_ms, type, instruction_id, data), as EventToJson()
// gave them.
Result<std::vector<nlohmann::ordered_json>> EventRows(Statement& query) {
  std::vector<nlohmann::ordered_json> events;
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    nlohmann::ordered_json event = {{"v", query.ColumnInt(1)},
                                    {"seq", query.ColumnInt(0)},
                                    {"time_ms", query.ColumnInt(2)},
                                    {"type", query.ColumnText(3)},
                                    {"instruction", query.ColumnText(4)}};
    auto data = nlohmann::ordered_json::parse(query.ColumnText(5), nullptr, false);
    if (!data.is_object()) {
      return Status::Corruption("the stored event " + std::to_string(query.ColumnInt(0)) +
                                " is not a JSON object");
    }
    for (auto& [key, value] : data.items()) event[key] = std::move(value);
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace

Result<std::vector<nlohmann::ordered_json>> ReadEventsAfter(Database& db, int64_t after_seq,
                                                            int64_t limit) {
  L2MAC_RETURN_IF_ERROR(CheckHasEventsTable(db));
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db.Prepare("SELECT seq, v, time_ms, type, instruction_id, data FROM"
                                    " events WHERE seq > ? ORDER BY seq LIMIT ?"));
  query.Bind(1, after_seq).Bind(2, limit);
  return EventRows(query);
}

Result<std::vector<nlohmann::ordered_json>> ReadLatestEventsOfTypes(
    Database& db, const std::vector<std::string>& types, int64_t limit) {
  L2MAC_RETURN_IF_ERROR(CheckHasEventsTable(db));
  // (SQLite reads a negative LIMIT as none.)
  if (types.empty() || limit <= 0) return std::vector<nlohmann::ordered_json>();
  std::string placeholders;
  for (size_t i = 0; i < types.size(); ++i) placeholders += i == 0 ? "?" : ", ?";
  L2MAC_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT seq, v, time_ms, type, instruction_id, data FROM (SELECT * FROM events"
                 " WHERE type IN (" +
                 placeholders + ") ORDER BY seq DESC LIMIT ?) ORDER BY seq"));
  int index = 1;
  for (const std::string& type : types) query.Bind(index++, type);
  query.Bind(index, limit);
  return EventRows(query);
}

}  // namespace l2mac::control_unit
