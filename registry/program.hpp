// The prompt program: the instructions a planner (or the user) wrote for a task, with
// the dependencies between them.
//
// JSON form: {"instructions": [{"id": "1", "text": "...", "depends_on": []}, ...]}, where
// an instruction may also carry its own caps: "max_tokens", "max_cost_usd", "max_turns",
// and the requirement ids it covers, "covers", when the program lists "requirements"
// (registry/requirements.hpp: optional; when present, every one must be covered).
// A valid program has at least one instruction, unique non-empty ids, non-empty texts,
// dependencies that name instructions of the program, no cycle, caps that are positive
// numbers (whole ones for tokens and turns), and requirements covered as that rule says.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.hpp"
#include "registry/requirements.hpp"

namespace l2mac::registry {

struct Instruction {
  std::string id;
  std::string text;
  std::vector<std::string> depends_on;
  // The instruction's own caps; 0 means none. An instruction that reaches one fails (like
  // one out of attempts) without stopping the run. Tokens and cost count what the
  // instruction spent since it last started; turns are model calls, summaries excluded.
  int64_t max_tokens = 0;
  double max_cost_usd = 0;
  int max_turns = 0;
  // The ids of the program's requirements this instruction implements; may be empty.
  std::vector<std::string> covers{};

  bool operator==(const Instruction&) const = default;
};

struct Program {
  std::vector<Instruction> instructions;
  std::vector<Requirement> requirements{};  // may be empty (see registry/requirements.hpp)
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
// The caps an instruction sets, as the program's JSON fields (only those set, so a
// program without caps reads as it always did).
nlohmann::json InstructionCapsToJson(const Instruction& instruction);

}  // namespace l2mac::registry
