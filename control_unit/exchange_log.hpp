// Every model exchange of a run, stored in the workspace database before the agent acts
// on the reply. It is what `l2mac transcript` prints and what a replay serves.
//
// Exchanges of an instruction that was interrupted (and will be redone on resume) are
// marked superseded: they stay in the database for inspection but are not part of the
// run's transcript. Borrows the Database; one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/llm/message.hpp"
#include "core/sqlite.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

// Over every exchange ever made in the run, superseded ones included: what was spent.
struct ExchangeTotals {
  int64_t calls = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t cost_microusd = 0;  // millionths of a US dollar
  int64_t latency_ms = 0;     // summed over calls
  int64_t first_call_ms = 0;  // when the first call was sent (Unix ms; 0: no call)
  int64_t last_reply_ms = 0;  // when the last reply was recorded
  // Estimator calibration: over the calls whose usage the server reported, its prompt
  // tokens against l2mac's estimate of the same prompts.
  int64_t calibration_calls = 0;
  int64_t calibration_reported_tokens = 0;
  int64_t calibration_estimated_tokens = 0;
};

// One recorded exchange without its request and response: what the report draws.
struct ExchangeSummary {
  int64_t seq = 0;             // order of recording, from 1
  std::string purpose;         // "plan", "work" or "summary"
  std::string instruction_id;  // empty for planning
  int64_t created_ms = 0;      // when it was recorded, just after the reply (Unix ms)
  int64_t latency_ms = 0;
  int64_t prompt_tokens = 0;  // as the server counted them (0 when it did not say)
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t cost_microusd = 0;
  int64_t estimated_prompt_tokens = 0;  // l2mac's own count of the prompt (0: not recorded)
  bool superseded = false;
};

class ExchangeLog {
 public:
  static Result<std::unique_ptr<ExchangeLog>> Open(Database& db);
  struct PassKey {
   private:
    PassKey() = default;
    friend class ExchangeLog;
  };
  ExchangeLog(PassKey, Database& db) : db_(db) {}

  // `instruction_id` is empty for planning. `cost_microusd` is the call's price.
  Status Record(const std::string& purpose, const std::string& instruction_id,
                const llm::ChatRequest& request, const llm::ChatResponse& response,
                int64_t latency_ms, int64_t cost_microusd = 0, int64_t estimated_prompt_tokens = 0);
  // The highest try (ExchangeKey::attempt) recorded for `instruction_id` among the
  // exchanges that are part of the run; 0 when none. The next try is one more.
  Result<int64_t> LastAttempt(const std::string& instruction_id);
  // Marks the exchanges of these unfinished instructions (and of planning when
  // `planning_unfinished`) as superseded.
  Status Supersede(const std::vector<std::string>& instruction_ids, bool planning_unfinished);
  // Exchanges that are part of the run (not superseded).
  Result<int64_t> CountActive();
  Result<ExchangeTotals> Totals();
  // Tokens (prompt + completion) and cost of an instruction's exchanges since it last
  // started: superseded ones (from before a resume) are left out.
  struct Spend {
    int64_t tokens = 0;
    int64_t cost_microusd = 0;
  };
  Result<Spend> InstructionSpend(const std::string& instruction_id);
  // Server-counted prompt tokens per estimated token over the exchanges of the transcript
  // (superseded ones left out, so a resumed run and its replay see the same values) whose
  // usage the server reported; 1.0 below `min_calls` such exchanges. Clamped to [0.5, 4].
  Result<double> EstimateScale(int64_t min_calls);
  // Every exchange, superseded ones included.
  Result<int64_t> CountAll();
  // The last `limit` exchanges (superseded ones included), oldest first.
  Result<std::vector<ExchangeSummary>> Latest(size_t limit);
  // Calls `visit(seq, request)` with the recorded request JSON of each exchange from
  // `first_seq` on whose request text contains `needle` (SQLite filters, so requests
  // without it are never copied out), in order. A visit's error stops the walk.
  Status ForEachRequestContaining(
      int64_t first_seq, const std::string& needle,
      const std::function<Status(int64_t seq, std::string_view request)>& visit);
  // Writes the active exchanges as JSONL (see core/llm/transcript.hpp), each with its
  // "key" when it was recorded with one.
  Status WriteTranscript(std::ostream& out);

 private:
  Database& db_;
};

}  // namespace l2mac::control_unit
