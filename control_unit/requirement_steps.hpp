// The run loop's two requirement steps, kept out of runner.cpp: what a worker is told
// about the requirements its instruction covers, and what a commit records about the
// tests that name requirements. Both do nothing for a program without requirements.
// Called on the run's thread, like the rest of the loop.
#pragma once

#include <cstdint>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "control_unit/workspace.hpp"
#include "core/status.hpp"
#include "registry/program.hpp"

namespace l2mac::control_unit {

// The program's requirements that `instruction` covers, in the program's order.
Result<std::vector<registry::Requirement>> CoveredRequirements(
    Workspace& workspace, const registry::Instruction& instruction);

// Records, at store commit `commit_id`, which tests of the passing gate's report name which
// requirement (RequirementCoverage). Call inside the commit's transaction.
Status RecordRequirementTests(Workspace& workspace, int64_t commit_id,
                              const toolchains::GateReport& passing_gate);

}  // namespace l2mac::control_unit
