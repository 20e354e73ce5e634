// The file store's tables in the workspace database, created and upgraded through
// Database::ApplyMigrations under the module name "filestore".
//
//   blobs           content by SHA-256, stored once however many files and commits use it;
//                   `encoding` 0 raw, 1 zlib (`size` is always the original size). Blobs
//                   enter raw; one that leaves the head tree of "main" is compressed when
//                   that pays (blob_codec.hpp), so reads and searches of the head never
//                   inflate and history costs a fraction of its size.
//   commits         one row per commit; `parent` (first parent) and, for a merge,
//                   `second_parent`
//   commit_changes  what each commit wrote (hash) or deleted (hash NULL) relative to its
//                   first parent; indexed by (path, commit_id) for per-path history
//   head_files      the tree of the head of "main", kept up to date by every commit to it
//   refs            branch name -> commit id
//   materialized    per output folder (absolute path) and file: the hash l2mac last wrote
//                   there and a stamp of the file on disk as l2mac left it
#pragma once

#include "core/sqlite.hpp"
#include "core/status.hpp"

namespace l2mac::filestore {

// Creates or upgrades the tables; safe to call on every open.
Status ApplyStoreSchema(Database& db);

}  // namespace l2mac::filestore
