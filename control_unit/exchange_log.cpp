#include "control_unit/exchange_log.hpp"

#include <algorithm>

#include "core/json_text.hpp"
#include "core/llm/transcript.hpp"

namespace l2mac::control_unit {
namespace {

const std::vector<std::string> kMigrations = {
    "CREATE TABLE exchanges ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " purpose TEXT NOT NULL,"
    " instruction_id TEXT NOT NULL,"
    " request TEXT NOT NULL,"
    " response TEXT NOT NULL,"
    " prompt_tokens INTEGER NOT NULL,"
    " completion_tokens INTEGER NOT NULL,"
    " latency_ms INTEGER NOT NULL,"
    " superseded INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS "
    "INTEGER)))",
    // Accounting: prompt-cache hits and the call's cost in millionths of a dollar (integer,
    // so sums are exact).
    "ALTER TABLE exchanges ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE exchanges ADD COLUMN cost_microusd INTEGER NOT NULL DEFAULT 0",
    // l2mac's own estimate of the prompt, to calibrate the estimator against the server.
    "ALTER TABLE exchanges ADD COLUMN estimated_prompt_tokens INTEGER NOT NULL DEFAULT 0",
    // The exchange's key (llm::ExchangeKey: instruction_id, attempt, turn), by which a
    // replay of a parallel run finds each response whatever the interleaving. 0: recorded
    // before keys.
    "ALTER TABLE exchanges ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE exchanges ADD COLUMN turn INTEGER NOT NULL DEFAULT 0",
};

}  // namespace

Result<std::unique_ptr<ExchangeLog>> ExchangeLog::Open(Database& db) {
  L2MAC_RETURN_IF_ERROR(db.ApplyMigrations("exchanges", kMigrations));
  return std::make_unique<ExchangeLog>(PassKey{}, db);
}

Status ExchangeLog::Record(const std::string& purpose, const std::string& instruction_id,
                           const llm::ChatRequest& request, const llm::ChatResponse& response,
                           int64_t latency_ms, int64_t cost_microusd,
                           int64_t estimated_prompt_tokens) {
  nlohmann::json line = llm::ExchangeToTranscriptJson(request, response);
  L2MAC_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare("INSERT INTO exchanges(purpose, instruction_id, request, response,"
                  " prompt_tokens, completion_tokens, latency_ms, cached_tokens, cost_microusd,"
                  " estimated_prompt_tokens, attempt, turn)"
                  " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, purpose)
      .Bind(2, instruction_id)
      .Bind(3, DumpJson(line["request"]))
      .Bind(4, DumpJson(line["response"]))
      .Bind(5, response.usage.prompt_tokens)
      .Bind(6, response.usage.completion_tokens)
      .Bind(7, latency_ms)
      .Bind(8, response.usage.cached_tokens)
      .Bind(9, cost_microusd)
      .Bind(10, estimated_prompt_tokens)
      .Bind(11, request.key.attempt)
      .Bind(12, request.key.turn);
  return insert.Run();
}

Result<int64_t> ExchangeLog::LastAttempt(const std::string& instruction_id) {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare("SELECT COALESCE(MAX(attempt), 0) FROM exchanges"
                                     " WHERE instruction_id = ? AND superseded = 0"));
  query.Bind(1, instruction_id);
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  return row ? query.ColumnInt(0) : 0;
}

Status ExchangeLog::Supersede(const std::vector<std::string>& instruction_ids,
                              bool planning_unfinished) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement update,
      db_.Prepare("UPDATE exchanges SET superseded = 1 WHERE instruction_id = ? AND purpose != "
                  "'plan'"));
  for (const auto& id : instruction_ids) {
    update.Bind(1, id);
    L2MAC_RETURN_IF_ERROR(update.Run());
  }
  if (planning_unfinished) {
    L2MAC_RETURN_IF_ERROR(db_.Exec("UPDATE exchanges SET superseded = 1 WHERE purpose = 'plan'"));
  }
  return Status::Ok();
}

Result<int64_t> ExchangeLog::CountActive() {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare("SELECT COUNT(*) FROM exchanges WHERE superseded = 0"));
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  return row ? query.ColumnInt(0) : 0;
}

Result<ExchangeTotals> ExchangeLog::Totals() {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare("SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0),"
                                     " COALESCE(SUM(completion_tokens), 0),"
                                     " COALESCE(SUM(cached_tokens), 0),"
                                     " COALESCE(SUM(cost_microusd), 0),"
                                     " COALESCE(SUM(latency_ms), 0),"
                                     " COALESCE(SUM(CASE WHEN prompt_tokens > 0 AND"
                                     "   estimated_prompt_tokens > 0 THEN 1 END), 0),"
                                     " COALESCE(SUM(CASE WHEN prompt_tokens > 0 AND"
                                     "   estimated_prompt_tokens > 0 THEN prompt_tokens END), 0),"
                                     " COALESCE(SUM(CASE WHEN prompt_tokens > 0 THEN"
                                     "   estimated_prompt_tokens END), 0),"
                                     " COALESCE(MIN(created_ms - latency_ms), 0),"
                                     " COALESCE(MAX(created_ms), 0) FROM exchanges"));
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  ExchangeTotals totals;
  if (row) {
    totals.calls = query.ColumnInt(0);
    totals.prompt_tokens = query.ColumnInt(1);
    totals.completion_tokens = query.ColumnInt(2);
    totals.cached_tokens = query.ColumnInt(3);
    totals.cost_microusd = query.ColumnInt(4);
    totals.latency_ms = query.ColumnInt(5);
    totals.calibration_calls = query.ColumnInt(6);
    totals.calibration_reported_tokens = query.ColumnInt(7);
    totals.calibration_estimated_tokens = query.ColumnInt(8);
    totals.first_call_ms = query.ColumnInt(9);
    totals.last_reply_ms = query.ColumnInt(10);
  }
  return totals;
}

