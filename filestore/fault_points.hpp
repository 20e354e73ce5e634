// Fault points: a test seam in the file store's commit path and in materialization. A
// store opened with StoreOptions::fault_point set calls it with each point's name as the
// point is reached; crash-safety tests kill the process there (as a power cut or
// `kill -9` would), then reopen the store and check it is consistent. The library reads no
// environment variable and never installs a hook itself: without one, nothing happens.
#pragma once

#include <functional>
#include <string_view>

namespace l2mac::filestore {

// Called on the thread that reached the point; may not return (a test's SIGKILL). Must
// not use the store it is called from.
using FaultPointHook = std::function<void(std::string_view point)>;

// The points, in the order a commit and then a materialization reach them.
inline constexpr std::string_view kFaultPoints[] = {
    "commit.after_commit_row",        // commit row inserted, no changes yet
    "commit.after_changes",           // blobs and changes written, ref not moved
    "commit.after_ref_update",        // everything written, SQLite transaction still open
    "commit.after_durable",           // SQLite commit returned
    "materialize.after_first_write",  // one file replaced on disk, records not committed
};

// Calls `hook` with `point` when a hook is set.
inline void ReachFaultPoint(const FaultPointHook& hook, std::string_view point) {
  if (hook) hook(point);
}

}  // namespace l2mac::filestore
