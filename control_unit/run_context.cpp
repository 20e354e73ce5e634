#include "control_unit/run_context.hpp"

#include <fmt/format.h>

namespace l2mac::control_unit {

Result<agents::ContextBudget> NextContextBudget(RunContext& run) {
  double scale = 1.0;
  if (run.options.calibrate_tokens) {
    L2MAC_ASSIGN_OR_RETURN(scale, run.workspace.exchanges().EstimateScale(1));
    if (scale != 1.0) {
      run.events.Emit(Notice{
          "debug", fmt::format("context budget scaled by {:.2f} (token calibration)", scale)});
    }
  }
  auto budget = agents::ContextBudget::ForWindow(
      run.options.context_window, scale, run.options.max_output_tokens, run.options.token_counter);
  run.gateway.set_usable_context(budget.usable());
  return budget;
}

}  // namespace l2mac::control_unit
