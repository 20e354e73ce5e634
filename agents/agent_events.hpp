// What an agent reports as it works, as typed values. The worker sends these to the
// AgentEventSink its caller gives it; the control unit records them (context restarts
// and rejected attempts in the registry) and passes them on as RunEvents (see
// control_unit/events.hpp, whose vocabulary includes these types unchanged).
//
// Plain value types; the sink is called on the worker's thread, in order.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include "core/status.hpp"

namespace l2mac::agents {

// One tool call executed against the staged store (step_complete included).
struct ToolCalled {
  std::string name;         // "write_file", "run_tests", ...
  std::string path;         // the file it named, when it named one
  bool ok = false;          // the result's "ok"
  int64_t lines_added = 0;  // by a write or an edit
  int64_t lines_removed = 0;
  std::string error;  // when not ok: the first line of the error the model got, cut short
};

// The context filled up and restarted from its base with a progress summary.
struct ContextRestarted {
  int restarts = 0;      // of this instruction so far, this one included
  int max_restarts = 0;  // the bound (--max-context-restarts)
};

// step_complete was refused because the checks failed; the failure went back to the model.
struct StepRejected {
  int attempts = 0;      // failed step_complete checks of this instruction so far
  int max_attempts = 0;  // the bound (--max-attempts)
  std::string checks;    // GateReport::OneLine()
  // Set by the control unit, not the worker: the store branch that keeps the files the
  // checks saw ("attempt/<instruction>/<n>"), "" when none was kept.
  std::string kept_as;
};

// The failure analysis (agents/failure_analysis.hpp) answered after a refused step: its
// root cause goes back to the model with the check output. Sent after the StepRejected of
// the same attempt and before the model sees the result.
struct FailureAnalyzed {
  int attempt = 0;       // the refused step it analysed (StepRejected::attempts)
  std::string analysis;  // the model's answer, bounded; "" when it answered nothing
};

using AgentEvent = std::variant<ToolCalled, ContextRestarted, StepRejected, FailureAnalyzed>;

// An error stops the agent: the run cannot continue (e.g. the database failed).
using AgentEventSink = std::function<Status(const AgentEvent& event)>;

}  // namespace l2mac::agents
