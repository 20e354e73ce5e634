// What `l2mac trace` shows: each requirement of the program -> the instructions that cover
// it -> the files their commits changed -> the tests that name it (at the last recorded
// commit) and whether they passed.
//
// Gathering only reads, through the modules' APIs (registry, file store,
// RequirementCoverage), and bounds what it keeps (TraceLimits), so a large run gives a
// trace of bounded size; the totals say what was left out. The structs are plain values;
// GatherTrace borrows the workspace for the call, one thread at a time, like the Workspace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control_unit/workspace.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

struct TraceLimits {
  size_t max_requirements = 500;  // a program holds at most registry::kMaxRequirements
  size_t max_instructions = 50;   // per requirement
  size_t max_files = 50;          // per requirement
  size_t max_tests = 50;          // per requirement
};

struct TraceInstruction {
  std::string id;
  std::string status;     // "committed", "pending", ... (registry::InstructionStatusName)
  int64_t commit_id = 0;  // 0 until it committed
};

struct TraceTest {
  std::string id;       // the runner's id, e.g. tests/test_app.py::test_F1_shortens
  std::string file;     // may be empty
  std::string profile;  // "python", "go", ...
  std::string outcome;  // "passed", "failed", "skipped", "xfailed"
};

struct TraceRequirement {
  std::string id;
  std::string text;
  std::vector<TraceInstruction> instructions;
  size_t instructions_total = 0;
  std::vector<std::string> files;  // sorted; changed by the committed instructions above
  size_t files_total = 0;
  std::vector<TraceTest> tests;
  size_t tests_total = 0;
  size_t tests_passed = 0;  // of tests_total
  size_t tests_failed = 0;  // of tests_total
};

struct TraceData {
  std::vector<TraceRequirement> requirements;
  size_t requirements_total = 0;
  size_t instructions_total = 0;  // in the program
  int64_t tests_commit = 0;       // the commit the tests were recorded at; 0: none yet
  bool has_program = false;       // false: the run has not planned yet
};

// A run that has not planned yet, or whose program lists no requirements, gives no rows.
Result<TraceData> GatherTrace(Workspace& workspace, const TraceLimits& limits = {});

// The JSON form `l2mac trace --json` prints (documented in docs/CLI.md).
nlohmann::json TraceToJson(const TraceData& trace);

}  // namespace l2mac::control_unit
