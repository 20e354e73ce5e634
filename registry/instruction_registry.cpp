#include "registry/instruction_registry.hpp"

#include <map>
#include <set>

namespace l2mac::registry {
namespace {

const std::vector<std::string> kMigrations = {
    "CREATE TABLE instructions ("
    " seq INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " text TEXT NOT NULL,"
    " depends_on TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'pending',"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " context_restarts INTEGER NOT NULL DEFAULT 0,"
    " prompt_tokens INTEGER NOT NULL DEFAULT 0,"
    " completion_tokens INTEGER NOT NULL DEFAULT 0,"
    " model_calls INTEGER NOT NULL DEFAULT 0,"
    " summary TEXT NOT NULL DEFAULT '',"
    " failure TEXT NOT NULL DEFAULT '',"
    " commit_id INTEGER NOT NULL DEFAULT 0)",
    "ALTER TABLE instructions ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE instructions ADD COLUMN cost_microusd INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE instructions ADD COLUMN latency_ms INTEGER NOT NULL DEFAULT 0",
    // The instruction's own caps as the program's JSON fields ({"max_tokens": 5000, ...}),
    // so a dollar amount comes back exactly as it was written.
    "ALTER TABLE instructions ADD COLUMN caps TEXT NOT NULL DEFAULT '{}'",
    // The program's requirements (registry/requirements.hpp), in the program's order; a
    // program without any has no rows.
    "CREATE TABLE requirements ("
    " seq INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " text TEXT NOT NULL)",
    // The requirement ids an instruction covers, as a JSON array.
    "ALTER TABLE instructions ADD COLUMN covers TEXT NOT NULL DEFAULT '[]'",
    // The instruction whose add_instructions call appended this one; '' otherwise.
    "ALTER TABLE instructions ADD COLUMN added_by TEXT NOT NULL DEFAULT ''",
};

// A JSON array of strings from the state database; `what` names it in the error.
Result<std::vector<std::string>> ReadIdList(const std::string& text, const std::string& what) {
  auto list = nlohmann::json::parse(text, nullptr, false);
  if (!list.is_array()) return Status::Corruption(what + " is unreadable in the state database");
  std::vector<std::string> ids;
  for (const auto& id : list) {
    if (!id.is_string()) return Status::Corruption(what + " is unreadable in the state database");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

Status ReadCaps(const std::string& text, Instruction& instruction) {
  auto caps = nlohmann::json::parse(text, nullptr, false);
  if (!caps.is_object()) {
    return Status::Corruption("instruction '" + instruction.id +
                              "' has unreadable caps in the state database");
  }
  try {
    instruction.max_tokens = caps.value("max_tokens", int64_t{0});
    instruction.max_cost_usd = caps.value("max_cost_usd", 0.0);
    instruction.max_turns = caps.value("max_turns", 0);
  } catch (const nlohmann::json::exception&) {
    return Status::Corruption("instruction '" + instruction.id +
                              "' has caps of the wrong type in the state database");
  }
  return Status::Ok();
}

constexpr const char* kSelectColumns =
    "SELECT seq, id, text, depends_on, status, attempts, context_restarts, prompt_tokens,"
    " completion_tokens, model_calls, summary, failure, commit_id, cached_tokens, cost_microusd,"
    " latency_ms, caps, covers, added_by FROM instructions";

Result<InstructionRecord> ReadRecord(const Statement& row) {
  InstructionRecord record;
  record.seq = row.ColumnInt(0);
  record.instruction.id = row.ColumnText(1);
  record.instruction.text = row.ColumnText(2);
  L2MAC_ASSIGN_OR_RETURN(
      record.instruction.depends_on,
      ReadIdList(row.ColumnText(3), "instruction '" + record.instruction.id + "'s dependencies"));
  L2MAC_ASSIGN_OR_RETURN(record.status, ParseInstructionStatus(row.ColumnText(4)));
  record.attempts = static_cast<int>(row.ColumnInt(5));
  record.context_restarts = static_cast<int>(row.ColumnInt(6));
  record.prompt_tokens = row.ColumnInt(7);
  record.completion_tokens = row.ColumnInt(8);
  record.model_calls = row.ColumnInt(9);
  record.summary = row.ColumnText(10);
  record.failure = row.ColumnText(11);
  record.commit_id = row.ColumnInt(12);
  record.cached_tokens = row.ColumnInt(13);
  record.cost_microusd = row.ColumnInt(14);
  record.latency_ms = row.ColumnInt(15);
  L2MAC_RETURN_IF_ERROR(ReadCaps(row.ColumnText(16), record.instruction));
  L2MAC_ASSIGN_OR_RETURN(record.instruction.covers,
                         ReadIdList(row.ColumnText(17), "instruction '" + record.instruction.id +
                                                            "'s covered requirements"));
  record.added_by = row.ColumnText(18);
  return record;
}

// Stores `instructions` in order with positions after `last_seq`, inside the caller's
// transaction.
Status InsertInstructions(Database& db, const std::vector<Instruction>& instructions,
                          int64_t last_seq, const std::string& added_by = "") {
  L2MAC_ASSIGN_OR_RETURN(Statement insert,
                         db.Prepare("INSERT INTO instructions(seq, id, text, depends_on, caps,"
                                    " covers, added_by) VALUES(?, ?, ?, ?, ?, ?, ?)"));
  int64_t seq = last_seq;
  for (const auto& instruction : instructions) {
    insert.Bind(1, ++seq)
        .Bind(2, instruction.id)
        .Bind(3, instruction.text)
        .Bind(4, nlohmann::json(instruction.depends_on).dump())
        .Bind(5, InstructionCapsToJson(instruction).dump())
        .Bind(6, nlohmann::json(instruction.covers).dump())
        .Bind(7, added_by);
    L2MAC_RETURN_IF_ERROR(insert.Run());
  }
  return Status::Ok();
}

}  // namespace

const char* InstructionStatusName(InstructionStatus status) {
  switch (status) {
    case InstructionStatus::kPending:
      return "pending";
    case InstructionStatus::kRunning:
      return "running";
    case InstructionStatus::kCommitted:
      return "committed";
    case InstructionStatus::kFailed:
      return "failed";
    case InstructionStatus::kSkipped:
      return "skipped";
  }
  return "pending";
}

Result<InstructionStatus> ParseInstructionStatus(const std::string& name) {
  for (auto status :
       {InstructionStatus::kPending, InstructionStatus::kRunning, InstructionStatus::kCommitted,
        InstructionStatus::kFailed, InstructionStatus::kSkipped}) {
    if (name == InstructionStatusName(status)) return status;
  }
  return Status::Corruption("unknown instruction status '" + name + "' in the state database");
}

Result<std::unique_ptr<InstructionRegistry>> InstructionRegistry::Open(Database& db) {
  L2MAC_RETURN_IF_ERROR(db.ApplyMigrations("registry", kMigrations));
  return std::make_unique<InstructionRegistry>(PassKey{}, db);
}

Status InstructionRegistry::SaveProgram(const Program& program) {
  L2MAC_ASSIGN_OR_RETURN(bool has, HasProgram());
  if (has) return Status::FailedPrecondition("this workspace already has a prompt program");
  L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_));
  L2MAC_RETURN_IF_ERROR(InsertInstructions(db_, TopologicalOrder(program), 0));
  L2MAC_ASSIGN_OR_RETURN(Statement add_requirement,
                         db_.Prepare("INSERT INTO requirements(seq, id, text) VALUES(?, ?, ?)"));
  int64_t seq = 0;
  for (const auto& requirement : program.requirements) {
    add_requirement.Bind(1, ++seq).Bind(2, requirement.id).Bind(3, requirement.text);
    L2MAC_RETURN_IF_ERROR(add_requirement.Run());
  }
  return txn->Commit();
}

