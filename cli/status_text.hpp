// How `l2mac status` shows a run (control_unit::RunStatus): the human table, the JSON
// document, and the next steps that fit the state (continue an interrupted run, look at a
// failed attempt's files, retry with a raised limit). Pure functions of their arguments.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control_unit/run_status.hpp"

namespace l2mac::cli {

// One suggested command and what it does.
struct NextStep {
  std::string command;  // e.g. "l2mac resume out --max-attempts 8"
  std::string why;      // e.g. "retries instruction 3 with 8 attempts"
};

// `out` is the output folder as the user named it (used in the commands).
std::vector<NextStep> NextSteps(const control_unit::RunStatus& status, const std::string& out);

std::string StatusText(const control_unit::RunStatus& status, const std::string& out);
nlohmann::json StatusJson(const control_unit::RunStatus& status, const std::string& out);

}  // namespace l2mac::cli
