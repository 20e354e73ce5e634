// The runs an `l2mac mcp` server knows: each has an id ("run-1", ...) and an output folder,
// and at most one child process at a time, the same l2mac binary running `run` or `resume`
// on that folder. A child is a process of its own (own process group, stdin /dev/null,
// stdout and stderr appended to DIR/.l2mac/mcp-run.log), so its crash cannot take the
// server down; it is cancelled with SIGINT (the run stops at its next safe point, exits
// 130 and is resumable) and reaped by Reap(). A folder another process is running is known
// too (registered by the folder) but never signalled.
//
// Threads: one thread at a time (the server's loop); the object owns its children and
// interrupts and waits for them in Shutdown() (also run by the destructor).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace l2mac::cli {

struct ManagedRun {
  std::string id;
  std::filesystem::path dir;  // absolute
  std::filesystem::path log;  // where the children's output goes
  std::string command;        // "run" or "resume": the last child's
  pid_t pid = 0;              // the child's, while it runs
  bool running = false;
  bool cancel_requested = false;  // SIGINT sent to the current child
  bool exited = false;            // a child of this server ended (the fields below are its)
  int exit_code = -1;             // when it exited
  int term_signal = 0;            // when a signal ended it
};

class RunRegistry {
 public:
  // `exe`: the l2mac binary the children run (the server's own, /proc/self/exe).
  explicit RunRegistry(std::filesystem::path exe) : exe_(std::move(exe)) {}
  ~RunRegistry();
  RunRegistry(const RunRegistry&) = delete;
  RunRegistry& operator=(const RunRegistry&) = delete;

  // The run with this id; kNotFound naming the known ones otherwise.
  Result<ManagedRun*> ById(const std::string& id);
  // The run of this folder (made absolute), registered when first seen.
  ManagedRun& ByFolder(const std::filesystem::path& dir);
  const std::vector<std::unique_ptr<ManagedRun>>& runs() const { return runs_; }

  // Starts `exe command args...` as the run's child; kFailedPrecondition while a child of
  // this server or another process works in the folder.
  Status Spawn(ManagedRun& run, const std::string& command, const std::vector<std::string>& args);
  // Sends SIGINT to the run's child; kFailedPrecondition when it has none running.
  Status Interrupt(ManagedRun& run);
  // Collects the children that ended, without blocking.
  void Reap();
  // Whether the run is going on: its child runs, or another process holds its folder.
  bool Active(const ManagedRun& run) const;
  // Interrupts every running child and waits for them up to `grace`, then kills (SIGKILL)
  // and reaps those still there. Idempotent.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(20));

 private:
  std::filesystem::path exe_;
  std::vector<std::unique_ptr<ManagedRun>> runs_;
  int next_id_ = 1;
};

// What an exit status of `l2mac run`/`resume` means, and what to do next, in one sentence.
std::string ExitMeaning(int exit_code);

// The last `max_bytes` of a run's log (whole lines), for a failed child's result.
std::string LogTail(const std::filesystem::path& log, size_t max_bytes = 4096);

}  // namespace l2mac::cli
