#include "control_unit/judge_round.hpp"

#include <chrono>

#include "agents/judge.hpp"
#include "control_unit/event_payloads.hpp"
#include "control_unit/instruction_executor.hpp"
#include "control_unit/judge_verdicts.hpp"

namespace l2mac::control_unit {

std::string InstructionOwnText(const std::string& text) {
  const size_t quote = text.find(kJudgeQuoteMarker);
  return quote == std::string::npos ? text : text.substr(0, quote);
}

registry::Instruction FollowUpInstruction(int round, const registry::Requirement& requirement,
                                          const agents::ScoredRequirement& scored,
                                          agents::Domain domain) {
  registry::Instruction instruction;
  instruction.id = "judge" + std::to_string(round) + "-" + requirement.id;
  const std::string verdict = agents::RequirementScoreName(scored.score);
  if (domain == agents::Domain::kBook) {
    instruction.text =
        "Complete requirement " + requirement.id + ": " + requirement.text +
        "\n\nAn independent judge read the document after the program ran and found this "
        "requirement " +
        verdict +
        " (its words are quoted below). Read the chapter that covers it and its neighbours "
        "first, then write what is lacking into that chapter, keeping its names, facts and "
        "timeline and what already fulfils the outline.";
  } else {
    instruction.text = "Complete requirement " + requirement.id + ": " + requirement.text +
                       "\n\nAn independent judge read the code after the program ran and found "
                       "this requirement " +
                       verdict +
                       " (its evidence is quoted below). Read the existing code first, then "
                       "implement what is lacking and test it (name " +
                       requirement.id + " in the tests' names). Keep what already works.";
  }
  instruction.text += std::string(kJudgeQuoteMarker) + scored.evidence;
  instruction.covers = {requirement.id};
  return instruction;
}

registry::Instruction ConsistencyInstruction(int round, size_t number,
                                             const agents::Inconsistency& inconsistency) {
  registry::Instruction instruction;
  // Requirement ids have no '-', so this id cannot be another follow-up's.
  instruction.id = "judge" + std::to_string(round) + "-consistency-" + std::to_string(number);
  instruction.text =
      "Make the document consistent. An independent judge read the whole document after the "
      "program ran and found the contradiction quoted below, with the places it shows. Read "
      "those places and what surrounds them, then edit the text so that every place agrees "
      "with the version that should stand: change as little as needed, and keep each "
      "chapter's length and the rest of its text. Search the other chapters for the same name "
      "or fact, so no place is left behind." +
      std::string(kJudgeQuoteMarker) + inconsistency.what +
      "\nThe places: " + inconsistency.evidence;
  return instruction;
}

namespace {

// One instruction per requirement the verdict found unmet, in the program's order, then one
// per inconsistency it found, in its order.
std::vector<registry::Instruction> FollowUps(int round,
                                             const std::vector<registry::Requirement>& requirements,
                                             const agents::JudgeVerdict& verdict,
                                             agents::Domain domain) {
  std::vector<registry::Instruction> follow_ups;
  for (const auto& scored : verdict.Unmet()) {
    for (const auto& requirement : requirements) {
      if (requirement.id == scored.id) {
        follow_ups.push_back(FollowUpInstruction(round, requirement, scored, domain));
      }
    }
  }
  for (size_t n = 0; n < verdict.inconsistencies.size(); ++n) {
    follow_ups.push_back(ConsistencyInstruction(round, n + 1, verdict.inconsistencies[n]));
  }
  return follow_ups;
}

}  // namespace

Result<toolchains::GateReport> JudgeRound::RunTests(const filestore::StoreTransaction& head,
                                                    const std::vector<std::string>& paths) {
  const RunOptions& options = run_.options;
  if (!sandbox_checked_) {
    sandbox_checked_ = true;
    sandbox_ = options.gate.sandbox;
    if (!sandbox_) {
      auto made = Sandbox::Create(SandboxSettings{}, SandboxWarning::kCaller);
      if (made.ok()) sandbox_ = *made;  // else RunGate makes its own and says why
    }
  }
  // A folder of its own, kept across the judge's test runs and rounds like the workers'.
  if (!check_tree_) {
    check_tree_ =
        std::make_unique<CheckTree>(CheckTreeRootOf(run_.workspace.dir()) / "judge", sandbox_);
  }
  L2MAC_RETURN_IF_ERROR(check_tree_->Prepare(run_.workspace.store(), head));
  toolchains::GateOptions gate_options;
  gate_options.files = &check_tree_->Files();
  gate_options.snapshot_handed_over = check_tree_->handed_over();
  gate_options.timeout = options.check_timeout;
  gate_options.test_paths = paths;
  gate_options.sandbox = sandbox_;
  gate_options.profiles = options.gate.profiles;
  gate_options.cancel = options.cancel;
  run_.events.Emit(CheckStarted{paths});
  const auto started = std::chrono::steady_clock::now();
  const toolchains::GateDomain domain = options.domain == agents::Domain::kBook
                                            ? toolchains::GateDomain::kBook
                                            : toolchains::GateDomain::kCodebase;
  // A book's checks look at the chapters an instruction touched; the judge checks them all.
  std::vector<std::string> touched;
  if (domain == toolchains::GateDomain::kBook) {
    for (const auto& path : *gate_options.files) {
      if (path.size() > 3 && path.compare(path.size() - 3, 3, ".md") == 0) touched.push_back(path);
    }
  }
  auto report = toolchains::RunGate(domain, check_tree_->root(), touched, gate_options);
  if (IsCancelled(options.cancel)) return Status::Cancelled("interrupted during the checks");
  if (!report.ok()) return report.status();
  run_.events.Emit(CheckFinishedFrom(*report, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - started)
                                                  .count()));
  return report;
}

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
    if (last.verdict.Settled() || replans >= run_.options.max_rounds) return result;
    // A resume raised --max-rounds: the last verdict's unmet requirements and
    // inconsistencies run now.
    std::vector<registry::Instruction> follow_ups =
        FollowUps(last.round, requirements, last.verdict, run_.options.domain);
    std::vector<std::string> ids;
    for (const auto& instruction : follow_ups) ids.push_back(instruction.id);
    L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace.db()));
    L2MAC_RETURN_IF_ERROR(SetAppended(workspace.db(), last.round, ids));
    L2MAC_RETURN_IF_ERROR(workspace.registry().AppendInstructions(follow_ups));
    run_.events.Emit(Notice{"info", "the judge's round " + std::to_string(last.round) + " found " +
                                        std::to_string(ids.size()) +
                                        " requirements unmet or inconsistencies: they run again "
                                        "as new instructions"});
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
  // run_tests runs on the committed head in a kept check tree, as a worker's checks do.
  filestore::StoreTransaction& head = *view;
  Result<agents::JudgeOutcome> judged = agents::RunJudge(
      agents::JudgeInput{run_.options.task, requirements,
                         run_.options.domain == agents::Domain::kBook},
      run_.prompts, gateway_, *view, limits,
      [this, &head](const std::vector<std::string>& paths) { return RunTests(head, paths); });
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
  if (replans < run_.options.max_rounds)
    follow_ups = FollowUps(round, requirements, verdict, run_.options.domain);
  JudgeVerdictReady ready;
  ready.round = round;
  ready.features_pct = verdict.FeaturesPct();
  for (const auto& scored : verdict.requirements) {
    ready.requirements.push_back({scored.id, agents::RequirementScoreName(scored.score)});
    if (scored.score != agents::RequirementScore::kImplemented) ready.unmet.push_back(scored.id);
  }
  for (const auto& inconsistency : verdict.inconsistencies) {
    ready.inconsistencies.push_back(inconsistency.what);
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