Status InstructionRegistry::AppendInstructions(const std::vector<Instruction>& instructions,
                                               const std::string& added_by) {
  L2MAC_RETURN_IF_ERROR(CheckAppend(instructions));
  L2MAC_ASSIGN_OR_RETURN(auto records, All());
  L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_));
  L2MAC_RETURN_IF_ERROR(InsertInstructions(db_, instructions, records.back().seq, added_by));
  return txn->Commit();
}

Status InstructionRegistry::CheckAppend(const std::vector<Instruction>& instructions) {
  L2MAC_ASSIGN_OR_RETURN(auto records, All());
  if (records.empty()) {
    return Status::FailedPrecondition("there is no prompt program to append instructions to");
  }
  L2MAC_ASSIGN_OR_RETURN(auto requirements, Requirements());
  std::set<std::string> known_requirements;
  for (const auto& requirement : requirements) known_requirements.insert(requirement.id);
  std::set<std::string> ids;
  for (const auto& record : records) ids.insert(record.instruction.id);
  for (const auto& instruction : instructions) {
    const std::string where = "appended instruction '" + instruction.id + "'";
    if (instruction.id.empty()) {
      return Status::InvalidArgument("an appended instruction has an empty id");
    }
    if (instruction.text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Status::InvalidArgument(where + " has an empty text");
    }
    for (const auto& dep : instruction.depends_on) {
      if (!ids.count(dep)) {
        return Status::InvalidArgument(where + " depends on '" + dep +
                                       "', which is neither in the program nor appended before it");
      }
    }
    for (const auto& covered : instruction.covers) {
      if (!known_requirements.count(covered)) {
        return Status::InvalidArgument(where + " covers '" + covered +
                                       "', which is not a requirement of the program");
      }
    }
    if (!ids.insert(instruction.id).second) {
      return Status::InvalidArgument(where + " reuses an id: every instruction needs its own");
    }
  }
  return Status::Ok();
}

