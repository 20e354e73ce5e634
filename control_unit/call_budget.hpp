// Budgets held before every model call. A call is refused when what was spent plus the
// most the call could use would pass a budget, so a run never overshoots its --max-tokens
// or --max-cost by more than one call's excess over its own worst case (a server that
// counts the prompt higher than l2mac's estimate, or a provider that asks again with a
// larger output limit after a cut-off tool call).
//
// Two scopes: the run's budgets (--max-tokens, --max-cost), whose refusal stops the run
// cleanly and resumably, and an instruction's own caps from the prompt program, whose
// refusal fails that instruction only. Pure functions of their arguments: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace l2mac::control_unit {

// 0 in a field means no limit.
struct SpendLimits {
  int64_t max_tokens = 0;
  double max_cost_usd = 0;
  bool any() const { return max_tokens > 0 || max_cost_usd > 0; }
};

struct Spent {
  int64_t tokens = 0;  // prompt + completion
  int64_t cost_microusd = 0;
};

// The most one call can use: its prompt as l2mac estimates it plus the output limit the
// request asks for, priced as the configured model.
struct CallWorstCase {
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cost_microusd = 0;
  int64_t tokens() const { return prompt_tokens + output_tokens; }
};

enum class BudgetScope { kRun, kInstruction };

struct BudgetRefusal {
  BudgetScope scope = BudgetScope::kRun;
  // kRun: the report's budget_stop, starting with the flag ("--max-tokens: ...", which the
  // CLI reads to name the flag in its advice).
  std::string stop;
  // The whole explanation: which budget, spent, allowed, what the call could take, the fix.
  std::string message;
};

// A refusal when `call` could take the run past `limits` given `spent` over the whole
// run; `out_dir` names the folder in the advice to resume.
std::optional<BudgetRefusal> CheckRunBudget(const SpendLimits& limits, const Spent& spent,
                                            const CallWorstCase& call, const std::string& out_dir);

// A refusal (kInstruction) when `call` could take instruction `id` past its own caps,
// given what it `spent` since it last started.
std::optional<BudgetRefusal> CheckInstructionCaps(const std::string& id, const SpendLimits& caps,
                                                  const Spent& spent, const CallWorstCase& call);

}  // namespace l2mac::control_unit
