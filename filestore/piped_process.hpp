// A child process fed through its stdin while it runs: the git fast-import stream of the
// git export. (core/process.hpp runs commands whose input is known up front; this one
// streams, so the export never holds the whole repository in memory.)
//
// The child's stdin is a socket so a write after the child died fails with EPIPE instead
// of killing l2mac with SIGPIPE; its stdout and stderr go to a temporary file, read back
// by Finish(). Not copyable; one thread at a time. The destructor kills and reaps a child
// that was not finished.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace l2mac::filestore {

class PipedProcess {
 public:
  // argv[0] is looked up in PATH; `env` is the child's whole environment.
  static Result<std::unique_ptr<PipedProcess>> Start(const std::vector<std::string>& argv,
                                                     const std::vector<std::string>& env);
  ~PipedProcess();
  PipedProcess(const PipedProcess&) = delete;
  PipedProcess& operator=(const PipedProcess&) = delete;

  // Writes to the child's stdin, buffered. kIoError when the child stopped reading.
  Status Write(std::string_view bytes);
  // Closes stdin, waits for the child, and returns its output; kFailedPrecondition (with
  // the output) when it did not exit with status 0.
  Result<std::string> Finish();

  struct PassKey {
   private:
    PassKey() = default;
    friend class PipedProcess;
  };
  PipedProcess(PassKey, pid_t pid, int input, std::FILE* output, std::string name)
      : pid_(pid), input_(input), output_(output), name_(std::move(name)) {}

 private:
  Status Flush();

  pid_t pid_ = -1;
  int input_ = -1;
  std::FILE* output_ = nullptr;
  std::string name_;
  std::string buffer_;
};

}  // namespace l2mac::filestore
