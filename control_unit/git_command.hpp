// Running git for --git-branch: a bounded subprocess (core/process.hpp) in the user's work
// tree, with a clean environment (no API keys, no GIT_DIR or GIT_INDEX_FILE inherited from
// the caller) plus what l2mac sets itself, never a terminal prompt.
//
// Immutable after construction: safe to use from several threads at once.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/process.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

class GitCommand {
 public:
  // Runs git in `cwd` (an existing folder). Each call takes at most `timeout` and keeps at
  // most 1 MiB of output.
  explicit GitCommand(std::filesystem::path cwd,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // `git args...` with `env` (NAME=value) added to the clean environment. kUnavailable when
  // git cannot be started (not installed); otherwise how it ended, whatever its status.
  Result<ProcessResult> Run(const std::vector<std::string>& args,
                            const std::vector<std::string>& env = {}) const;

  // Like Run, but only a success (exit status 0, output complete) is a value: its output
  // without the final newline. Anything else is kIoError quoting git's first lines.
  Result<std::string> Output(const std::vector<std::string>& args,
                             const std::vector<std::string>& env = {}) const;

  const std::filesystem::path& cwd() const { return cwd_; }

 private:
  std::filesystem::path cwd_;
  std::chrono::milliseconds timeout_;
};

// The message of a git failure for errors: its first lines, cut to a few hundred bytes.
std::string GitFailureText(const std::vector<std::string>& args, const ProcessResult& result);

}  // namespace l2mac::control_unit
