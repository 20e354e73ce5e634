#include "control_unit/next_task.hpp"

#include <string>

namespace l2mac::control_unit {
namespace {

Result<int> MetaCount(Workspace& workspace, const std::string& key) {
  L2MAC_ASSIGN_OR_RETURN(auto value, workspace.GetMeta(key));
  if (!value) return 1;
  try {
    size_t used = 0;
    int count = std::stoi(*value, &used);
    if (used == value->size() && count >= 1) return count;
  } catch (const std::exception&) {
  }
  return DamagedState(workspace.dir(), "its run_meta \"" + key + "\" is not a count");
}

}  // namespace

std::string TaskIdPrefix(int task) { return "t" + std::to_string(task) + "-"; }

Result<int> TaskCount(Workspace& workspace) { return MetaCount(workspace, "tasks"); }

Result<int> AddTask(Workspace& workspace) {
  L2MAC_ASSIGN_OR_RETURN(int count, TaskCount(workspace));
  L2MAC_RETURN_IF_ERROR(workspace.SetMeta("tasks", std::to_string(count + 1)));
  return count + 1;
}

Result<int> UnplannedTask(Workspace& workspace) {
  L2MAC_ASSIGN_OR_RETURN(int tasks, TaskCount(workspace));
  L2MAC_ASSIGN_OR_RETURN(int planned, MetaCount(workspace, "planned_tasks"));
  return tasks > planned ? planned + 1 : 0;
}

std::vector<registry::Instruction> TaskInstructions(const registry::Program& program, int task) {
  const std::string prefix = TaskIdPrefix(task);
  std::vector<registry::Instruction> instructions;
  for (registry::Instruction instruction : registry::TopologicalOrder(program)) {
    instruction.id = prefix + instruction.id;
    for (std::string& dependency : instruction.depends_on) dependency = prefix + dependency;
    instruction.covers.clear();
    instructions.push_back(std::move(instruction));
  }
  return instructions;
}

Status AppendTaskProgram(Workspace& workspace, const registry::Program& program, int task) {
  L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace.db()));
  L2MAC_RETURN_IF_ERROR(workspace.registry().AppendInstructions(TaskInstructions(program, task)));
  L2MAC_RETURN_IF_ERROR(workspace.SetMeta("planned_tasks", std::to_string(task)));
  return txn->Commit();
}

}  // namespace l2mac::control_unit
