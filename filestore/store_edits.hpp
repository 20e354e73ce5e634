// Precise edits of a staged StoreTransaction, each reporting what it changed: the
// operations behind the model's write/edit/patch/delete/move tools and `l2mac files`.
//
// Paths are normalized by the transaction; errors name the problem and the fix so they
// can be shown to a model as they are.
#pragma once

#include <string>
#include <vector>

#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::filestore {

struct EditReport {
  std::string path;
  std::string action;  // "created", "modified", "deleted", "moved from <old path>"
  int lines_added = 0;
  int lines_removed = 0;
  bool whitespace_tolerant = false;  // search/replace matched only ignoring indentation
};

// Writes the whole file; lines added/removed are counted with a line diff.
Result<EditReport> WriteFile(StoreTransaction& txn, const std::string& path, std::string content);

// See ApplySearchReplace (search_replace.hpp). kNotFound when the file does not exist.
Result<EditReport> SearchReplaceFile(StoreTransaction& txn, const std::string& path,
                                     const std::string& search, const std::string& replace);

// Applies a unified diff that may touch several files ("/dev/null" creates or deletes).
// All or nothing: the first file that does not apply fails the patch and nothing is staged.
Result<std::vector<EditReport>> ApplyPatch(StoreTransaction& txn, const std::string& patch);

Result<EditReport> DeleteFile(StoreTransaction& txn, const std::string& path);

// kNotFound when `from` is missing, kAlreadyExists when `to` exists.
Result<EditReport> MoveFile(StoreTransaction& txn, const std::string& from, const std::string& to);

}  // namespace l2mac::filestore
