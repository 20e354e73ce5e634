// The gate reports a model received: a failed check goes back to the model as the result
// of its step_complete (or run_tests) call, so the recorded requests hold every report of a
// run, each in the first request made after the check. The HTML report reads them here.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace l2mac::control_unit {

struct FailedCheckReport {
  std::string tool;  // the call the report answered: "step_complete" or "run_tests"
  std::string text;  // what the model was shown: the failing checks, findings and log excerpt
};

// Text every request that carries a failed check report contains (a key of the tool
// result, as it appears JSON-escaped inside the request): a cheap filter before parsing.
inline constexpr std::string_view kFailedCheckMarker = R"(\"failures\":)";

// The failed check reports among the tool results that end `request_json` (a request as
// the exchange log stores it: {"messages": [...], ...}). Only the trailing results count:
// they answer the model's latest calls, while earlier ones were already in an earlier
// request. Text that is not such a request yields none.
std::vector<FailedCheckReport> FailedChecksInRequest(std::string_view request_json);

}  // namespace l2mac::control_unit
