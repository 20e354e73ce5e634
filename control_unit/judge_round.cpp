#include "control_unit/judge_round.hpp"

#include "agents/judge.hpp"
#include "control_unit/judge_verdicts.hpp"

namespace l2mac::control_unit {

registry::Instruction FollowUpInstruction(int round, const registry::Requirement& requirement,
                                          const agents::ScoredRequirement& scored) {
  registry::Instruction instruction;
  instruction.id = "judge" + std::to_string(round) + "-" + requirement.id;
  instruction.text = "Complete requirement " + requirement.id + ": " + requirement.text +
                     "\n\nAn independent judge read the code after the program ran and found "
                     "this requirement " +
                     agents::RequirementScoreName(scored.score) +
                     ". Its evidence: " + scored.evidence +
                     "\n\nRead the existing code first, then implement what is lacking and "
                     "test it (name " +
                     requirement.id + " in the tests' names). Keep what already works.";
  instruction.covers = {requirement.id};
  return instruction;
}

namespace {

// One instruction per requirement the verdict found unmet, in the program's order.
std::vector<registry::Instruction> FollowUps(int round,
                                             const std::vector<registry::Requirement>& requirements,
                                             const agents::JudgeVerdict& verdict) {
  std::vector<registry::Instruction> follow_ups;
  for (const auto& scored : verdict.Unmet()) {
    for (const auto& requirement : requirements) {
      if (requirement.id == scored.id) {
        follow_ups.push_back(FollowUpInstruction(round, requirement, scored));
      }
    }
  }
  return follow_ups;
}

}  // namespace

Result<JudgeRoundResult> JudgeRound::Next() {
  JudgeRoundResult result;
  if (!run_.options.judge) return result;
  Workspace& workspace = run_.workspace;
  L2MAC_ASSIGN_OR_RETURN(auto requirements, workspace.registry().Requirements());
  if (requirements.empty()) return result;
  L2MAC_RETURN_IF_ERROR(OpenJudgeVerdicts(workspace.db()));
  L2MAC_ASSIGN_OR_RETURN(auto verdicts, ReadVerdicts(workspace.db()));
  int replans = 0;  // verdicts whose unmet requirements went back to workers
  for (const auto& stored : verdicts) replans += stored.appended.empty() ? 0 : 1;
  if (!verdicts.empty() && verdicts.back().appended.empty()) {
    const StoredVerdict& last = verdicts.back();
    if (last.verdict.Unmet().empty() || replans >= run_.options.max_rounds) return result;
    // A resume raised --max-rounds: the last verdict's unmet requirements run now.
    std::vector<registry::Instruction> follow_ups =
        FollowUps(last.round, requirements, last.verdict);
    std::vector<std::string> ids;
    for (const auto& instruction : follow_ups) ids.push_back(instruction.id);
    L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace.db()));
    L2MAC_RETURN_IF_ERROR(SetAppended(workspace.db(), last.round, ids));
    L2MAC_RETURN_IF_ERROR(workspace.registry().AppendInstructions(follow_ups));
    run_.events.Emit(Notice{"info", "the judge's round " + std::to_string(last.round) + " found " +
                                        std::to_string(ids.size()) +
                                        " requirements unmet: they run again as new instructions"});
    L2MAC_RETURN_IF_ERROR(run_.events.Flush());
    L2MAC_RETURN_IF_ERROR(txn->Commit());
    result.appended = true;
    return result;
  }
  const int round = static_cast<int>(verdicts.size()) + 1;

  run_.events.set_instruction("");
  run_.events.Emit(JudgeStarted{round, static_cast<int>(requirements.size())});
  L2MAC_ASSIGN_OR_RETURN(agents::ContextBudget budget, NextContextBudget(run_));
  gateway_.set_usable_context(budget.usable());
  gateway_.set_instruction(JudgeScope(round));
  agents::JudgeLimits limits;
  limits.budget = budget;
  L2MAC_ASSIGN_OR_RETURN(auto view, workspace.store().Begin());
  Result<agents::JudgeOutcome> judged = agents::RunJudge(
      agents::JudgeInput{run_.options.task, requirements}, run_.prompts, gateway_, *view, limits);
  view->Discard();
  gateway_.set_instruction("");
  if (!judged.ok()) {
    if (auto refusal = gateway_.TakeRefusal()) {
      result.budget_stop = refusal->stop;
      return result;
    }
    return judged.status().WithContext("the judge could not finish (--no-judge skips it)");
  }
  if (!judged->verdict) {
    // The work stands; the run says it could not be judged (a resume judges again).
    run_.events.Emit(Notice{"warning", "the judge gave no verdict: " + judged->no_verdict});
    return result;
  }
  const agents::JudgeVerdict& verdict = *judged->verdict;

  std::vector<registry::Instruction> follow_ups;
  if (replans < run_.options.max_rounds) follow_ups = FollowUps(round, requirements, verdict);
  JudgeVerdictReady ready;
  ready.round = round;
  ready.features_pct = verdict.FeaturesPct();
  for (const auto& scored : verdict.requirements) {
    ready.requirements.push_back({scored.id, agents::RequirementScoreName(scored.score)});
    if (scored.score != agents::RequirementScore::kImplemented) ready.unmet.push_back(scored.id);
  }
  for (const auto& instruction : follow_ups) ready.appended.push_back(instruction.id);
  {
    // The verdict, its instructions and its event land together.
    L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace.db()));
    L2MAC_RETURN_IF_ERROR(RecordVerdict(workspace.db(), round, verdict, ready.appended));
    if (!follow_ups.empty()) {
      L2MAC_RETURN_IF_ERROR(workspace.registry().AppendInstructions(follow_ups));
    }
    run_.events.Emit(std::move(ready));
    L2MAC_RETURN_IF_ERROR(run_.events.Flush());
    L2MAC_RETURN_IF_ERROR(txn->Commit());
  }
  result.appended = !follow_ups.empty();
  return result;
}

}  // namespace l2mac::control_unit
