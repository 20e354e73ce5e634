// File-system access for materialization and snapshots, confined to one root folder.
//
// Each function takes a root folder and a normalized store path and reaches the file by
// opening every folder below the root with O_NOFOLLOW, so nothing below the root is ever
// reached through a symlink, even one created concurrently: meeting one is
// kPermissionDenied naming it. The root itself may be a symlink (the caller chose it).
// Errors: kIoError, kPermissionDenied (no access, read-only, symlink), kResourceExhausted
// (disk full) and kFailedPrecondition (a file where a folder must be, or the reverse).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace l2mac::filestore {

enum class DiskKind { kMissing, kRegularFile, kFolder, kOther };

struct DiskEntry {
  DiskKind kind = DiskKind::kMissing;
  // For a regular file: its size, times and inode, which change whenever its content may
  // have changed. Empty when the file changed too recently for its timestamps to be
  // trusted; then only its content tells whether it changed.
  std::string stamp;
};

// A file rewritten within one clock tick of the file system may keep its timestamps, so a
// stamp is only taken of files whose last change is at least this old.
inline constexpr int64_t kDefaultRacyWindowNs = 2'000'000'000;

Result<DiskEntry> InspectOnDisk(const std::filesystem::path& root, std::string_view store_path,
                                int64_t racy_window_ns = kDefaultRacyWindowNs);

// Lowercase hex SHA-256 of the regular file at `store_path`; kNotFound when it is missing.
Result<std::string> HashOnDisk(const std::filesystem::path& root, std::string_view store_path);

// Creates missing folders, writes `content` to a temporary file in the target's folder and
// renames it over the target, so a reader sees the old or the new file, never a mix. An
// existing file's permission bits are kept. With `durable`, the file and its folder are
// fsynced before returning.
Status WriteOnDisk(const std::filesystem::path& root, std::string_view store_path,
                   std::string_view content, bool durable);

// Several durable WriteOnDisk()s at the cost of one folder flush per folder rather than
// per file: Stage() writes each content to a flushed temporary file next to its target
// (nothing visible changes), and Publish() renames them over their targets in Stage()
// order, then flushes each folder involved once. A reader sees each file old or new, never
// a mix; when Publish() returns OK, every file is durable. Temporaries not published
// (an error, or the object destroyed first) are removed. Each staged file keeps its
// folder open until Publish(): callers publish in batches (the materializer, every 64).
// Not thread-safe.
class DurableWrites {
 public:
  explicit DurableWrites(std::filesystem::path root);
  ~DurableWrites();
  DurableWrites(const DurableWrites&) = delete;
  DurableWrites& operator=(const DurableWrites&) = delete;

  Status Stage(std::string_view store_path, std::string_view content);
  // Calls `renamed` (may be empty) with each store path right after its rename. The first
  // failed rename stops the renames (the rest are not written); the folders of those
  // renamed are flushed all the same.
  Status Publish(const std::function<void(const std::string&)>& renamed = {});
  size_t staged() const;

 private:
  struct Pending;
  std::filesystem::path root_;
  std::vector<Pending> pending_;
};

// Removes the file (a missing one is fine), then each folder above it, below the root, that
// the removal left empty.
Status RemoveOnDisk(const std::filesystem::path& root, std::string_view store_path);

}  // namespace l2mac::filestore
