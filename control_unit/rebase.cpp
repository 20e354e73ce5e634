#include "control_unit/rebase.hpp"

#include <fmt/format.h>

#include <optional>

#include "filestore/text_diff.hpp"

namespace l2mac::control_unit {
namespace {

using Content = std::optional<std::string>;

bool IsText(const std::string& content) { return content.find('\0') == std::string::npos; }

// Why `ours` and `theirs` (both differing from `base` and from each other) cannot be
// merged automatically; nullopt with `merged` set when they can.
std::optional<std::string> MergeBoth(const Content& base, const Content& ours,
                                     const Content& theirs, std::string& merged) {
  if (!ours) return std::string("deleted here, changed by an instruction committed meanwhile");
  if (!theirs) return std::string("changed here, deleted by an instruction committed meanwhile");
  if (!base) return std::string("created here and by an instruction committed meanwhile");
  if (!IsText(*base) || !IsText(*ours) || !IsText(*theirs)) {
    return std::string("binary content changed on both sides");
  }
  filestore::MergeResult result = filestore::Merge3(*base, *ours, *theirs);
  if (!result.clean()) {
    return fmt::format("both changed the same lines ({} place{})", result.conflicts.size(),
                       result.conflicts.size() == 1 ? "" : "s");
  }
  merged = std::move(result.content);
  return std::nullopt;
}

Status Apply(filestore::StoreTransaction& txn, const std::string& path, const Content& content) {
  if (content) return txn.Write(path, *content);
  Status deleted = txn.Delete(path);
  return deleted.code() == StatusCode::kNotFound ? Status::Ok() : deleted;
}

}  // namespace

Result<Rebased> RebaseOntoHead(filestore::FileStore& store,
                               const filestore::StoreTransaction& staged) {
  Rebased rebased;
  L2MAC_ASSIGN_OR_RETURN(rebased.txn, store.Begin());
  filestore::StoreTransaction& onto = *rebased.txn;
  for (const std::string& path : staged.ChangedPaths()) {
    L2MAC_ASSIGN_OR_RETURN(Content ours, staged.Read(path));
    Content base;
    if (staged.base() != 0) {
      L2MAC_ASSIGN_OR_RETURN(base, store.Read(staged.base(), path));
    }
    L2MAC_ASSIGN_OR_RETURN(Content theirs, onto.Read(path));
    if (theirs == base) {
      // Refused only for what the other instructions' files make impossible here (a file
      // where they made a folder, or the reverse): a conflict, not an error of the run.
      if (Status applied = Apply(onto, path, ours); !applied.ok()) {
        rebased.conflicts.push_back({path, applied.message()});
      }
      continue;
    }
    if (theirs == ours) continue;
    std::string merged;
    if (auto conflict = MergeBoth(base, ours, theirs, merged)) {
      rebased.conflicts.push_back({path, std::move(*conflict)});
      continue;
    }
    if (Status written = onto.Write(path, std::move(merged)); !written.ok()) {
      rebased.conflicts.push_back({path, written.message()});  // e.g. merged past the size limit
    }
  }
  return rebased;
}

std::string DescribeConflicts(const std::vector<RebaseConflict>& conflicts, size_t limit) {
  std::string text;
  for (size_t i = 0; i < conflicts.size() && i < limit; ++i) {
    text += fmt::format("- {}: {}\n", conflicts[i].path, conflicts[i].reason);
  }
  if (conflicts.size() > limit) text += fmt::format("- and {} more\n", conflicts.size() - limit);
  return text;
}

}  // namespace l2mac::control_unit
