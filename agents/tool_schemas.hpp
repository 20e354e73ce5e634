// The JSON schemas of the tools an agent may call. Names and arguments are part of
// l2mac's contract with prompt authors and recorded transcripts: do not rename them.
#pragma once

#include <vector>

#include "core/llm/message.hpp"

namespace l2mac::agents {

// list_files, read_file, write_file, edit_file, delete_file, run_tests, step_complete.
std::vector<llm::ToolSchema> WorkerToolSchemas();
// list_files, read_file, submit_plan.
std::vector<llm::ToolSchema> PlannerToolSchemas();
// list_files, read_file, search_files, outline_file, submit_verdict.
std::vector<llm::ToolSchema> JudgeToolSchemas();

}  // namespace l2mac::agents
