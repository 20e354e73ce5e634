// The judge round of a run: once no instruction is left to run, the judge scores the
// program's requirements against the committed store (agents/judge.hpp); the verdict is
// stored (control_unit/judge_verdicts.hpp) and, while rounds are left (--max-rounds), the
// requirements it found partial or missing become new instructions appended to the
// program, one per requirement, carrying `covers` and the judge's evidence; in the book
// domain the judge also checks consistency across chapters, and each inconsistency it
// finds becomes an instruction too. The run loop
// then runs them like any other and asks again; the judge scores the result again.
// --max-rounds N: at most N verdicts send requirements back, so the judge runs at most
// N + 1 times (a resume that raises N sends the last verdict's unmet ones back at once).
//
// When it runs: only with RunOptions::judge on and a program that lists requirements (a
// program without any has nothing to judge). Round n+1 runs only after the verdict of
// round n appended instructions (and those ran), so the verdict count and the appended instructions
// in the database are the whole state: a run killed while judging resumes by judging that round
// again (its exchanges are superseded, see ResumeRun), and one killed after the verdict
// runs the appended instructions.
//
// Borrows the run's parts (RunContext) and the gateway the judge calls (the run's own,
// or one for --judge-model); the run's one thread only.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agents/toolchains/gate.hpp"

#include "agents/domain.hpp"
#include "agents/judge_verdict.hpp"
#include "control_unit/check_tree.hpp"
#include "control_unit/recording_gateway.hpp"
#include "control_unit/run_context.hpp"
#include "core/sandbox.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"
#include "registry/program.hpp"

namespace l2mac::control_unit {

struct JudgeRoundResult {
  // Instructions were appended: run them, then call Next() again.
  bool appended = false;
  // The gateway refused a judge call at the run's budget: which budget (the round runs
  // again on resume).
  std::string budget_stop;
};

class JudgeRound {
 public:
  JudgeRound(RunContext& run, RecordingGateway& judge_gateway)
      : run_(run), gateway_(judge_gateway) {}

  // Runs the next judge round when one is due; nothing when the judge is off, the program
  // has no requirements, or the last verdict appended nothing. A judge that gives no valid
  // verdict within its bounds is a warning notice, not an error: the run's work stands,
  // without a Features % figure. Errors: the model (e.g. a replayed transcript recorded
  // without the judge's exchanges runs out; the message says --no-judge skips the judge),
  // the database, kCancelled.
  Result<JudgeRoundResult> Next();

 private:
  // The judge's run_tests: the gate on `head` in the judge's check tree (the committed state the
  // judge reads), in the run's sandbox with its check timeout; check_started/check_finished events
  // with no instruction. Nothing is written to the store.
  Result<toolchains::GateReport> RunTests(const filestore::StoreTransaction& head,
                                          const std::vector<std::string>& paths);

  RunContext& run_;
  RecordingGateway& gateway_;
  bool sandbox_checked_ = false;
  std::shared_ptr<const Sandbox> sandbox_;
  std::unique_ptr<CheckTree> check_tree_;  // where run_tests runs; made at its first call
};

// A follow-up instruction's text is l2mac's own words, then this line, then the judge's
// words quoted. The checks read only the own words (InstructionOwnText): a length the judge
// mentions ("about 400 words") is not the chapter's target, and a test its evidence names
// is still protected.
inline constexpr std::string_view kJudgeQuoteMarker = "\n\n--- quoted from the judge ---\n";
// `text` up to kJudgeQuoteMarker (all of it when there is none).
std::string InstructionOwnText(const std::string& text);

// The instruction a requirement the judge found unmet becomes ("judge<round>-<id>"); its
// text is a writer's for a book, a coder's otherwise.
registry::Instruction FollowUpInstruction(int round, const registry::Requirement& requirement,
                                          const agents::ScoredRequirement& scored,
                                          agents::Domain domain);
// The instruction the `number`-th (from 1) inconsistency of a verdict becomes
// ("judge<round>-consistency-<number>"): it covers no requirement; the next round's
// consistency check decides whether it was fixed.
registry::Instruction ConsistencyInstruction(int round, size_t number,
                                             const agents::Inconsistency& inconsistency);

}  // namespace l2mac::control_unit
