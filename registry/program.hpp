// The prompt program: the instructions a planner (or the user) wrote for a task, with
// the dependencies between them.
//
// JSON form: {"instructions": [{"id": "1", "text": "...", "depends_on": []}, ...]}.
// A valid program has at least one instruction, unique non-empty ids, non-empty texts,
// dependencies that name instructions of the program, and no cycle.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.hpp"

namespace l2mac::registry {

struct Instruction {
  std::string id;
  std::string text;
  std::vector<std::string> depends_on;

  bool operator==(const Instruction&) const = default;
};

struct Program {
  std::vector<Instruction> instructions;
};

// Parses and validates. Errors are kInvalidArgument and name the offending instruction
// and field ("instruction '3' depends on '9', which is not in the program").
Result<Program> ParseProgram(const nlohmann::json& json);
// Same, from JSON text; `source` names it in errors (a file name or "the planner's plan").
Result<Program> ParseProgramText(std::string_view text, const std::string& source);

// Dependency-respecting order that keeps the given order where it can (stable
// topological sort). Precondition: the program is valid.
std::vector<Instruction> TopologicalOrder(const Program& program);

nlohmann::json ProgramToJson(const Program& program);

}  // namespace l2mac::registry
