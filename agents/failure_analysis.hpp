// The failure analysis: when an instruction's checks fail, one model call in a fresh, small
// context (the instruction, the failed checks' output, the files the instruction changed)
// asks for the root cause only, not a fix; the worker then gets the answer beside the
// check output (the MaxCode bug-analysis step). The call goes through the ModelGateway like
// every other (purpose "analysis"), so it is recorded, replayed and counted in the budgets.
//
// Pure functions over their arguments; thread-safe as far as the gateway is.
#pragma once

#include <cstddef>
#include <string>

#include "agents/context_budget.hpp"
#include "agents/model_gateway.hpp"
#include "agents/prompt_set.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::agents {

struct AnalysisInput {
  std::string instruction_text;
  std::string failures;  // the gate's failure text, as the worker gets it
  std::string files;     // ChangedFilesForAnalysis()
};

struct AnalysisLimits {
  ContextBudget budget;            // the worker's: the request is sized to fit it
  size_t max_answer_bytes = 4000;  // the answer is cut here (with "...")
  int max_output_tokens = 1024;    // the reply's limit (at most the budget's reserve)
};

// The staged content of each file `txn` changed, with line numbers ("path (deleted)" for a
// deleted one), in path order, at most `max_bytes` in all: a file that does not fit is cut
// with a note, later ones listed by path only. "(no files changed)" when there are none.
std::string ChangedFilesForAnalysis(const filestore::StoreTransaction& txn, size_t max_bytes);

// The root cause as the model states it, trimmed and cut at max_answer_bytes; "" when the
// model answered with nothing. The request has no tools; when the instruction, output and
// files do not fit the budget, the files and then the output are shortened until they do.
// Errors are the gateway's (model unreachable, a budget reached, cancelled).
Result<std::string> AnalyzeFailure(const AnalysisInput& input, const PromptSet& prompts,
                                   ModelGateway& model, const AnalysisLimits& limits);

}  // namespace l2mac::agents
