// Runs a subprocess with a wall-clock timeout, captured output and a clean environment.
//
// The child becomes the leader of a new process group; at the timeout, on cancellation (or
// when the parent is done) the whole group is killed with SIGKILL, so grandchildren cannot
// linger.
// stdout and stderr are captured together, up to max_output_bytes; the rest is drained and
// dropped. Safe to call from several threads at once.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cancel_token.hpp"
#include "core/status.hpp"

namespace l2mac {

// A resource limit set in the child before exec (setrlimit); inherited by everything the
// command starts. `soft` is what the command hits; `hard` (>= soft) is where the kernel
// stops it for good (RLIMIT_CPU: SIGXCPU at soft, SIGKILL at hard).
struct ResourceLimit {
  int resource = 0;  // RLIMIT_*
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// The identity the child takes before exec (setgroups(0), setgid, setuid); only meaningful
// when the parent runs as root.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::string cwd;                // empty: the parent's working directory
  // The child's whole environment as NAME=value. Secrets of the parent are not passed on:
  // callers build this from CleanEnvironment() plus what the command needs.
  std::vector<std::string> env;
  std::chrono::milliseconds timeout{60000};
  size_t max_output_bytes = 1 << 20;
  std::vector<ResourceLimit> limits;
  std::optional<RunAs> run_as;
  // Borrowed; when it is cancelled the child's group is killed within a poll tick and the
  // result says `cancelled`. Null: the command runs to its end or its timeout.
  const CancelToken* cancel = nullptr;
};

struct ProcessResult {
  int exit_code = -1;   // valid when exited normally
  int term_signal = 0;  // non-zero when killed by a signal
  bool timed_out = false;
  bool cancelled = false;  // killed because ProcessOptions::cancel was cancelled
  bool output_truncated = false;
  std::string output;  // stdout and stderr interleaved
  std::chrono::milliseconds wall_time{0};

  bool succeeded() const { return !timed_out && !cancelled && term_signal == 0 && exit_code == 0; }
  // "exit status 1", "killed by signal 9", "timed out after 30s".
  std::string Describe() const;
};

// Fails only when the process could not be started (e.g. executable not found).
Result<ProcessResult> RunProcess(const ProcessOptions& options);

// PATH, HOME, LANG, LC_ALL and TMPDIR (when set) from the parent, nothing else: no API
// keys or tokens reach a child.
std::vector<std::string> CleanEnvironment();

}  // namespace l2mac
