// Named crash points for crash-safety tests: when the environment variable
// L2MAC_CRASH_POINT equals a point's name, the process kills itself there with SIGKILL
// (no destructors, no SQLite cleanup), as a power cut or `kill -9` would. Tests run a
// child process with the variable set, then reopen the store and check it is consistent.
// Costs one getenv per call when unset.
#pragma once

#include <string_view>

namespace l2mac::filestore {

// Points in FileStore commit and materialization, in the order they are reached.
inline constexpr std::string_view kCrashPoints[] = {
    "commit.after_commit_row",        // commit row inserted, no changes yet
    "commit.after_changes",           // blobs and changes written, ref not moved
    "commit.after_ref_update",        // everything written, SQLite transaction still open
    "commit.after_durable",           // SQLite commit returned
    "materialize.after_first_write",  // one file replaced on disk, records not committed
};

void CrashPoint(std::string_view name);

}  // namespace l2mac::filestore
