#include "agents/toolchains/gate.hpp"

#include <algorithm>
#include <system_error>

#include "agents/toolchains/book_checks.hpp"
#include "agents/toolchains/python_checks.hpp"

namespace l2mac::toolchains {
namespace {

Result<GateReport> RunCodebaseGate(const std::filesystem::path& snapshot,
                                   const GateOptions& options) {
  GateReport report;
  L2MAC_ASSIGN_OR_RETURN(std::vector<std::string> python_files, ListPythonFiles(snapshot));
  if (python_files.empty()) return report;

  std::string python = options.python;
  if (python.empty()) {
    L2MAC_ASSIGN_OR_RETURN(python, FindPythonWithPytest());
  }

  L2MAC_ASSIGN_OR_RETURN(CheckOutcome syntax,
                         RunPythonSyntaxCheck(python, snapshot, python_files, options));
  const bool syntax_passed = syntax.passed;
  report.checks.push_back(std::move(syntax));
  if (!syntax_passed) {
    report.passed = false;
    return report;
  }

  if (std::any_of(python_files.begin(), python_files.end(), IsPythonTestFile)) {
    L2MAC_ASSIGN_OR_RETURN(CheckOutcome tests, RunPytest(python, snapshot, options));
    report.passed = tests.passed;
    report.checks.push_back(std::move(tests));
  }
  return report;
}

}  // namespace

Result<GateReport> RunGate(GateDomain domain, const std::filesystem::path& snapshot,
                           const std::vector<std::string>& touched, const GateOptions& options) {
  std::error_code error;
  if (!std::filesystem::is_directory(snapshot, error)) {
    return Status::NotFound("the gate's snapshot directory " + snapshot.string() +
                            " does not exist; materialize the store there before running the "
                            "gate");
  }
  const std::filesystem::path root = std::filesystem::absolute(snapshot, error);
  if (error) {
    return Status::IoError("cannot resolve the snapshot directory " + snapshot.string() + ": " +
                           error.message());
  }

  switch (domain) {
    case GateDomain::kCodebase:
      return RunCodebaseGate(root, options);
    case GateDomain::kBook: {
      GateReport report;
      report.checks.push_back(CheckMarkdownFiles(root, touched, options));
      report.passed = report.checks.back().passed;
      return report;
    }
  }
  return Status::InvalidArgument("unknown gate domain " + std::to_string(static_cast<int>(domain)) +
                                 "; use GateDomain::kCodebase or GateDomain::kBook");
}

}  // namespace l2mac::toolchains