Result<ExchangeLog::Spend> ExchangeLog::InstructionSpend(const std::string& instruction_id) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement query,
      db_.Prepare("SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0),"
                  " COALESCE(SUM(cost_microusd), 0) FROM exchanges"
                  " WHERE instruction_id = ? AND purpose != 'plan' AND superseded = 0"));
  query.Bind(1, instruction_id);
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  Spend spend;
  if (row) {
    spend.tokens = query.ColumnInt(0);
    spend.cost_microusd = query.ColumnInt(1);
  }
  return spend;
}

Result<double> ExchangeLog::EstimateScale(int64_t min_calls) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement query,
      db_.Prepare("SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0),"
                  " COALESCE(SUM(estimated_prompt_tokens), 0) FROM exchanges"
                  " WHERE superseded = 0 AND prompt_tokens > 0 AND estimated_prompt_tokens > 0"));
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row || query.ColumnInt(0) < min_calls || query.ColumnInt(2) <= 0) return 1.0;
  const double scale =
      static_cast<double>(query.ColumnInt(1)) / static_cast<double>(query.ColumnInt(2));
  return std::clamp(scale, 0.5, 4.0);
}

Result<int64_t> ExchangeLog::CountAll() {
  L2MAC_ASSIGN_OR_RETURN(Statement query, db_.Prepare("SELECT COUNT(*) FROM exchanges"));
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  return row ? query.ColumnInt(0) : 0;
}

Result<std::vector<ExchangeSummary>> ExchangeLog::Latest(size_t limit) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement query,
      db_.Prepare("SELECT seq, purpose, instruction_id, created_ms, latency_ms, prompt_tokens,"
                  " completion_tokens, cached_tokens, cost_microusd, estimated_prompt_tokens,"
                  " superseded FROM exchanges WHERE seq IN"
                  " (SELECT seq FROM exchanges ORDER BY seq DESC LIMIT ?) ORDER BY seq"));
  query.Bind(1, static_cast<int64_t>(limit));
  std::vector<ExchangeSummary> exchanges;
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    ExchangeSummary exchange;
    exchange.seq = query.ColumnInt(0);
    exchange.purpose = query.ColumnText(1);
    exchange.instruction_id = query.ColumnText(2);
    exchange.created_ms = query.ColumnInt(3);
    exchange.latency_ms = query.ColumnInt(4);
    exchange.prompt_tokens = query.ColumnInt(5);
    exchange.completion_tokens = query.ColumnInt(6);
    exchange.cached_tokens = query.ColumnInt(7);
    exchange.cost_microusd = query.ColumnInt(8);
    exchange.estimated_prompt_tokens = query.ColumnInt(9);
    exchange.superseded = query.ColumnInt(10) != 0;
    exchanges.push_back(std::move(exchange));
  }
  return exchanges;
}

Status ExchangeLog::ForEachRequestContaining(
    int64_t first_seq, const std::string& needle,
    const std::function<Status(int64_t seq, std::string_view request)>& visit) {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare("SELECT seq, request FROM exchanges WHERE seq >= ? AND"
                                     " instr(request, ?) > 0 ORDER BY seq"));
  query.Bind(1, first_seq).Bind(2, needle);
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    L2MAC_RETURN_IF_ERROR(visit(query.ColumnInt(0), query.ColumnText(1)));
  }
  return Status::Ok();
}

Status ExchangeLog::WriteTranscript(std::ostream& out) {
  L2MAC_ASSIGN_OR_RETURN(
      Statement query,
      db_.Prepare("SELECT request, response, instruction_id, attempt, turn FROM exchanges"
                  " WHERE superseded = 0 ORDER BY seq"));
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    auto request = nlohmann::json::parse(query.ColumnText(0), nullptr, false);
    auto response = nlohmann::json::parse(query.ColumnText(1), nullptr, false);
    if (request.is_discarded() || response.is_discarded()) {
      return Status::Corruption("an exchange in the state database is not valid JSON");
    }
    nlohmann::json line = {{"request", request}, {"response", response}};
    if (query.ColumnInt(3) > 0) {
      line["key"] = {{"instruction", query.ColumnText(2)},
                     {"attempt", query.ColumnInt(3)},
                     {"turn", query.ColumnInt(4)}};
    }
    out << DumpJson(line) << '\n';
  }
  if (!out) return Status::IoError("cannot write the transcript (output closed or disk full)");
  return Status::Ok();
}

}  // namespace l2mac::control_unit
