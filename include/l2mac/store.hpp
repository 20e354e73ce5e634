// Reading a run's files as committed: the head of the store in DIR/.l2mac/state.db, which
// is what the output folder shows, without depending on the folder (a user may have edited
// it since). Every committed instruction is one commit; head() names the latest.
//
// Ownership: Open returns a Store the caller owns; it holds its own read-only connection to
// the run's database and takes no lock, so it may be open while a run (of this process or
// another) works in the folder. It reads the head as of Open() or the last Refresh().
//
// Threads: not thread-safe; use a Store from one thread at a time (distinct Stores on the
// same folder may be used from distinct threads).
//
// Errors: Status (status.hpp): kNotFound for a folder without a run or a path not in the
// store, kInvalidArgument or kPermissionDenied (the message says why) for a path that is
// not a relative '/'-separated path inside the store,
// kCorruption or kIoError for a damaged or unreadable database.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "l2mac/status.hpp"

namespace l2mac {

struct StoreFile {
  std::string path;  // relative, '/'-separated
  int64_t size = 0;  // bytes
  int64_t lines = 0;
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& out_dir);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // The commit read (0: nothing committed yet).
  int64_t head() const;
  // Reads the head again (e.g. after more instructions committed).
  Status Refresh();
  // The files at the head whose path starts with `prefix`, in path order.
  Result<std::vector<StoreFile>> List(const std::string& prefix = "");
  // One file's content at the head.
  Result<std::string> Read(const std::string& path);

  struct Impl;  // defined in the library

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace l2mac
