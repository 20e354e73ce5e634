// Runs untrusted commands (code a model wrote, and its tests) on a folder of their own.
//
// In bubblewrap mode the command runs in fresh namespaces: no network, its folder (the
// "root") writable and everything else read-only, a private /tmp, /dev and /proc, its own
// pid namespace (torn down with everything in it when the command ends or times out). In
// both modes it gets the environment the caller built (never the parent's: API keys stay
// out), resource limits (CPU time, memory, processes, file size), captured output capped,
// and a wall-clock timeout that kills its process group. When l2mac runs as root the
// command also runs as an unprivileged uid (65534) where it can, because the kernel does
// not enforce the process limit for root; the root folder is then handed to that uid.
//
// Where bubblewrap is missing or cannot start, Sandbox falls back to the limits plus a
// process group (and the uid drop) and says so: once per process with spdlog, or, for a
// caller that reports it itself (a run, as an event), through fallback_warning().
// Sandbox is immutable after Create(): Run() may be called from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/cancel_token.hpp"
#include "core/config.hpp"
#include "core/process.hpp"
#include "core/status.hpp"

namespace l2mac {

struct SandboxLimits {
  int64_t cpu_seconds = 600;
  int64_t memory_bytes = int64_t{4} << 30;  // RLIMIT_DATA: heap and private mappings
  int64_t max_processes = 512;              // per uid (RLIMIT_NPROC), see above
  int64_t max_file_bytes = int64_t{1} << 30;
};

enum class SandboxRequest {
  kAuto,        // bubblewrap when it works, else the fallback with a warning
  kBubblewrap,  // bubblewrap or an error
  kOff,         // the fallback, without a warning
};

enum class SandboxMode { kBubblewrap, kFallback };

struct SandboxSettings {
  SandboxRequest request = SandboxRequest::kAuto;
  // The bubblewrap executable, a name looked up in PATH or a path. Empty: $L2MAC_BWRAP,
  // else "bwrap".
  std::string bwrap;
  SandboxLimits limits;
  bool network = false;  // bubblewrap mode only: share the parent's network
  // Run as this uid/gid when l2mac runs as root (and the paths are reachable for it).
  bool drop_privileges = true;
  uint32_t unprivileged_uid = 65534;
  uint32_t unprivileged_gid = 65534;

  // Reads the "sandbox" section of the configuration over the defaults: mode ("auto",
  // "bubblewrap", "off"), bwrap, cpu_seconds, memory_mb, max_processes, max_file_mb,
  // network, drop_privileges. Unknown keys and out-of-range values are errors.
  static Result<SandboxSettings> FromConfig(const ConfigSection& section);
};

// Why the command ended, most specific first.
enum class SandboxEnd {
  kExited,         // exited on its own (see exit_code)
  kSignaled,       // killed by a signal no limit explains
  kTimedOut,       // killed at the wall-clock timeout
  kMemoryLimit,    // failed and its output or signal shows an allocation failure
  kCpuLimit,       // SIGXCPU, or SIGKILL after using the whole CPU allowance
  kFileSizeLimit,  // SIGXFSZ or "File too large"
  kProcessLimit,   // failed and its output shows fork/clone refused (EAGAIN)
};

std::string_view SandboxEndName(SandboxEnd end);  // "exited", "memory limit", ...

struct SandboxCommand {
  std::vector<std::string> argv;
  std::filesystem::path root;  // the one writable folder; must exist
  std::filesystem::path cwd;   // empty: root
  std::vector<std::string> env;
  std::chrono::milliseconds timeout{60000};
  size_t max_output_bytes = 1 << 20;
  // Borrowed; when cancelled, the command is killed and Run() returns kCancelled.
  const CancelToken* cancel = nullptr;
  // The caller keeps everything under `root` handed over (HandOver() on each path it
  // creates, as HandsOver(root) says), so Run() does not walk the folder to do it: a
  // folder kept between commands then costs nothing per command. A command that must run
  // as root all the same gets the folder back to root first (the caller notices the owner).
  bool root_handed_over = false;
};

struct SandboxResult {
  SandboxMode mode = SandboxMode::kFallback;
  SandboxEnd end = SandboxEnd::kExited;
  int exit_code = -1;   // when end is kExited
  int term_signal = 0;  // the command's signal (bubblewrap's 128+N is translated)
  bool output_truncated = false;
  bool ran_unprivileged = false;
  std::string output;
  std::chrono::milliseconds wall_time{0};

  bool succeeded() const { return end == SandboxEnd::kExited && exit_code == 0; }
  // "exit status 1", "timed out after 5.0s", "stopped by the memory limit (256 MiB)".
  std::string Describe() const;
  std::string limit_text;  // the limit that applied, for Describe()
};

// Who tells the user that kAuto fell back.
enum class SandboxWarning {
  kLog,     // Create() logs it with spdlog, once per process (for use outside a run)
  kCaller,  // the caller reports fallback_warning() itself
};

class Sandbox {
 public:
  // Probes bubblewrap once per (executable, request) in this process; a probe failure
  // with kAuto falls back with a warning (see SandboxWarning). Errors only for kBubblewrap
  // when it fails.
  static Result<std::shared_ptr<const Sandbox>> Create(
      const SandboxSettings& settings, SandboxWarning warning = SandboxWarning::kLog);

  SandboxMode mode() const { return mode_; }
  const SandboxSettings& settings() const { return settings_; }
  // The bubblewrap path in use, or empty in the fallback.
  const std::string& bwrap_path() const { return bwrap_path_; }
  // Why the fallback is in force (empty in bubblewrap mode).
  const std::string& fallback_reason() const { return fallback_reason_; }
  // What the user is told when kAuto fell back; empty otherwise (bubblewrap in use, or the
  // sandbox turned off on purpose).
  const std::string& fallback_warning() const { return fallback_warning_; }
  // "bubblewrap (/usr/bin/bwrap)" or "fallback: rlimits and a process group (<why>)".
  std::string DescribeMode() const;

  // Fails when the command could not start (not found, sandbox setup failed), and with
  // kCancelled when SandboxCommand::cancel stopped it.
  Result<SandboxResult> Run(const SandboxCommand& command) const;

  // Whether commands on `root` run as the unprivileged uid (l2mac runs as root, the uid
  // can reach `root`), so what they must write there is to be handed to it.
  bool HandsOver(const std::filesystem::path& root) const;
  // Gives `path` to the unprivileged uid when l2mac runs as root: with `recursive`,
  // everything below it too. Nothing otherwise. For callers that keep a folder handed over
  // (SandboxCommand::root_handed_over) when HandsOver(folder).
  Status HandOver(const std::filesystem::path& path, bool recursive) const;

 private:
  Sandbox() = default;

  SandboxSettings settings_;
  SandboxMode mode_ = SandboxMode::kFallback;
  std::string bwrap_path_;
  std::string fallback_reason_;
  std::string fallback_warning_;
};

}  // namespace l2mac
