#include "agents/model_gateway.hpp"

namespace l2mac::agents {

const char* CallPurposeName(CallPurpose purpose) {
  switch (purpose) {
    case CallPurpose::kPlan:
      return "plan";
    case CallPurpose::kWork:
      return "work";
    case CallPurpose::kSummary:
      return "summary";
    case CallPurpose::kJudge:
      return "judge";
    case CallPurpose::kAnalysis:
      return "analysis";
  }
  return "work";
}

}  // namespace l2mac::agents
