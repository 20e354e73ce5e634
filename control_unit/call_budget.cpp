#include "control_unit/call_budget.hpp"

#include <fmt/format.h>

#include <cmath>

namespace l2mac::control_unit {
namespace {

int64_t ToMicroUsd(double usd) { return static_cast<int64_t>(std::llround(usd * 1e6)); }
double ToUsd(int64_t microusd) { return static_cast<double>(microusd) / 1e6; }

std::string CallShape(const CallWorstCase& call) {
  return fmt::format("a prompt of about {} tokens plus up to {} output tokens", call.prompt_tokens,
                     call.output_tokens);
}

}  // namespace

std::optional<BudgetRefusal> CheckRunBudget(const SpendLimits& limits, const Spent& spent,
                                            const CallWorstCase& call, const std::string& out_dir) {
  if (limits.max_tokens > 0 && spent.tokens + call.tokens() > limits.max_tokens) {
    BudgetRefusal refusal;
    refusal.stop = fmt::format(
        "--max-tokens: {} tokens spent of {}; the next model call could "
        "take up to {} more",
        spent.tokens, limits.max_tokens, call.tokens());
    refusal.message = fmt::format(
        "the next model call could take the run past --max-tokens {}: {} tokens are spent and "
        "the call could take up to {} more ({}), so it was not made; what was committed is "
        "kept, and `l2mac resume {} --max-tokens N` with a higher N continues",
        limits.max_tokens, spent.tokens, call.tokens(), CallShape(call), out_dir);
    return refusal;
  }
  if (limits.max_cost_usd > 0 &&
      spent.cost_microusd + call.cost_microusd > ToMicroUsd(limits.max_cost_usd)) {
    BudgetRefusal refusal;
    refusal.stop = fmt::format(
        "--max-cost: ${:.4f} spent of ${:.4f}; the next model call could "
        "cost up to ${:.4f} more",
        ToUsd(spent.cost_microusd), limits.max_cost_usd, ToUsd(call.cost_microusd));
    refusal.message = fmt::format(
        "the next model call could take the run past --max-cost {:.4f}: ${:.4f} is spent and the "
        "call could cost up to ${:.4f} more ({}), so it was not made; what was committed is kept, "
        "and `l2mac resume {} --max-cost N` with a higher N continues",
        limits.max_cost_usd, ToUsd(spent.cost_microusd), ToUsd(call.cost_microusd), CallShape(call),
        out_dir);
    return refusal;
  }
  return std::nullopt;
}

std::optional<BudgetRefusal> CheckInstructionCaps(const std::string& id, const SpendLimits& caps,
                                                  const Spent& spent, const CallWorstCase& call) {
  std::string message;
  if (caps.max_tokens > 0 && spent.tokens + call.tokens() > caps.max_tokens) {
    message = fmt::format(
        "instruction '{}' reached its own cap \"max_tokens\": {} (from the prompt program): it "
        "spent {} tokens and the next model call could take up to {} more ({})",
        id, caps.max_tokens, spent.tokens, call.tokens(), CallShape(call));
  } else if (caps.max_cost_usd > 0 &&
             spent.cost_microusd + call.cost_microusd > ToMicroUsd(caps.max_cost_usd)) {
    message = fmt::format(
        "instruction '{}' reached its own cap \"max_cost_usd\": {:.4f} (from the prompt "
        "program): it spent ${:.4f} and the next model call could cost up to ${:.4f} more ({})",
        id, caps.max_cost_usd, ToUsd(spent.cost_microusd), ToUsd(call.cost_microusd),
        CallShape(call));
  } else {
    return std::nullopt;
  }
  BudgetRefusal refusal;
  refusal.scope = BudgetScope::kInstruction;
  refusal.message = message +
                    "; split the instruction into smaller ones, or give it a higher cap in the "
                    "program of a new run";
  return refusal;
}

}  // namespace l2mac::control_unit
