#include <string>

#include "agents/toolchains/gate.hpp"

namespace l2mac::toolchains {

std::string GateReport::FailureText(size_t max_bytes) const {
  std::string text;
  for (const CheckOutcome& check : checks) {
    if (check.passed) continue;
    text += "\n## " + check.name + "\n" + check.detail;
    if (!check.detail.empty() && check.detail.back() != '\n') text += '\n';
  }
  if (text.empty()) return text;
  return ElideMiddle("Checks failed:\n" + text, max_bytes);
}

std::string GateReport::OneLine() const {
  if (checks.empty()) return "no checks applied";
  std::string line;
  for (const CheckOutcome& check : checks) {
    if (!line.empty()) line += "; ";
    line += check.name + (check.passed ? ": passed" : ": failed");
    if (!check.summary.empty()) line += " (" + check.summary + ")";
  }
  return line;
}

}  // namespace l2mac::toolchains