Result<bool> InstructionRegistry::HasProgram() {
  L2MAC_ASSIGN_OR_RETURN(Statement query, db_.Prepare("SELECT COUNT(*) FROM instructions"));
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  return row && query.ColumnInt(0) > 0;
}

Result<Program> InstructionRegistry::LoadProgram() {
  L2MAC_ASSIGN_OR_RETURN(auto records, All());
  Program program;
  for (auto& record : records) program.instructions.push_back(std::move(record.instruction));
  L2MAC_ASSIGN_OR_RETURN(program.requirements, Requirements());
  return program;
}

Result<std::vector<Requirement>> InstructionRegistry::Requirements() {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare("SELECT id, text FROM requirements ORDER BY seq"));
  std::vector<Requirement> requirements;
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    requirements.push_back({query.ColumnText(0), query.ColumnText(1)});
  }
  return requirements;
}

Result<std::vector<InstructionRecord>> InstructionRegistry::All() {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare(std::string(kSelectColumns) + " ORDER BY seq"));
  std::vector<InstructionRecord> records;
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    L2MAC_ASSIGN_OR_RETURN(auto record, ReadRecord(query));
    records.push_back(std::move(record));
  }
  return records;
}

Result<InstructionRecord> InstructionRegistry::Get(const std::string& id) {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare(std::string(kSelectColumns) + " WHERE id = ?"));
  query.Bind(1, id);
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no instruction with id '" + id + "'");
  return ReadRecord(query);
}

Result<std::optional<InstructionRecord>> InstructionRegistry::NextReady() {
  L2MAC_ASSIGN_OR_RETURN(auto records, All());
  std::set<std::string> committed;
  for (const auto& record : records) {
    if (record.status == InstructionStatus::kCommitted) committed.insert(record.instruction.id);
  }
  for (auto& record : records) {
    if (record.status != InstructionStatus::kPending) continue;
    bool ready = true;
    for (const auto& dep : record.instruction.depends_on) ready = ready && committed.count(dep);
    if (ready) return std::optional<InstructionRecord>(std::move(record));
  }
  return std::optional<InstructionRecord>();
}

Status InstructionRegistry::UpdateStatus(const std::string& id, InstructionStatus status) {
  L2MAC_ASSIGN_OR_RETURN(Statement update,
                         db_.Prepare("UPDATE instructions SET status = ? WHERE id = ?"));
  update.Bind(1, InstructionStatusName(status)).Bind(2, id);
  L2MAC_RETURN_IF_ERROR(update.Run());
  if (db_.Changes() == 0) return Status::NotFound("no instruction with id '" + id + "'");
  return Status::Ok();
}

Status InstructionRegistry::MarkRunning(const std::string& id) {
  return UpdateStatus(id, InstructionStatus::kRunning);
}

