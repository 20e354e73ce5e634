// Merging one branch of the store into another (FileStore::Merge; see file_store.hpp).
//
// The merge base is the nearest common ancestor over both parents of every commit. Per
// path: a change on one side only is taken; the same change on both is taken once; text
// changed on both sides is merged with diff3 (text_diff.hpp); anything else (binary
// content, a change against a deletion, a conflict region) is a FileConflict, and then
// nothing is committed.
#pragma once

#include <string>
#include <string_view>

#include "core/sqlite.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::filestore {

Result<MergeOutcome> MergeBranches(Database& db, const StoreOptions& options, FileStore& store,
                                   std::string_view source, std::string_view target,
                                   const std::string& author);

// The nearest common ancestor of `a` and `b` (0 when they share none).
Result<int64_t> MergeBase(Database& db, int64_t a, int64_t b);

}  // namespace l2mac::filestore
