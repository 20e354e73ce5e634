#include "control_unit/check_tree.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

#include <system_error>

#include "filestore/content_hash.hpp"
#include "filestore/disk_io.hpp"

namespace l2mac::control_unit {
namespace {

namespace fs = std::filesystem;

// How far back the first-parent history is followed to find the commit the folder shows;
// further (or not an ancestor): written whole.
constexpr size_t kMaxCommitsBehind = 64;

bool HasPrefixFolder(const std::string& path, const std::string& folder) {
  return path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0 &&
         path[folder.size()] == '/';
}

// Adds the paths changed between `older` and `newer` (an ancestor of it on main's
// first-parent history, or 0) to `paths`; false when `older` is not within
// kMaxCommitsBehind of `newer`.
Result<bool> PathsBetween(filestore::FileStore& store, int64_t newer, int64_t older,
                          std::set<std::string>& paths) {
  // The history is read a few commits at a time (each with its changed paths), not
  // kMaxCommitsBehind at once, whose paths can be thousands.
  for (size_t limit = 4;; limit = std::min(limit * 4, kMaxCommitsBehind)) {
    L2MAC_ASSIGN_OR_RETURN(auto history, store.LogFrom(newer, limit));
    const auto reached =
        std::find_if(history.begin(), history.end(),
                     [&](const filestore::CommitInfo& commit) { return commit.id == older; });
    if (reached != history.end() || (older == 0 && history.size() < limit)) {
      for (auto it = history.begin(); it != reached; ++it) {
        paths.insert(it->changed_paths.begin(), it->changed_paths.end());
      }
      return true;
    }
    if (history.size() < limit || limit >= kMaxCommitsBehind) return false;
  }
}

}  // namespace

CheckTree::CheckTree(std::filesystem::path root, std::shared_ptr<const Sandbox> sandbox)
    : root_(std::move(root)), sandbox_(std::move(sandbox)) {}

Status CheckTree::Prepare(filestore::FileStore& store, const filestore::StoreTransaction& txn) {
  last_ = LastPrepare{};
  if (!built_ || !watch_) return Rebuild(txn);
  if (hand_over_) {
    struct stat info {};
    if (::lstat(root_.c_str(), &info) != 0 ||
        info.st_uid != sandbox_->settings().unprivileged_uid) {
      return Rebuild(txn);  // a command running as root took it back (Sandbox::Run)
    }
  }
  auto drained = watch_->Drain();
  if (!drained.ok() || !*drained) return Rebuild(txn);
  std::set<std::string> paths = std::move(**drained);
  paths.insert(staged_.begin(), staged_.end());
  for (const std::string& path : txn.ChangedPaths()) paths.insert(path);
  if (txn.base() != commit_) {
    // Usually the tree is one commit behind the new base; with lanes it can also be
    // ahead (a merged check at main's head, then the lane's own check at its older base).
    L2MAC_ASSIGN_OR_RETURN(bool found, PathsBetween(store, txn.base(), commit_, paths));
    if (!found && commit_ != 0) {
      L2MAC_ASSIGN_OR_RETURN(found, PathsBetween(store, commit_, txn.base(), paths));
    }
    if (!found) return Rebuild(txn);
  }
  bool needs_rebuild = false;
  L2MAC_RETURN_IF_ERROR(Reconcile(paths, txn, needs_rebuild));
  if (needs_rebuild) return Rebuild(txn);
  ForgetOwnChanges();
  commit_ = txn.base();
  const std::vector<std::string> staged = txn.ChangedPaths();
  staged_ = std::set<std::string>(staged.begin(), staged.end());
  return Status::Ok();
}

Status CheckTree::Rebuild(const filestore::StoreTransaction& txn) {
  built_ = false;
  last_ = LastPrepare{};
  last_.rebuilt = true;
  if (watch_) {
    watch_->Reset();
  } else {
    auto made = DirectoryWatch::Create();
    if (made.ok()) watch_ = std::move(*made);
  }
  std::error_code error;
  fs::remove_all(root_, error);
  if (error) {
    return Status::IoError("cannot clear the checks' folder " + root_.string() + ": " +
                           error.message() + "; check its permissions");
  }
  L2MAC_RETURN_IF_ERROR(txn.WriteSnapshot(root_));
  hand_over_ = sandbox_ && sandbox_->HandsOver(root_);
  if (hand_over_) L2MAC_RETURN_IF_ERROR(sandbox_->HandOver(root_, /*recursive=*/true));
  L2MAC_ASSIGN_OR_RETURN(std::vector<filestore::FileInfo> files, txn.List(""));
  files_.clear();
  for (filestore::FileInfo& file : files) files_.insert(std::move(file.path));
  if (!written_mode_ && !files_.empty()) {
    struct stat info {};
    if (::lstat((root_ / *files_.begin()).c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
      written_mode_ = info.st_mode & 07777;
    }
  }
  last_.written = static_cast<int64_t>(files_.size());
  if (watch_) {
    Status watched = watch_->Add("", root_);
    for (fs::recursive_directory_iterator it(root_, error), end;
         watched.ok() && !error && it != end; it.increment(error)) {
      if (it->is_directory(error) && !it->is_symlink(error)) {
        watched = watch_->Add(it->path().lexically_relative(root_).generic_string(), it->path());
      }
    }
    // Without a watch on every folder the next check's leftovers could go unseen.
    if (!watched.ok() || error) watch_.reset();
  }
  ForgetOwnChanges();
  built_ = true;
  commit_ = txn.base();
  const std::vector<std::string> staged = txn.ChangedPaths();
  staged_ = std::set<std::string>(staged.begin(), staged.end());
  return Status::Ok();
}

Status CheckTree::Reconcile(const std::set<std::string>& paths,
                            const filestore::StoreTransaction& txn, bool& needs_rebuild) {
  // Sorted, so a folder comes before what is below it.
  for (const std::string& path : paths) {
    // A name the store cannot hold (".pytest_cache" can be one) is not of the view.
    Result<std::optional<std::string>> content = txn.Read(path);
    if (!content.ok() && content.status().code() != StatusCode::kInvalidArgument) {
      return content.status();
    }
    if (content.ok() && *content) {
      L2MAC_RETURN_IF_ERROR(WriteFile(path, **content));
      continue;
    }
    Result<std::vector<filestore::FileInfo>> below = txn.List(path + "/");
    if (!below.ok() && below.status().code() != StatusCode::kInvalidArgument) {
      return below.status();
    }
    if (!below.ok() || below->empty()) {
      L2MAC_RETURN_IF_ERROR(RemovePath(path, /*counted=*/true));
      continue;
    }
    // A folder of the view: its entries are watched and reconciled one by one, unless the
    // folder itself is no longer one.
    struct stat info {};
    if (::lstat((root_ / path).c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      needs_rebuild = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status CheckTree::WriteFile(const std::string& path, const std::string& content) {
  const fs::path target = root_ / path;
  struct stat info {};
  if (::lstat(target.c_str(), &info) == 0) {
    if (HoldsAsWritten(path, info, content)) {
      // Typically a file staged last time and committed since: rewriting it would cost
      // an unlink and a new inode for the same bytes.
      files_.insert(path);
      return Status::Ok();
    }
    // Whatever is there (a changed file, a folder a test made) goes: a file written anew
    // also gets the store's permissions back.
    L2MAC_RETURN_IF_ERROR(RemovePath(path, /*counted=*/false));
  }
  // The folders this write creates, outermost first: each is watched and handed over.
  std::vector<fs::path> created;
  for (fs::path folder = fs::path(path).parent_path(); !folder.empty();
       folder = folder.parent_path()) {
    if (::lstat((root_ / folder).c_str(), &info) == 0) break;
    created.insert(created.begin(), folder);
  }
  L2MAC_RETURN_IF_ERROR(filestore::WriteOnDisk(root_, path, content, /*durable=*/false));
  for (const fs::path& folder : created) {
    if (hand_over_) L2MAC_RETURN_IF_ERROR(sandbox_->HandOver(root_ / folder, false));
    if (watch_ && !watch_->Add(folder.generic_string(), root_ / folder).ok()) watch_.reset();
  }
  if (hand_over_) L2MAC_RETURN_IF_ERROR(sandbox_->HandOver(target, false));
  if (!written_mode_ && ::lstat(target.c_str(), &info) == 0) written_mode_ = info.st_mode & 07777;
  files_.insert(path);
  ++last_.written;
  return Status::Ok();
}

bool CheckTree::HoldsAsWritten(const std::string& path, const struct stat& info,
                               const std::string& content) const {
  // Only a plain file (no second link to anything) with the bits, owner and size this tree
  // gives its files; then its bytes decide (read without following symlinks).
  if (!S_ISREG(info.st_mode) || info.st_nlink != 1 || !written_mode_ ||
      (info.st_mode & 07777) != *written_mode_ ||
      static_cast<uint64_t>(info.st_size) != content.size()) {
    return false;
  }
  if (hand_over_ && info.st_uid != sandbox_->settings().unprivileged_uid) return false;
  auto on_disk = filestore::HashOnDisk(root_, path);
  if (!on_disk.ok()) return false;
  auto wanted = filestore::Sha256Hex(content);
  return wanted.ok() && *on_disk == *wanted;
}

Status CheckTree::RemovePath(const std::string& path, bool counted) {
  std::error_code error;
  const auto removed = fs::remove_all(root_ / path, error);
  if (error) {
    return Status::IoError("cannot remove " + (root_ / path).string() +
                           " from the checks' folder: " + error.message());
  }
  if (counted && removed > 0) ++last_.removed;
  // What was below a removed folder is gone from the view too.
  files_.erase(path);
  for (auto it = files_.lower_bound(path + "/");
       it != files_.end() && HasPrefixFolder(*it, path);) {
    it = files_.erase(it);
  }
  PruneEmptyParents(path);
  return Status::Ok();
}

void CheckTree::PruneEmptyParents(const std::string& path) {
  for (fs::path folder = fs::path(path).parent_path(); !folder.empty();
       folder = folder.parent_path()) {
    if (::rmdir((root_ / folder).c_str()) != 0) break;
  }
}

void CheckTree::ForgetOwnChanges() {
  if (!watch_) return;
  // The watch reports its owner's changes like anyone's: these are known.
  if (!watch_->Drain().ok()) watch_.reset();
}

}  // namespace l2mac::control_unit
