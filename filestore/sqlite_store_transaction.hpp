// The StoreTransaction of the SQLite file store: staged changes held in memory on top of a
// base commit, written to the database only by Commit().
#pragma once

#include <cstdint>
#include <memory>

#include "core/sqlite.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::filestore {

// A transaction on top of `base` (the head when it starts). Borrows `db`, which must
// outlive it. After a successful Commit() it continues from the new commit with no changes.
std::unique_ptr<StoreTransaction> NewSqliteStoreTransaction(Database& db, StoreOptions options,
                                                            int64_t base);

}  // namespace l2mac::filestore
