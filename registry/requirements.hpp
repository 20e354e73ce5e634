// The requirements of a task: the numbered features a planner extracts from the spec (the
// spec's own ids kept, like F1…F8, else R1, R2, …), and which instructions cover them.
//
// JSON form, inside the prompt program: {"requirements": [{"id": "F1", "text": "..."}],
// "instructions": [{"id": "1", ..., "covers": ["F1"]}]}.
//
// The rule: requirements are optional, so programs written before them (and a book outline
// without any) stay valid. When a program lists requirements, every requirement must be
// covered by at least one instruction and every id an instruction covers must be one of
// them; a program without requirements may not name any. Ids are a letter followed by
// letters and digits (at most 16), unique regardless of case, since tests name them in
// either case (agents/toolchains/requirement_tests.hpp). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.hpp"

namespace l2mac::registry {

struct Instruction;

struct Requirement {
  std::string id;    // "F3", "R12"
  std::string text;  // what the spec asks for, in a sentence or two

  bool operator==(const Requirement&) const = default;
};

// Bounds on what a planner (or a --program file) may send.
inline constexpr size_t kMaxRequirements = 500;
inline constexpr size_t kMaxRequirementIdBytes = 16;
inline constexpr size_t kMaxRequirementTextBytes = 4000;

// Whether `id` is a well-formed requirement id: [A-Za-z][A-Za-z0-9]*, at most 16 bytes.
bool IsRequirementId(std::string_view id);

// The program's "requirements" array (absent or null: none). kInvalidArgument naming the
// entry and the fix for a malformed, oversized or duplicate one.
Result<std::vector<Requirement>> ParseRequirements(const nlohmann::json& program);

// An instruction's "covers" array (absent or null: none); `where` names the instruction in
// errors. Duplicates are dropped, the order kept.
Result<std::vector<std::string>> ParseCovers(const nlohmann::json& instruction,
                                             const std::string& where);

// The rule above. The message names every uncovered requirement (the first 20) or the
// unknown id, and says how to fix the program.
Status CheckCoverage(const std::vector<Requirement>& requirements,
                     const std::vector<Instruction>& instructions);

nlohmann::json RequirementsToJson(const std::vector<Requirement>& requirements);

}  // namespace l2mac::registry
