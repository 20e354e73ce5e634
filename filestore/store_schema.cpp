#include "filestore/store_schema.hpp"

#include <string>
#include <vector>

namespace l2mac::filestore {

Status ApplyStoreSchema(Database& db) {
  static const std::vector<std::string> kMigrations = {
      R"sql(
CREATE TABLE blobs(
  hash TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  lines INTEGER NOT NULL,
  content BLOB NOT NULL);
CREATE TABLE commits(
  id INTEGER PRIMARY KEY,
  parent INTEGER REFERENCES commits(id),
  message TEXT NOT NULL,
  author TEXT NOT NULL,
  time_ms INTEGER NOT NULL);
CREATE TABLE commit_changes(
  commit_id INTEGER NOT NULL REFERENCES commits(id),
  path TEXT NOT NULL,
  hash TEXT REFERENCES blobs(hash),
  PRIMARY KEY(commit_id, path)) WITHOUT ROWID;
CREATE TABLE head_files(
  path TEXT PRIMARY KEY,
  hash TEXT NOT NULL REFERENCES blobs(hash),
  size INTEGER NOT NULL,
  lines INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE refs(
  name TEXT PRIMARY KEY,
  commit_id INTEGER NOT NULL REFERENCES commits(id)) WITHOUT ROWID;
CREATE TABLE materialized(
  root TEXT NOT NULL,
  path TEXT NOT NULL,
  hash TEXT NOT NULL,
  stamp TEXT NOT NULL,
  PRIMARY KEY(root, path)) WITHOUT ROWID;
)sql",
      // Compressed blobs, merge commits, and per-path history lookups.
      R"sql(
ALTER TABLE blobs ADD COLUMN encoding INTEGER NOT NULL DEFAULT 0;
ALTER TABLE commits ADD COLUMN second_parent INTEGER REFERENCES commits(id);
CREATE INDEX commit_changes_by_path ON commit_changes(path, commit_id);
)sql",
      // Finding whether a blob is still in the head tree (history blobs get compressed).
      R"sql(
CREATE INDEX head_files_by_hash ON head_files(hash);
)sql",
  };
  return db.ApplyMigrations("filestore", kMigrations);
}

}  // namespace l2mac::filestore
