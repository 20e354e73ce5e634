// The StoreTransaction of the SQLite file store: staged changes held in memory on top of a
// base commit, written to the database only by Commit().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/sqlite.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::filestore {

// A transaction on top of `base` (the head when it starts). Borrows `db`, which must
// outlive it. After a successful Commit() it continues from the new commit with no changes.
// `branch` is where Commit() moves the ref (and, for "main", updates head_files);
// `second_parent`, when set, makes the commit a merge of that commit.
std::unique_ptr<StoreTransaction> NewSqliteStoreTransaction(
    Database& db, StoreOptions options, int64_t base, std::string branch = std::string(kMainBranch),
    std::optional<int64_t> second_parent = std::nullopt);

}  // namespace l2mac::filestore
