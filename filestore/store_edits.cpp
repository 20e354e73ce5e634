#include "filestore/store_edits.hpp"

#include <map>
#include <optional>
#include <utility>

#include "filestore/patch.hpp"
#include "filestore/path.hpp"
#include "filestore/search_replace.hpp"
#include "filestore/text_diff.hpp"

namespace l2mac::filestore {
namespace {

Status Missing(const std::string& path, const char* what) {
  return Status::NotFound("file '" + path + "' does not exist, so it cannot be " + what +
                          "; check the path against the list of files");
}

}  // namespace

Result<EditReport> WriteFile(StoreTransaction& txn, const std::string& path, std::string content) {
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> before, txn.Read(path));
  LineCounts counts = CountChangedLines(before ? *before : std::string(), content);
  L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
  L2MAC_RETURN_IF_ERROR(txn.Write(normalized, std::move(content)));
  return EditReport{normalized, before ? "modified" : "created", counts.added, counts.removed,
                    false};
}

Result<EditReport> SearchReplaceFile(StoreTransaction& txn, const std::string& path,
                                     const std::string& search, const std::string& replace) {
  L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> before, txn.Read(normalized));
  if (!before) return Missing(normalized, "edited (use write_file to create it)");
  L2MAC_ASSIGN_OR_RETURN(EditResult edit, ApplySearchReplace(*before, search, replace));
  L2MAC_RETURN_IF_ERROR(txn.Write(normalized, std::move(edit.content)));
  return EditReport{normalized, "modified", edit.lines_added, edit.lines_removed,
                    edit.whitespace_tolerant};
}

Result<std::vector<EditReport>> ApplyPatch(StoreTransaction& txn, const std::string& patch) {
  L2MAC_ASSIGN_OR_RETURN(std::vector<FilePatch> files, ParseUnifiedDiff(patch));
  // Compute every result before staging anything, so a failing file changes nothing.
  std::map<std::string, std::optional<std::string>> results;  // nullopt: delete
  std::vector<EditReport> reports;
  for (const FilePatch& file : files) {
    std::string old_path;
    std::string new_path;
    if (!file.old_path.empty()) {
      L2MAC_ASSIGN_OR_RETURN(old_path, NormalizePath(file.old_path));
    }
    if (!file.new_path.empty()) {
      L2MAC_ASSIGN_OR_RETURN(new_path, NormalizePath(file.new_path));
    }
    std::string content;
    if (!old_path.empty()) {
      auto pending = results.find(old_path);
      std::optional<std::string> current;
      if (pending != results.end()) {
        current = pending->second;
      } else {
        L2MAC_ASSIGN_OR_RETURN(current, txn.Read(old_path));
      }
      if (!current) return Missing(old_path, "patched");
      content = std::move(*current);
    } else if (!new_path.empty()) {
      L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> existing, txn.Read(new_path));
      if (existing) {
        return Status::AlreadyExists("the patch creates '" + new_path +
                                     "' (from /dev/null) but it already exists; patch it "
                                     "with '--- a/" +
                                     new_path + "' instead");
      }
    }
    Result<EditResult> edit = ApplyHunks(content, file.hunks);
    if (!edit.ok()) {
      return Status(edit.status().code(), "'" + (old_path.empty() ? new_path : old_path) +
                                              "': " + edit.status().message());
    }
    EditReport report;
    report.lines_added = edit->lines_added;
    report.lines_removed = edit->lines_removed;
    if (new_path.empty()) {
      results[old_path] = std::nullopt;
      report.path = old_path;
      report.action = "deleted";
    } else {
      if (!old_path.empty() && old_path != new_path) results[old_path] = std::nullopt;
      results[new_path] = std::move(edit->content);
      report.path = new_path;
      report.action = old_path.empty()       ? "created"
                      : old_path == new_path ? "modified"
                                             : "moved from " + old_path;
    }
    reports.push_back(std::move(report));
  }
  for (auto& [path, content] : results) {
    if (content) {
      L2MAC_RETURN_IF_ERROR(txn.Write(path, std::move(*content)));
    } else {
      L2MAC_RETURN_IF_ERROR(txn.Delete(path));
    }
  }
  return reports;
}

Result<EditReport> DeleteFile(StoreTransaction& txn, const std::string& path) {
  L2MAC_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> before, txn.Read(normalized));
  if (!before) return Missing(normalized, "deleted");
  L2MAC_RETURN_IF_ERROR(txn.Delete(normalized));
  return EditReport{normalized, "deleted", 0, static_cast<int>(SplitLinesKeepEnds(*before).size()),
                    false};
}

Result<EditReport> MoveFile(StoreTransaction& txn, const std::string& from, const std::string& to) {
  L2MAC_ASSIGN_OR_RETURN(std::string source, NormalizePath(from));
  L2MAC_ASSIGN_OR_RETURN(std::string target, NormalizePath(to));
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> content, txn.Read(source));
  if (!content) return Missing(source, "moved");
  if (source == target) return EditReport{target, "moved from " + source, 0, 0, false};
  L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> existing, txn.Read(target));
  if (existing) {
    return Status::AlreadyExists("cannot move '" + source + "' to '" + target +
                                 "': a file is already there; delete it first or pick another "
                                 "name");
  }
  L2MAC_RETURN_IF_ERROR(txn.Delete(source));
  Status written = txn.Write(target, *content);
  if (!written.ok()) {
    // Restore the source so a failed move leaves the staged state as it was.
    L2MAC_RETURN_IF_ERROR(txn.Write(source, std::move(*content)));
    return written;
  }
  return EditReport{target, "moved from " + source, 0, 0, false};
}

}  // namespace l2mac::filestore
