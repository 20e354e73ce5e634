// The JSON schemas of the tools an agent may call. Names and arguments are part of
// l2mac's contract with prompt authors and recorded transcripts: do not rename them.
#pragma once

#include <vector>

#include "core/llm/message.hpp"

namespace l2mac::agents {

// list_files, read_file, write_file, edit_file, delete_file, search_files, outline_file,
// run_tests, step_complete; with `add_instructions`, that tool too (before step_complete).
std::vector<llm::ToolSchema> WorkerToolSchemas(bool add_instructions = false);
// list_files, read_file, submit_plan; with `existing_code` (the store already holds files),
// search_files and outline_file too (before submit_plan).
std::vector<llm::ToolSchema> PlannerToolSchemas(bool existing_code = false);
// list_files, read_file, search_files, outline_file, submit_verdict; with `run_tests`, that
// tool too (before submit_verdict). With `consistency`, submit_verdict also takes the
// inconsistencies found between parts of the output (agents/judge_verdict.hpp).
std::vector<llm::ToolSchema> JudgeToolSchemas(bool run_tests = false, bool consistency = false);

}  // namespace l2mac::agents
