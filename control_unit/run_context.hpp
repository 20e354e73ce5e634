// What the parts of one run share while it runs (the run loop, the instruction executor,
// the user-edit import): borrowed references, valid from the start of RunLoop::Run() to
// its end. Without --parallel the run's one thread uses it; with lanes each lane has a
// RunContext of its own (its gateway and emitter, the shared workspace), used by the
// lane's thread while it holds the run's state lock.
#pragma once

#include "agents/context_budget.hpp"
#include "agents/prompt_set.hpp"
#include "control_unit/event_emitter.hpp"
#include "control_unit/recording_gateway.hpp"
#include "control_unit/run_options.hpp"
#include "control_unit/run_state_lock.hpp"
#include "control_unit/workspace.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

struct RunContext {
  Workspace& workspace;
  RecordingGateway& gateway;
  const RunOptions& options;
  EventEmitter& events;
  const agents::PromptSet& prompts;
  // With --parallel: the lock over the run's state, held by whoever uses the parts above
  // (run_state_lock.hpp), and the lane (from 1) this context belongs to. Without lanes:
  // null and 0.
  RunStateLock* state_lock = nullptr;
  int lane = 0;
};

// The context budget for the next agent (planner or worker): the window, scaled by the
// calibration so far when --calibrate-tokens is on and the server has reported usage.
// Also tells the gateway where a context restarts, for its context-fill figures.
Result<agents::ContextBudget> NextContextBudget(RunContext& run);

}  // namespace l2mac::control_unit
