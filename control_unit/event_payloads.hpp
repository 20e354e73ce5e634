// Builds the payloads of run events from the control unit's own records: the gate's
// report, the registry's program and a run's report. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "control_unit/events.hpp"
#include "control_unit/runner.hpp"
#include "registry/instruction_registry.hpp"

namespace l2mac::control_unit {

// Each check's verdict, with the tests the runners reported failing (at most
// kMaxFailingTests in all) under the failed check whose findings name them
// ("file:line: test: message", whose message is kept), else under the first failed check.
CheckFinished CheckFinishedFrom(const toolchains::GateReport& report, int64_t duration_ms);

// The program in the order it runs.
PlanReady PlanReadyFrom(const std::vector<registry::InstructionRecord>& records);

RunFinished RunFinishedFrom(const RunReport& report);

// "completed", "incomplete", "budget_reached", "requirements_unmet" (include/l2mac/run.hpp).
using ::l2mac::RunOutcomeName;

}  // namespace l2mac::control_unit