Status InstructionRegistry::MarkCommitted(const std::string& id, const std::string& summary,
                                          int64_t commit_id) {
  L2MAC_ASSIGN_OR_RETURN(Statement update,
                         db_.Prepare("UPDATE instructions SET status = 'committed', summary = ?,"
                                     " commit_id = ?, failure = '' WHERE id = ?"));
  update.Bind(1, summary).Bind(2, commit_id).Bind(3, id);
  L2MAC_RETURN_IF_ERROR(update.Run());
  if (db_.Changes() == 0) return Status::NotFound("no instruction with id '" + id + "'");
  return Status::Ok();
}

Status InstructionRegistry::MarkPending(const std::string& id) {
  return UpdateStatus(id, InstructionStatus::kPending);
}

Status InstructionRegistry::MarkFailed(const std::string& id, const std::string& reason) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement update,
      db_.Prepare("UPDATE instructions SET status = 'failed', failure = ? WHERE id = ?"));
  update.Bind(1, reason).Bind(2, id);
  L2MAC_RETURN_IF_ERROR(update.Run());
  if (db_.Changes() == 0) return Status::NotFound("no instruction with id '" + id + "'");
  return Status::Ok();
}

Result<int> InstructionRegistry::SkipBlocked() {
  L2MAC_ASSIGN_OR_RETURN(auto records, All());
  std::set<std::string> blocked;
  for (const auto& record : records) {
    if (record.status == InstructionStatus::kFailed ||
        record.status == InstructionStatus::kSkipped) {
      blocked.insert(record.instruction.id);
    }
  }
  int skipped = 0;
  // Records are in dependency order, so one pass reaches transitive dependents.
  for (const auto& record : records) {
    if (record.status != InstructionStatus::kPending) continue;
    for (const auto& dep : record.instruction.depends_on) {
      if (!blocked.count(dep)) continue;
      L2MAC_ASSIGN_OR_RETURN(
          Statement update,
          db_.Prepare("UPDATE instructions SET status = 'skipped', failure = ? WHERE id = ?"));
      update.Bind(1, "skipped because instruction '" + dep + "' did not complete")
          .Bind(2, record.instruction.id);
      L2MAC_RETURN_IF_ERROR(update.Run());
      blocked.insert(record.instruction.id);
      ++skipped;
      break;
    }
  }
  return skipped;
}

Result<int> InstructionRegistry::ResetInterrupted() {
  L2MAC_RETURN_IF_ERROR(
      db_.Exec("UPDATE instructions SET status = 'pending' WHERE status = 'running'"));
  return static_cast<int>(db_.Changes());
}

Result<int> InstructionRegistry::ResetFailed() {
  L2MAC_RETURN_IF_ERROR(
      db_.Exec("UPDATE instructions SET status = 'pending', failure = ''"
               " WHERE status IN ('failed', 'skipped')"));
  return static_cast<int>(db_.Changes());
}

Status InstructionRegistry::AddUsage(const std::string& id, int64_t prompt_tokens,
                                     int64_t completion_tokens, int64_t cached_tokens,
                                     int64_t cost_microusd, int64_t latency_ms) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement update,
      db_.Prepare("UPDATE instructions SET prompt_tokens = prompt_tokens + ?,"
                  " completion_tokens = completion_tokens + ?, model_calls = model_calls + 1,"
                  " cached_tokens = cached_tokens + ?, cost_microusd = cost_microusd + ?,"
                  " latency_ms = latency_ms + ? WHERE id = ?"));
  update.Bind(1, prompt_tokens)
      .Bind(2, completion_tokens)
      .Bind(3, cached_tokens)
      .Bind(4, cost_microusd)
      .Bind(5, latency_ms)
      .Bind(6, id);
  return update.Run();
}

Status InstructionRegistry::AddAttempt(const std::string& id) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement update,
      db_.Prepare("UPDATE instructions SET attempts = attempts + 1 WHERE id = ?"));
  update.Bind(1, id);
  return update.Run();
}

Status InstructionRegistry::AddContextRestart(const std::string& id) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement update,
      db_.Prepare("UPDATE instructions SET context_restarts = context_restarts + 1 WHERE id = ?"));
  update.Bind(1, id);
  return update.Run();
}

}  // namespace l2mac::registry
