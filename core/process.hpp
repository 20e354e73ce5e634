// Runs a subprocess with a wall-clock timeout, captured output and a clean environment.
//
// The child becomes the leader of a new process group; at the timeout (or when the
// parent is done) the whole group is killed with SIGKILL, so grandchildren cannot linger.
// stdout and stderr are captured together, up to max_output_bytes; the rest is drained and
// dropped. Safe to call from several threads at once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace l2mac {

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::string cwd;                // empty: the parent's working directory
  // The child's whole environment as NAME=value. Secrets of the parent are not passed on:
  // callers build this from CleanEnvironment() plus what the command needs.
  std::vector<std::string> env;
  std::chrono::milliseconds timeout{60000};
  size_t max_output_bytes = 1 << 20;
};

struct ProcessResult {
  int exit_code = -1;   // valid when exited normally
  int term_signal = 0;  // non-zero when killed by a signal
  bool timed_out = false;
  bool output_truncated = false;
  std::string output;  // stdout and stderr interleaved
  std::chrono::milliseconds wall_time{0};

  bool succeeded() const { return !timed_out && term_signal == 0 && exit_code == 0; }
  // "exit status 1", "killed by signal 9", "timed out after 30s".
  std::string Describe() const;
};

// Fails only when the process could not be started (e.g. executable not found).
Result<ProcessResult> RunProcess(const ProcessOptions& options);

// PATH, HOME, LANG, LC_ALL and TMPDIR (when set) from the parent, nothing else: no API
// keys or tokens reach a child.
std::vector<std::string> CleanEnvironment();

}  // namespace l2mac
