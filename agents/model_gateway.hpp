// How agents reach the model. The control unit implements this: it records every
// exchange in the workspace database before the agent acts on the reply, counts tokens
// against the instruction and the run, and enforces budgets.
#pragma once

#include "core/llm/message.hpp"
#include "core/status.hpp"

namespace l2mac::agents {

enum class CallPurpose { kPlan, kWork, kSummary, kJudge, kAnalysis };

const char* CallPurposeName(CallPurpose purpose);  // "plan", "work", "summary", "judge",
                                                   // "analysis"

class ModelGateway {
 public:
  virtual ~ModelGateway() = default;
  virtual Result<llm::ChatResponse> Call(const llm::ChatRequest& request, CallPurpose purpose) = 0;
};

}  // namespace l2mac::agents
