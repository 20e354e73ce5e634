#include "control_unit/judge_verdicts.hpp"

#include "core/json_text.hpp"

namespace l2mac::control_unit {
namespace {

const std::vector<std::string> kMigrations = {
    "CREATE TABLE judge_verdicts ("
    " round INTEGER PRIMARY KEY,"
    " features_pct REAL NOT NULL,"
    " verdict TEXT NOT NULL,"   // JudgeVerdict::ToJson()
    " appended TEXT NOT NULL,"  // JSON array of instruction ids
    " created_ms INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS "
    "INTEGER)))",
    // Verdicts may list inconsistencies (the book domain). Also a version step, so an older
    // l2mac, which would read an unsettled verdict as settled, refuses the database.
    "ALTER TABLE judge_verdicts ADD COLUMN inconsistency_count INTEGER NOT NULL DEFAULT 0",
};

Result<bool> TableExists(Database& db) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
                 "'judge_verdicts'"));
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  return row && query.ColumnInt(0) > 0;
}

Status Damaged(int round) {
  return Status::Corruption("the judge's verdict of round " + std::to_string(round) +
                            " is unreadable in the state database");
}

}  // namespace

Status OpenJudgeVerdicts(Database& db) { return db.ApplyMigrations("judge", kMigrations); }

Status RecordVerdict(Database& db, int round, const agents::JudgeVerdict& verdict,
                     const std::vector<std::string>& appended) {
  L2MAC_ASSIGN_OR_RETURN(Statement insert,
                         db.Prepare("INSERT INTO judge_verdicts(round, features_pct, verdict,"
                                    " appended, inconsistency_count) VALUES(?, ?, ?, ?, ?)"));
  insert.Bind(1, static_cast<int64_t>(round))
      .Bind(2, verdict.FeaturesPct())
      .Bind(3, DumpJson(verdict.ToJson()))
      .Bind(4, DumpJson(nlohmann::json(appended)))
      .Bind(5, static_cast<int64_t>(verdict.inconsistencies.size()));
  return insert.Run();
}

Status SetAppended(Database& db, int round, const std::vector<std::string>& appended) {
  L2MAC_ASSIGN_OR_RETURN(Statement update,
                         db.Prepare("UPDATE judge_verdicts SET appended = ? WHERE round = ?"));
  update.Bind(1, DumpJson(nlohmann::json(appended))).Bind(2, static_cast<int64_t>(round));
  L2MAC_RETURN_IF_ERROR(update.Run());
  if (db.Changes() == 0) return Damaged(round);
  return Status::Ok();
}

Result<std::vector<StoredVerdict>> ReadVerdicts(Database& db) {
  std::vector<StoredVerdict> verdicts;
  L2MAC_ASSIGN_OR_RETURN(bool exists, TableExists(db));
  if (!exists) return verdicts;
  L2MAC_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT round, verdict, appended, created_ms FROM judge_verdicts ORDER BY round"));
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    StoredVerdict stored;
    stored.round = static_cast<int>(query.ColumnInt(0));
    stored.created_ms = query.ColumnInt(3);
    auto verdict = nlohmann::json::parse(query.ColumnText(1), nullptr, false);
    auto appended = nlohmann::json::parse(query.ColumnText(2), nullptr, false);
    if (!verdict.is_object() || !verdict.contains("requirements") ||
        !verdict["requirements"].is_array() || !appended.is_array()) {
      return Damaged(stored.round);
    }
    for (const auto& item : verdict["requirements"]) {
      if (!item.is_object()) return Damaged(stored.round);
      agents::ScoredRequirement scored;
      try {
        scored.id = item.at("id").get<std::string>();
        scored.evidence = item.at("evidence").get<std::string>();
        std::string score = item.at("score").get<std::string>();
        if (score == "implemented") {
          scored.score = agents::RequirementScore::kImplemented;
        } else if (score == "partial") {
          scored.score = agents::RequirementScore::kPartial;
        } else if (score == "missing") {
          scored.score = agents::RequirementScore::kMissing;
        } else {
          return Damaged(stored.round);
        }
      } catch (const nlohmann::json::exception&) {
        return Damaged(stored.round);
      }
      stored.verdict.requirements.push_back(std::move(scored));
    }
    if (verdict.contains("inconsistencies")) {
      if (!verdict["inconsistencies"].is_array()) return Damaged(stored.round);
      for (const auto& item : verdict["inconsistencies"]) {
        agents::Inconsistency inconsistency;
        try {
          inconsistency.what = item.at("what").get<std::string>();
          inconsistency.evidence = item.at("evidence").get<std::string>();
        } catch (const nlohmann::json::exception&) {
          return Damaged(stored.round);
        }
        stored.verdict.inconsistencies.push_back(std::move(inconsistency));
      }
    }
    for (const auto& id : appended) {
      if (!id.is_string()) return Damaged(stored.round);
      stored.appended.push_back(id.get<std::string>());
    }
    verdicts.push_back(std::move(stored));
  }
  return verdicts;
}

std::string JudgeScope(int round) { return "judge:" + std::to_string(round); }

}  // namespace l2mac::control_unit
