// The folder an instruction's checks run in, kept between checks so that setting it up
// costs what changed rather than what the store holds.
//
// It shows one transaction's view of the store: the committed files of its base commit
// plus its staged changes, and nothing else. The first Prepare() of a process writes it
// whole; each later one brings it from what it showed last to the new view by touching
// only (a) the paths staged last time and now, (b) the paths changed by the commits
// between the two base commits (first-parent history), and (c) the entries the checks
// themselves created, changed or removed since, which an inotify watch on each of its
// folders reports (a test's sqlite file, __pycache__, a file a test rewrote). Those are
// removed or restored, so every check starts from exactly the store's view, as a fresh
// copy would. Where the watch cannot say (no inotify, its queue overflowed, a watched
// folder was removed or moved) or the base is not a descendant of the last one, the folder
// is written whole again: slower, never wrong.
//
// Its files are handed to the sandbox's unprivileged uid as they are written (when l2mac
// runs as root and that uid runs the commands), so the sandbox need not walk the folder
// before each command; when a command had to take it back for root, it is written whole.
//
// Not thread-safe: one instruction executor owns it. Nothing here is stored: a new process
// starts by writing the folder whole.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/directory_watch.hpp"
#include "core/sandbox.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::control_unit {

class CheckTree {
 public:
  // `root`: the folder, owned by this object (removed and rewritten at will). `sandbox`
  // (may be null: nothing is handed over) is the one the checks run in.
  CheckTree(std::filesystem::path root, std::shared_ptr<const Sandbox> sandbox);

  // Makes the folder show `txn`'s view of `store` (see the file comment).
  Status Prepare(filestore::FileStore& store, const filestore::StoreTransaction& txn);

  const std::filesystem::path& root() const { return root_; }
  // Whether its files are kept handed to the sandbox's uid (SandboxCommand::root_handed_over).
  bool handed_over() const { return hand_over_; }
  // The store paths the folder holds, sorted (for GateOptions::files).
  const std::set<std::string>& Files() const { return files_; }

  // What the last Prepare() did, for tests and the benchmark.
  struct LastPrepare {
    bool rebuilt = false;  // written whole
    int64_t written = 0;   // files written
    int64_t removed = 0;   // entries removed (files, or folders the checks created)
  };
  const LastPrepare& last() const { return last_; }

 private:
  Status Rebuild(const filestore::StoreTransaction& txn);
  // Whether the file at `path` (lstat'ed as `info`) is one this tree wrote and holds
  // exactly `content`.
  bool HoldsAsWritten(const std::string& path, const struct stat& info,
                      const std::string& content) const;
  Status Reconcile(const std::set<std::string>& paths, const filestore::StoreTransaction& txn,
                   bool& needs_rebuild);
  Status WriteFile(const std::string& path, const std::string& content);
  // `counted`: an entry of LastPrepare::removed (not a file about to be written anew).
  Status RemovePath(const std::string& path, bool counted);
  // Folders above `path` the removal left empty.
  void PruneEmptyParents(const std::string& path);
  // Forgets what the folder's own changes queued on the watch.
  void ForgetOwnChanges();

  std::filesystem::path root_;
  std::shared_ptr<const Sandbox> sandbox_;
  std::unique_ptr<DirectoryWatch> watch_;  // null: rebuilt at every Prepare()
  bool built_ = false;
  bool hand_over_ = false;  // the sandbox runs commands on it as its unprivileged uid
  // The permission bits of a file this tree wrote (known after its first write): a file
  // still holding them, and the content wanted, is left as it is.
  std::optional<mode_t> written_mode_;
  int64_t commit_ = 0;            // the base commit it shows
  std::set<std::string> staged_;  // the paths staged on top of it
  std::set<std::string> files_;   // every file it holds
  LastPrepare last_;
};

}  // namespace l2mac::control_unit
