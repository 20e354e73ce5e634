#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agents/toolchains/gate.hpp"
#include "core/process.hpp"

namespace l2mac::toolchains {
namespace {

constexpr std::chrono::seconds kProbeTimeout{30};

// The last line of `text` without surrounding whitespace.
std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// The interpreter's own path when `candidate` can import pytest, else why not.
Result<std::string> Probe(const std::string& candidate) {
  ProcessOptions options;
  options.argv = {candidate, "-c", "import sys, pytest; print(sys.executable)"};
  options.env = CleanEnvironment();
  options.timeout = kProbeTimeout;
  options.max_output_bytes = 16384;
  L2MAC_ASSIGN_OR_RETURN(ProcessResult result, RunProcess(options));
  if (!result.succeeded()) {
    std::string why = LastLine(result.output);
    if (why.empty()) why = result.Describe();
    return Status::NotFound(why);
  }
  const std::string executable = LastLine(result.output);
  // An interpreter that cannot name itself is still usable under the name it was found by.
  if (executable.empty() || executable.front() != '/') return candidate;
  return executable;
}

}  // namespace

Result<std::string> FindPythonWithPytestAmong(const std::vector<std::string>& candidates) {
  std::string tried;
  for (const std::string& candidate : candidates) {
    Result<std::string> found = Probe(candidate);
    if (found.ok()) return found;
    if (!tried.empty()) tried += "; ";
    tried += candidate + ": " + found.status().message();
  }
  return Status::FailedPrecondition(
      "no Python interpreter with pytest was found (tried " + tried +
      "): install it with `apt-get install python3-pytest` (scripts/setup.sh does this) or set "
      "L2MAC_PYTHON to an interpreter that has pytest");
}

Result<std::string> FindPythonWithPytest() {
  static std::mutex mutex;
  static std::optional<std::string> cached_for;  // the $L2MAC_PYTHON of the cached answer
  static std::string cached;

  const char* configured = std::getenv("L2MAC_PYTHON");
  const std::string configured_value = configured != nullptr ? configured : "";
  std::lock_guard<std::mutex> lock(mutex);
  if (cached_for && *cached_for == configured_value) return cached;

  std::vector<std::string> candidates;
  if (!configured_value.empty()) candidates.push_back(configured_value);
  candidates.push_back("python3");
  candidates.push_back("/usr/bin/python3");
  Result<std::string> found = FindPythonWithPytestAmong(candidates);
  if (found.ok()) {
    cached_for = configured_value;
    cached = *found;
  }
  return found;
}

}  // namespace l2mac::toolchains
