#include "control_unit/run_budget.hpp"

#include <fmt/format.h>

namespace l2mac::control_unit {

Result<std::string> RunBudget::Reached() {
  if (options_.max_cost_usd <= 0 && options_.max_tokens <= 0) return std::string();
  L2MAC_ASSIGN_OR_RETURN(auto totals, workspace_.exchanges().Totals());
  const double spent = static_cast<double>(totals.cost_microusd) / 1e6;
  if (options_.max_cost_usd > 0 && spent >= options_.max_cost_usd) {
    return fmt::format("--max-cost: ${:.4f} spent of ${:.4f}", spent, options_.max_cost_usd);
  }
  const int64_t tokens = totals.prompt_tokens + totals.completion_tokens;
  if (options_.max_tokens > 0 && tokens >= options_.max_tokens) {
    return fmt::format("--max-tokens: {} tokens spent of {}", tokens, options_.max_tokens);
  }
  return std::string();
}

Result<std::vector<RunBudget::Use>> RunBudget::Uses() {
  std::vector<Use> uses;
  if (options_.max_cost_usd <= 0 && options_.max_tokens <= 0) return uses;
  L2MAC_ASSIGN_OR_RETURN(auto totals, workspace_.exchanges().Totals());
  if (options_.max_cost_usd > 0) {
    uses.push_back(
        {"max_cost_usd", static_cast<double>(totals.cost_microusd) / 1e6, options_.max_cost_usd});
  }
  if (options_.max_tokens > 0) {
    uses.push_back({"max_tokens",
                    static_cast<double>(totals.prompt_tokens + totals.completion_tokens),
                    static_cast<double>(options_.max_tokens)});
  }
  return uses;
}

Status RunBudget::WarnWhenNear() {
  constexpr double kWarnAt = 0.8;
  L2MAC_ASSIGN_OR_RETURN(auto uses, Uses());
  for (const Use& use : uses) {
    if (use.spent < kWarnAt * use.limit || use.spent >= use.limit) continue;
    if (!warned_.insert(use.name).second) continue;
    events_.Emit(BudgetWarning{use.name, use.spent, use.limit});
  }
  return Status::Ok();
}

Status RunBudget::RecordStop(const std::string& over) {
  L2MAC_ASSIGN_OR_RETURN(auto uses, Uses());
  BudgetReached reached{"", 0, 0, over};
  for (const Use& use : uses) {
    // Spent, or (a refused call) the budget the stop names.
    const bool named =
        over.rfind(use.name == std::string("max_cost_usd") ? "--max-cost" : "--max-tokens", 0) == 0;
    if (use.spent < use.limit && !named) continue;
    reached = {use.name, use.spent, use.limit, over};
    break;
  }
  events_.Emit(std::move(reached));
  return workspace_.SetMeta("state", "stopped at the budget (" + over + ")");
}

}  // namespace l2mac::control_unit
