// Which entries of a set of folders changed, as Linux's inotify reports them.
//
// A caller that keeps a folder tree between uses (the checks' workspace) adds a watch on
// each folder it creates, and later asks which names changed in them since the last
// Drain(): created, deleted, written, renamed or with changed attributes. What happens in
// a folder that is not watched (a subfolder someone else created) is only seen as the
// creation of that subfolder in its watched parent. When the kernel's queue overflowed, or
// a watched folder itself was removed or moved, Drain() says the caller must look at the
// whole tree itself. The kernel reports changes made through a bind mount (a sandbox) too.
//
// Not thread-safe: one owner uses it; the inotify descriptor is closed on destruction.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/status.hpp"

namespace l2mac {

class DirectoryWatch {
 public:
  // kUnavailable when inotify cannot be used here (then callers rescan instead).
  static Result<std::unique_ptr<DirectoryWatch>> Create();
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // Watches the folder `absolute`, known to the caller as `relative` ("" for the tree's
  // root, else "a/b"). kResourceExhausted when the user's watch limit is reached.
  Status Add(const std::string& relative, const std::filesystem::path& absolute);

  // The relative paths of the entries that changed since the last call (a folder's
  // entries as "folder/name", the root's as "name"), or nullopt when the changes cannot
  // all be named (the queue overflowed, a watched folder was removed or moved): the caller
  // must then rescan the tree and may Reset() the watch.
  Result<std::optional<std::set<std::string>>> Drain();

  // Forgets every watch (the caller is about to rebuild the tree and add them again).
  void Reset();

  size_t watched() const { return folders_.size(); }

 private:
  explicit DirectoryWatch(int fd) : fd_(fd) {}

  int fd_;
  std::map<int, std::string> folders_;  // watch descriptor -> relative folder
};

}  // namespace l2mac
