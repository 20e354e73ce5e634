// The judge agent: after the program has run, scores each requirement of the program
// implemented / partial / missing from what the store holds (agents/judge_verdict.hpp).
//
// It runs in a fresh context that sees only the spec, the requirement list and the store,
// through read-only tools (list_files, read_file, search_files, outline_file, and run_tests
// when the caller gives a runner: the project's tests on a copy of the store), never the
// workers' transcripts or summaries, and ends with a submit_verdict call. A verdict that is
// not valid (a requirement unscored or scored twice, an unknown id, oversized evidence; with
// check_consistency, an inconsistency citing no place, a file not in the store or a line
// past its end) goes back to the model as an error to correct, at most
// max_invalid_verdicts times.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agents/context_budget.hpp"
#include "agents/judge_verdict.hpp"
#include "agents/model_gateway.hpp"
#include "agents/prompt_set.hpp"
#include "agents/tool_box.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"
#include "registry/requirements.hpp"

namespace l2mac::agents {

struct JudgeLimits {
  ContextBudget budget;
  int max_turns = 40;            // model calls
  int max_invalid_verdicts = 3;  // rejected submit_verdict calls before giving up
  size_t max_manifest_entries = 300;
};

struct JudgeInput {
  std::string task;
  std::vector<registry::Requirement> requirements;  // not empty
  // Also look for contradictions between parts of the output (the book domain): the
  // verdict may list inconsistencies, each citing places that exist in the store.
  bool check_consistency = false;
};

// What the judge ended with: a valid verdict, or why it gave none within its bounds (too
// many invalid verdicts, out of turns, a context too small for the task).
struct JudgeOutcome {
  std::optional<JudgeVerdict> verdict;
  std::string no_verdict;  // when there is no verdict: why, naming the last problem
};

// `store_view` is a transaction on the committed head, used only for reading. `run_tests`
// (may be empty: no run_tests tool) runs the project's checks on the committed head; its
// result lists each test and its outcome (at most 200), bounded like a worker's. Errors are
// the gateway's (model unreachable, budget reached, cancelled) and the store's: a judge
// that fails to give a verdict is an outcome, not an error.
Result<JudgeOutcome> RunJudge(const JudgeInput& input, const PromptSet& prompts,
                              ModelGateway& model, filestore::StoreTransaction& store_view,
                              const JudgeLimits& limits, CheckRunner run_tests = {});

}  // namespace l2mac::agents
