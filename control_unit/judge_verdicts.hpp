// The judge's verdicts of a run, one per round, in the workspace database. This module
// owns the table `judge_verdicts` (round, Features %, the verdict with its evidence and its
// inconsistencies, the instructions appended for what it found unmet or inconsistent);
// nothing else writes it.
//
// A verdict and the instructions it appends are stored in one transaction by the caller
// (control_unit/judge_round.hpp), so a run killed at any moment has either both or
// neither, and a resume continues at the right round. Reading works on a read-only view of
// a run recorded before the judge existed: the table is then simply absent (no verdicts).
// Borrows the Database for each call; one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agents/judge_verdict.hpp"
#include "core/sqlite.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

struct StoredVerdict {
  int round = 0;  // from 1
  agents::JudgeVerdict verdict;
  std::vector<std::string> appended;  // ids of the instructions appended for what it found
  int64_t created_ms = 0;
};

// Creates or updates the table (writable databases only).
Status OpenJudgeVerdicts(Database& db);

// Stores round `round`'s verdict. Precondition: OpenJudgeVerdicts ran on `db`.
Status RecordVerdict(Database& db, int round, const agents::JudgeVerdict& verdict,
                     const std::vector<std::string>& appended);

// Sets the instructions appended for round `round`'s verdict (a resume that raised
// --max-rounds appends them after the verdict was stored).
Status SetAppended(Database& db, int round, const std::vector<std::string>& appended);

// Every stored verdict, oldest round first; empty when the table does not exist.
// kCorruption when a stored verdict cannot be read back.
Result<std::vector<StoredVerdict>> ReadVerdicts(Database& db);

// The exchanges of judge round `round` are recorded under this instruction id
// ("judge:<round>"), which no instruction of a program can clash with in effect: the
// judge's purpose is "judge".
std::string JudgeScope(int round);

}  // namespace l2mac::control_unit
