// Bringing a lane's staged changes onto main's current head (--parallel): the lane began
// its transaction at an older head, and other lanes committed since.
//
// Per path the lane changed, against the lane's base (`staged.base()`) and the head:
// - the head still has the base's version: the lane's change is taken;
// - the head already has the lane's version: nothing to do;
// - text changed on both sides: merged line by line (filestore::Merge3, diff3); a clean
//   merge is taken, overlapping edits are a conflict;
// - anything else (binary content, a change against a deletion, a file both created
//   differently) is a conflict.
// Paths only the other lanes changed are the head's already. Nothing is committed here:
// the caller checks the result and commits it (InstructionExecutor), or reruns the
// instruction on the new head with the conflicts described.
//
// Reads the store only; the caller holds the run's state (RunStateLock) throughout.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::control_unit {

struct RebaseConflict {
  std::string path;
  std::string reason;  // e.g. "both changed the same lines (2 places)"
};

struct Rebased {
  // Staged on main's head as it is now; holds every change of the lane that merged.
  std::unique_ptr<filestore::StoreTransaction> txn;
  std::vector<RebaseConflict> conflicts;  // empty: everything merged
};

Result<Rebased> RebaseOntoHead(filestore::FileStore& store,
                               const filestore::StoreTransaction& staged);

// The conflicts as the lines a rerun's context shows: "- path: reason", at most `limit`
// of them, then how many more.
std::string DescribeConflicts(const std::vector<RebaseConflict>& conflicts, size_t limit = 20);

}  // namespace l2mac::control_unit
