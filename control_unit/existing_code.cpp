#include "control_unit/existing_code.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "agents/toolchains/test_protection.hpp"
#include "core/json_text.hpp"
#include "filestore/store_transfer.hpp"

namespace l2mac::control_unit {
namespace {

// How many paths a notice names before "and N more".
constexpr size_t kNamedInNotice = 10;
// How many left-out files run_meta "base" keeps (the notice says how many there were).
constexpr size_t kRecordedTooLarge = 200;

std::string NameSome(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < kNamedInNotice; ++i) {
    text += (i == 0 ? "" : ", ") + names[i];
  }
  if (names.size() > kNamedInNotice) {
    text += fmt::format(" and {} more", names.size() - kNamedInNotice);
  }
  return text;
}

}  // namespace

Status ImportExistingCode(RunContext& run) {
  Workspace& workspace = run.workspace;
  L2MAC_ASSIGN_OR_RETURN(int64_t head, workspace.store().Head());
  if (head != 0) return Status::Ok();
  filestore::ImportOptions options;
  options.skip_too_large = true;
  // The commit and its record land together.
  L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace.db()));
  L2MAC_ASSIGN_OR_RETURN(
      filestore::ImportReport report,
      filestore::ImportDirectory(workspace.store(), workspace.dir(), "user",
                                 "import the existing files of the output folder", options));
  if (report.commit == 0) return Status::Ok();  // nothing there: a new codebase
  nlohmann::json base = {{"commit", report.commit},
                         {"files", report.added.size()},
                         {"too_large", nlohmann::json::array()},
                         {"too_large_count", report.too_large.size()}};
  for (size_t i = 0; i < report.too_large.size() && i < kRecordedTooLarge; ++i) {
    base["too_large"].push_back(
        {{"path", report.too_large[i].path}, {"bytes", report.too_large[i].bytes}});
  }
  L2MAC_RETURN_IF_ERROR(workspace.SetMeta("base", DumpJson(base)));
  L2MAC_RETURN_IF_ERROR(txn->Commit());
  run.events.Emit(
      Notice{"info", fmt::format("imported the {} existing files of {} as the base commit {} (what "
                                 ".gitignore ignores left out)",
                                 report.added.size(), workspace.dir().string(), report.commit)});
  if (!report.too_large.empty()) {
    std::vector<std::string> paths;
    for (const auto& file : report.too_large) {
      paths.push_back(fmt::format("{} ({} bytes)", file.path, file.bytes));
    }
    run.events.Emit(Notice{
        "warning",
        fmt::format("{} left out of the store, above its limit of {} bytes a file; they stay "
                    "in the folder untouched and the model does not see them: {}",
                    report.too_large.size() == 1
                        ? "1 file is"
                        : std::to_string(report.too_large.size()) + " files are",
                    workspace.store().options().max_file_bytes, NameSome(paths))});
  }
  if (!report.skipped.empty()) {
    run.events.Emit(Notice{"info", fmt::format("not imported (symlinks, special files or "
                                               "names l2mac cannot store): {}",
                                               NameSome(report.skipped))});
  }
  return Status::Ok();
}

Status CheckExistingTests(RunContext& run, InstructionExecutor& executor) {
  Workspace& workspace = run.workspace;
  L2MAC_ASSIGN_OR_RETURN(auto base, workspace.GetMeta("base"));
  if (!base) return Status::Ok();
  L2MAC_ASSIGN_OR_RETURN(auto checked, workspace.GetMeta("base_checked"));
  if (checked) return Status::Ok();
  L2MAC_ASSIGN_OR_RETURN(toolchains::GateReport report, executor.CheckHead());
  std::vector<toolchains::ProtectedTest> failing;
  for (const toolchains::ProfileTests& profile : report.test_runs) {
    for (const toolchains::TestResult& test : profile.tests) {
      if (test.outcome != toolchains::TestOutcome::kFailed) continue;
      failing.push_back({profile.profile, test.id, test.name, test.file, -1});
    }
  }
  std::vector<toolchains::ProtectedTest> passing =
      toolchains::NextProtectedTests(report.test_runs, {});
  {
    L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace.db()));
    L2MAC_RETURN_IF_ERROR(workspace.test_baseline().Replace(passing));
    L2MAC_RETURN_IF_ERROR(workspace.test_baseline().SetPreexistingFailures(failing));
    L2MAC_RETURN_IF_ERROR(workspace.SetMeta("base_checked", report.OneLine()));
    L2MAC_RETURN_IF_ERROR(txn->Commit());
  }
  if (!passing.empty() || !failing.empty()) {
    run.events.Emit(
        Notice{"info", fmt::format("the existing tests: {} passed and are protected (every "
                                   "instruction must keep them passing); {} already failed",
                                   passing.size(), failing.size())});
  }
  if (!failing.empty()) {
    std::vector<std::string> ids;
    for (const auto& test : failing) ids.push_back(test.id);
    run.events.Emit(Notice{
        "warning", fmt::format("{} already failed before this run and will not be held "
                               "against it (pre-existing failures): {}",
                               ids.size() == 1 ? "1 test" : std::to_string(ids.size()) + " tests",
                               NameSome(ids))});
  }
  if (!report.passed && failing.empty()) {
    // Failures other than tests (a linter, a build) are not excused: say so up front.
    std::vector<std::string> checks;
    for (const auto& check : report.checks) {
      if (!check.passed) checks.push_back(check.name);
    }
    if (!checks.empty()) {
      run.events.Emit(
          Notice{"warning", fmt::format("the existing code already fails these checks, which every "
                                        "instruction's checks run too: {}",
                                        NameSome(checks))});
    }
  }
  return Status::Ok();
}

}  // namespace l2mac::control_unit
