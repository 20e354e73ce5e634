// The instruction registry: the prompt program persisted in the workspace database, with
// each instruction's status, attempts, token usage and the summary it left for later
// instructions.
//
// Every change is written before the control unit acts on it, so a run killed at any
// moment resumes from here. Owns the tables `instructions` and `requirements`. Borrows the Database
// (which must outlive it); one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/sqlite.hpp"
#include "core/status.hpp"
#include "registry/program.hpp"

namespace l2mac::registry {

enum class InstructionStatus {
  kPending,    // not started, or interrupted and to be run again
  kRunning,    // an agent is working on it (a crash leaves it here until resume)
  kCommitted,  // its checks passed and its writes are in the store
  kFailed,     // it used up its attempts; its writes were rolled back
  kSkipped,    // an instruction it depends on failed
};

const char* InstructionStatusName(InstructionStatus status);
Result<InstructionStatus> ParseInstructionStatus(const std::string& name);

struct InstructionRecord {
  Instruction instruction;
  int64_t seq = 0;  // position in the program, from 1
  InstructionStatus status = InstructionStatus::kPending;
  int attempts = 0;          // gate runs that failed, across all tries
  int context_restarts = 0;  // summaries-and-restarts of its context
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;  // of prompt_tokens, prompt-cache hits
  int64_t cost_microusd = 0;  // millionths of a US dollar
  int64_t latency_ms = 0;     // summed over the instruction's model calls
  int64_t model_calls = 0;
  std::string summary;  // from step_complete, shown to later instructions
  std::string failure;  // why it failed, when it did
  int64_t commit_id = 0;
  // The instruction whose add_instructions call appended this one (agents/add_instructions.hpp),
  // "" for the program's own instructions and the judge's follow-ups.
  std::string added_by;
};

class InstructionRegistry {
 public:
  static Result<std::unique_ptr<InstructionRegistry>> Open(Database& db);

  // Stores the program. kFailedPrecondition if one is stored already.
  Status SaveProgram(const Program& program);
  // Appends instructions to the stored program in one transaction (all or none), their
  // positions continuing after the last. Each needs a new, non-empty id and a text; it may
  // depend on stored instructions and on earlier ones of `instructions`, and may cover
  // only the stored requirements (registry/requirements.hpp). kFailedPrecondition when no
  // program is stored; kInvalidArgument naming the instruction and field otherwise.
  // Used by replanning (control_unit/judge_round.hpp) and by a worker's add_instructions
  // (`added_by` its instruction): appended instructions run pending.
  Status AppendInstructions(const std::vector<Instruction>& instructions,
                            const std::string& added_by = "");
  // AppendInstructions' checks alone: the same errors, nothing stored.
  Status CheckAppend(const std::vector<Instruction>& instructions);
  Result<bool> HasProgram();
  // The program as saved, its requirements included.
  Result<Program> LoadProgram();
  // The program's requirements in their order; empty for a program without any.
  Result<std::vector<Requirement>> Requirements();
  // All instructions in program order.
  Result<std::vector<InstructionRecord>> All();
  Result<InstructionRecord> Get(const std::string& id);

  // The first pending instruction (in dependency order) whose dependencies are all
  // committed; nullopt when none is ready.
  Result<std::optional<InstructionRecord>> NextReady();

  Status MarkRunning(const std::string& id);
  Status MarkCommitted(const std::string& id, const std::string& summary, int64_t commit_id);
  Status MarkFailed(const std::string& id, const std::string& reason);
  // Puts a started instruction back to pending: the run stopped at a budget mid-way and
  // discarded its work, so a resume starts it over.
  Status MarkPending(const std::string& id);
  // Marks every pending instruction that (transitively) depends on a failed or skipped
  // one as skipped. Returns how many were marked.
  Result<int> SkipBlocked();
  // Puts instructions left running by an interrupted run back to pending.
  Result<int> ResetInterrupted();
  // Puts failed and skipped instructions back to pending (a resume retries them) and
  // clears their failure text. Returns how many.
  Result<int> ResetFailed();

  Status AddUsage(const std::string& id, int64_t prompt_tokens, int64_t completion_tokens,
                  int64_t cached_tokens = 0, int64_t cost_microusd = 0, int64_t latency_ms = 0);
  Status AddAttempt(const std::string& id);
  Status AddContextRestart(const std::string& id);

  struct PassKey {
   private:
    PassKey() = default;
    friend class InstructionRegistry;
  };
  InstructionRegistry(PassKey, Database& db) : db_(db) {}  // use Open()

 private:
  Status UpdateStatus(const std::string& id, InstructionStatus status);
  Database& db_;
};

}  // namespace l2mac::registry
