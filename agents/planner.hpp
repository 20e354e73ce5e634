// The planner agent: turns the task into the prompt program.
//
// It runs in its own context with read-only tools (to look at an existing store: then it
// sees the store's repo map, see repo_map.hpp) and submit_plan. An invalid plan (unknown
// dependency, cycle, duplicate id, bad JSON) goes back to the model as an error to correct, up to
// max_turns model calls.
#pragma once

#include <string>

#include "agents/context_budget.hpp"
#include "agents/model_gateway.hpp"
#include "agents/prompt_set.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"
#include "registry/program.hpp"

namespace l2mac::agents {

struct PlannerLimits {
  ContextBudget budget;
  int max_turns = 12;
  size_t max_manifest_entries = 300;
  // A store that already holds files is shown as its repo map (repo_map.hpp), at most
  // this many tokens and a quarter of the budget; the planner then also gets
  // search_files and outline_file.
  int64_t max_repo_map_tokens = 4096;
};

// kInvalidArgument when the planner's first request (prompts, task and tool schemas)
// would not fit `budget`: the task is too long for the context window.
Status CheckPlannerFits(const std::string& task, const PromptSet& prompts,
                        const ContextBudget& budget);

// `store_view` is a transaction on the current head, used only for reading. Returns
// kResourceExhausted when the model never submitted a valid plan within the turn bound.
Result<registry::Program> RunPlanner(const std::string& task, const PromptSet& prompts,
                                     ModelGateway& model, filestore::StoreTransaction& store_view,
                                     const PlannerLimits& limits);

}  // namespace l2mac::agents
