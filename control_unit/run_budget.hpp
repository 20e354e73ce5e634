// The run's budgets (--max-cost, --max-tokens) between steps: whether one is spent, a
// warning event once per budget when 80% of it is spent, and the stop when one is reached.
// (Each single model call is checked by the gateway against what it could take at most:
// control_unit/call_budget.hpp.)
//
// Borrows the run's workspace and event emitter; the run's one thread only.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "control_unit/event_emitter.hpp"
#include "control_unit/run_options.hpp"
#include "control_unit/workspace.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

class RunBudget {
 public:
  RunBudget(Workspace& workspace, EventEmitter& events, const RunOptions& options)
      : workspace_(workspace), events_(events), options_(options) {}

  // "" while within every budget; else which budget was reached, e.g. "--max-cost:
  // $0.0123 spent of $0.0100".
  Result<std::string> Reached();

  // A budget_warning event, once per budget and run, when 80% of a budget is spent.
  Status WarnWhenNear();

  // Records the stop at budget `over` (as Reached() or a refused call names it): the
  // budget_reached event and the run's state.
  Status RecordStop(const std::string& over);

 private:
  // Each budget in use: what is spent of it, and the limit.
  struct Use {
    const char* name;  // as events name it
    double spent;
    double limit;
  };
  Result<std::vector<Use>> Uses();

  Workspace& workspace_;
  EventEmitter& events_;
  const RunOptions& options_;
  std::set<std::string> warned_;
};

}  // namespace l2mac::control_unit
