// The add_instructions tool of a worker: follow-up steps the worker wants done later,
// appended to the prompt program when (and only when) its own instruction commits.
//
// ParseAddedInstructions checks the shape and the bounds of one call's arguments (how many,
// how long, which characters an id may hold); whether the ids are new, the dependencies
// exist and the covered requirements are the program's is the registry's check
// (InstructionRegistry::CheckAppend), which the worker runs through its
// InstructionValidator on every call, so the model hears of a problem at once. Pure
// functions; thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.hpp"
#include "registry/program.hpp"

namespace l2mac::agents {

struct AddInstructionsLimits {
  size_t max_per_call = 8;
  size_t max_per_instruction = 16;  // over all calls of one instruction
  size_t max_text_bytes = 4000;
  size_t max_id_bytes = 64;
  size_t max_list_entries = 16;  // depends_on and covers, each
};

// The instructions of one add_instructions call ({"instructions": [{"id", "text",
// "depends_on", "covers"}]}). kInvalidArgument naming the entry, the field and the bound.
Result<std::vector<registry::Instruction>> ParseAddedInstructions(
    const nlohmann::json& arguments, const AddInstructionsLimits& limits);

// Checks `instructions` (every one the worker has added so far, the new ones last) against
// the stored program without storing anything; an error is shown to the model. Given by the
// control unit (InstructionRegistry::CheckAppend).
using InstructionValidator =
    std::function<Status(const std::vector<registry::Instruction>& instructions)>;

}  // namespace l2mac::agents
