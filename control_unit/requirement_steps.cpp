#include "control_unit/requirement_steps.hpp"

#include <algorithm>

namespace l2mac::control_unit {

Result<std::vector<registry::Requirement>> CoveredRequirements(
    Workspace& workspace, const registry::Instruction& instruction) {
  std::vector<registry::Requirement> covered;
  if (instruction.covers.empty()) return covered;
  L2MAC_ASSIGN_OR_RETURN(auto all, workspace.registry().Requirements());
  for (auto& requirement : all) {
    if (std::find(instruction.covers.begin(), instruction.covers.end(), requirement.id) !=
        instruction.covers.end()) {
      covered.push_back(std::move(requirement));
    }
  }
  return covered;
}

Status RecordRequirementTests(Workspace& workspace, int64_t commit_id,
                              const toolchains::GateReport& passing_gate) {
  L2MAC_ASSIGN_OR_RETURN(auto requirements, workspace.registry().Requirements());
  if (requirements.empty()) return Status::Ok();
  std::vector<std::string> ids;
  for (const auto& requirement : requirements) ids.push_back(requirement.id);
  return workspace.requirement_coverage().Record(commit_id, ids, passing_gate.test_runs);
}

}  // namespace l2mac::control_unit
