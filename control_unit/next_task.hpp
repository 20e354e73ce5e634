// A new task for a finished run: `l2mac run --task "..." --out DIR` on a folder whose run
// finished with every instruction committed continues the same store and registry. The
// new task's program (planned, or given with --program) is appended to the registry, its
// instruction ids prefixed "t<N>-" (N the task's number, the first task being 1) so they
// never meet the earlier ones; its requirements are not stored (the registry's
// requirements, and so the judge, stay the first task's) and its `covers` are dropped.
//
// run_meta "tasks" counts the tasks given (absent: 1) and "planned_tasks" those whose
// program is in the registry (absent: 1, the first task's program being the registry's
// own); a task counted but not planned (a run killed while planning it) is planned when
// the run resumes.
//
// Free functions over the workspace; the run's one thread only.
#pragma once

#include <string>
#include <vector>

#include "control_unit/workspace.hpp"
#include "core/status.hpp"
#include "registry/program.hpp"

namespace l2mac::control_unit {

// How many tasks the run in `workspace` has been given.
Result<int> TaskCount(Workspace& workspace);

// Records one more task (the caller stores its text as run_meta "task"); returns its
// number. In the caller's transaction when one is open.
Result<int> AddTask(Workspace& workspace);

// The number of the task still to plan, or 0 when every task's program is stored.
Result<int> UnplannedTask(Workspace& workspace);

// "t<task>-": what the ids of task `task`'s instructions start with (task 2 and later).
std::string TaskIdPrefix(int task);

// `program`'s instructions as task `task` appends them: ids and dependencies prefixed,
// covers dropped.
std::vector<registry::Instruction> TaskInstructions(const registry::Program& program, int task);

// Appends task `task`'s program (see TaskInstructions) and marks the task planned, in one
// transaction. Errors: the registry's (kInvalidArgument naming the instruction).
Status AppendTaskProgram(Workspace& workspace, const registry::Program& program, int task);

}  // namespace l2mac::control_unit
