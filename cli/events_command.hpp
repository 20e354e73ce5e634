// `l2mac events DIR [--follow]`: prints a run's stored events as JSONL (docs/EVENTS.md),
// oldest first. With --follow it keeps reading the database of a run in progress in
// another process (read-only, polling every kFollowPollInterval) until the run finishes,
// the process running it goes away, stdout is closed, or SIGINT.
#pragma once

#include <chrono>
#include <string>

namespace l2mac::cli {

inline constexpr std::chrono::milliseconds kFollowPollInterval{200};

// The process exit status (exit_codes.hpp).
int EventsCommand(const std::string& out, bool follow);

}  // namespace l2mac::cli
