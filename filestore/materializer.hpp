// Materialization: making a folder on disk show the head of the store (FileStore's
// Materialize; see file_store.hpp for the contract).
//
// What l2mac last wrote into each folder is kept in the `materialized` table, keyed by the
// folder's canonical absolute path, so a file the user changed since then is recognised
// and kept rather than overwritten or removed. A file l2mac never wrote is treated the
// same way unless it already holds the head content.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/sqlite.hpp"
#include "core/status.hpp"
#include "filestore/disk_io.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::filestore {

struct MaterializeTuning {
  // A file on disk whose last change is younger than this is always read to compare its
  // content; an older one is trusted unchanged while its size, times and inode match what
  // l2mac recorded. Tests shorten it to exercise the trusted path.
  int64_t racy_window_ns = kDefaultRacyWindowNs;
  // StoreOptions::fault_point of the store materializing (fault_points.hpp).
  FaultPointHook fault_point;
};

// Brings `dir` (created if missing) up to the head of the store in `db`. Files are removed
// before files are written, so a path can change from folder to file. Before touching
// anything, every path involved is checked for symlinks; one is kPermissionDenied and
// nothing changes. After a failure partway the records still describe the disk correctly.
Result<MaterializeReport> MaterializeHead(Database& db, const std::filesystem::path& dir,
                                          const MaterializeTuning& tuning = {});

// The same for `paths` alone (others are neither read nor checked): after a commit that
// changed just these paths of a folder last materialized at its parent, the folder shows
// the head at the cost of the change, whatever the store's size. A user's edit of another
// path is not seen (MaterializeHead sees it).
Result<MaterializeReport> MaterializeHeadPaths(Database& db, const std::filesystem::path& dir,
                                               const std::vector<std::string>& paths,
                                               const MaterializeTuning& tuning = {});

}  // namespace l2mac::filestore
