#include "control_unit/user_edits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "agents/toolchains/test_protection.hpp"

namespace l2mac::control_unit {

Status UserEdits::Import() {
  L2MAC_ASSIGN_OR_RETURN(auto report, workspace_.store().Materialize(workspace_.dir()));
  if (report.kept_user_edits.empty()) return Status::Ok();
  L2MAC_ASSIGN_OR_RETURN(auto txn, workspace_.store().Begin());
  std::vector<std::string> imported;
  for (const auto& path : report.kept_user_edits) {
    std::filesystem::path file = workspace_.dir() / path;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(file, ec))) continue;
    std::ifstream in(file, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) {
      events_.Emit(
          Notice{"warning", fmt::format("cannot read your edit of {}; it is left as it is", path)});
      continue;
    }
    Status written = txn->Write(path, content.str());
    if (!written.ok()) {
      events_.Emit(Notice{"warning", fmt::format("your edit of {} cannot be imported: {}", path,
                                                 written.message())});
      continue;
    }
    imported.push_back(path);
  }
  if (!txn->HasChanges()) {
    NoteKept(report);
    return Status::Ok();
  }
  // The user decides about their own edits: tests they changed are no longer held to
  // what passed before.
  L2MAC_ASSIGN_OR_RETURN(auto db_txn, Transaction::Begin(workspace_.db()));
  L2MAC_ASSIGN_OR_RETURN(int64_t commit,
                         txn->Commit("import edits made in the output folder", "user"));
  L2MAC_ASSIGN_OR_RETURN(auto protected_tests, workspace_.test_baseline().Load());
  L2MAC_RETURN_IF_ERROR(workspace_.test_baseline().Replace(toolchains::WithoutTestsEditedByUser(
      protected_tests, imported,
      gate_.profiles.empty() ? toolchains::BuiltinProfiles() : gate_.profiles)));
  L2MAC_RETURN_IF_ERROR(db_txn->Commit());
  for (const auto& path : imported) {
    events_.Emit(Notice{"info", fmt::format("imported your edit of {} (commit {})", path, commit)});
  }
  L2MAC_ASSIGN_OR_RETURN(auto after, workspace_.store().Materialize(workspace_.dir()));
  NoteKept(after);
  return Status::Ok();
}

void UserEdits::NoteKept(const filestore::MaterializeReport& report) {
  for (const auto& path : report.kept_user_edits) {
    if (std::find(kept_.begin(), kept_.end(), path) != kept_.end()) continue;
    events_.Emit(Notice{
        "warning",
        fmt::format("{} was changed in the output folder outside l2mac; it was left as it is",
                    path)});
    kept_.push_back(path);
  }
}

}  // namespace l2mac::control_unit
