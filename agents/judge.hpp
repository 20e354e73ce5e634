// The judge agent: after the program has run, scores each requirement of the program
// implemented / partial / missing from what the store holds (agents/judge_verdict.hpp).
//
// It runs in a fresh context that sees only the spec, the requirement list and the store,
// through read-only tools (list_files, read_file, search_files, outline_file), never the
// workers' transcripts or summaries, and ends with a submit_verdict call. A verdict that is
// not valid (a requirement unscored or scored twice, an unknown id, oversized evidence)
// goes back to the model as an error to correct, at most max_invalid_verdicts times.
#pragma once

#include <string>
#include <vector>

#include "agents/context_budget.hpp"
#include "agents/judge_verdict.hpp"
#include "agents/model_gateway.hpp"
#include "agents/prompt_set.hpp"
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
};

// `store_view` is a transaction on the committed head, used only for reading. Errors:
// kResourceExhausted when the judge gave no valid verdict within its bounds (the message
// names the last problem), kInvalidArgument when the spec and requirements do not fit the
// context window, and the gateway's errors (model unreachable, budget reached, cancelled).
Result<JudgeVerdict> RunJudge(const JudgeInput& input, const PromptSet& prompts,
                              ModelGateway& model, filestore::StoreTransaction& store_view,
                              const JudgeLimits& limits);

}  // namespace l2mac::agents
