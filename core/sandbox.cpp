#include "core/sandbox.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <system_error>

namespace l2mac {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::milliseconds kProbeTimeout{10000};

std::string EnvValue(const std::vector<std::string>& env, std::string_view name) {
  for (const std::string& entry : env) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return "";
}

// The executable `name` resolves to through `path_list`, or empty.
std::string ResolveExecutable(const std::string& name, const std::string& path_list) {
  if (name.find('/') != std::string::npos) {
    return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
  }
  size_t start = 0;
  while (start <= path_list.size()) {
    size_t end = path_list.find(':', start);
    if (end == std::string::npos) end = path_list.size();
    std::string dir = path_list.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      struct stat info;
      if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
          ::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
    start = end + 1;
  }
  return "";
}

std::string ParentPath() {
  const char* path = std::getenv("PATH");
  return path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
}

// True when `uid` can walk down to `path` (every folder above it searchable by others or
// owned by uid) and, when `need_exec`, execute it.
bool ReachableBy(const fs::path& path, uid_t uid, bool need_exec) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) return false;
  fs::path current;
  for (const fs::path& part : absolute.parent_path()) {
    current /= part;
    struct stat info;
    if (::stat(current.c_str(), &info) != 0) return false;
    if (info.st_uid != uid && (info.st_mode & S_IXOTH) == 0) return false;
  }
  if (!need_exec) return true;
  struct stat info;
  if (::stat(absolute.c_str(), &info) != 0) return false;
  return info.st_uid == uid || (info.st_mode & S_IXOTH) != 0;
}

// Gives `root` and everything in it to uid/gid, so the unprivileged command can write there.
Status HandOverTree(const fs::path& root, uid_t uid, gid_t gid) {
  if (::lchown(root.c_str(), uid, gid) != 0) {
    return Status::IoError("cannot hand the folder " + root.string() + " to uid " +
                           std::to_string(uid) + " for the sandbox");
  }
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end; !error && it != end;
       it.increment(error)) {
    (void)::lchown(it->path().c_str(), uid, gid);
  }
  return Status::Ok();
}

struct ProbeResult {
  bool works = false;
  std::string path;
  std::string reason;
};

std::vector<std::string> BaseBwrapArgs(const std::string& bwrap, bool network) {
  std::vector<std::string> args = {bwrap,
                                   "--die-with-parent",
                                   "--new-session",
                                   "--unshare-all",
                                   "--ro-bind",
                                   "/",
                                   "/",
                                   "--dev",
                                   "/dev",
                                   "--proc",
                                   "/proc",
                                   "--tmpfs",
                                   "/tmp"};
  if (network) args.insert(args.begin() + 4, "--share-net");
  return args;
}

ProbeResult ProbeBubblewrap(const std::string& name, std::optional<RunAs> run_as) {
  ProbeResult probe;
  probe.path = ResolveExecutable(name, ParentPath());
  if (probe.path.empty()) {
    probe.reason = "bubblewrap (`" + name + "`) was not found; install the `bubblewrap` package";
    return probe;
  }
  const std::string true_path = ResolveExecutable("true", ParentPath());
  ProcessOptions options;
  options.argv = BaseBwrapArgs(probe.path, false);
  options.argv.push_back("--");
  options.argv.push_back(true_path.empty() ? "/bin/true" : true_path);
  options.env = {"PATH=/usr/bin:/bin"};
  options.timeout = kProbeTimeout;
  options.max_output_bytes = 4096;
  options.run_as = run_as;
  Result<ProcessResult> run = RunProcess(options);
  if (!run.ok()) {
    probe.reason = "bubblewrap (" + probe.path + ") cannot start: " + run.status().message();
  } else if (!run->succeeded()) {
    std::string output = run->output.substr(0, run->output.find('\n'));
    probe.reason = "bubblewrap (" + probe.path + ") cannot create its namespaces here (" +
                   run->Describe() + (output.empty() ? "" : ": " + output) +
                   "); unprivileged user namespaces may be disabled";
  } else {
    probe.works = true;
  }
  return probe;
}

// One probe per (executable, uid) per process: bubblewrap does not come and go mid-run.
ProbeResult CachedProbe(const std::string& name, std::optional<RunAs> run_as) {
  static std::mutex mutex;
  static std::map<std::string, ProbeResult> cache;
  const std::string key = name + "#" + (run_as ? std::to_string(run_as->uid) : "self");
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  ProbeResult probe = ProbeBubblewrap(name, run_as);
  cache.emplace(key, probe);
  return probe;
}

void WarnOnce(const std::string& message) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(mutex);
  if (warned.insert(message).second) spdlog::warn("{}", message);
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

bool ShowsAllocationFailure(const std::string& output) {
  for (std::string_view marker :
       {"MemoryError", "Cannot allocate memory", "out of memory", "std::bad_alloc",
        "memory allocation of", "heap out of memory", "failed to reserve", "ENOMEM"}) {
    if (Contains(output, marker)) return true;
  }
  return false;
}

bool ShowsForkRefused(const std::string& output) {
  for (std::string_view marker : {"Resource temporarily unavailable", "BlockingIOError",
                                  "fork: retry", "Cannot fork", "EAGAIN"}) {
    if (Contains(output, marker)) return true;
  }
  return false;
}

std::string Mebibytes(int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

void Classify(const SandboxLimits& limits, SandboxResult& result) {
  if (result.end == SandboxEnd::kTimedOut) return;
  const bool failed = result.term_signal != 0 || result.exit_code != 0;
  if (!failed) {
    result.end = SandboxEnd::kExited;
    return;
  }
  if (result.term_signal == SIGXCPU) {
    result.end = SandboxEnd::kCpuLimit;
    result.limit_text = std::to_string(limits.cpu_seconds) + "s of CPU time";
  } else if (result.term_signal == SIGXFSZ || Contains(result.output, "File too large")) {
    result.end = SandboxEnd::kFileSizeLimit;
    result.limit_text = Mebibytes(limits.max_file_bytes) + " per file";
  } else if (ShowsAllocationFailure(result.output)) {
    result.end = SandboxEnd::kMemoryLimit;
    result.limit_text = Mebibytes(limits.memory_bytes);
  } else if (ShowsForkRefused(result.output)) {
    result.end = SandboxEnd::kProcessLimit;
    result.limit_text = std::to_string(limits.max_processes) + " processes";
  } else {
    result.end = result.term_signal != 0 ? SandboxEnd::kSignaled : SandboxEnd::kExited;
  }
}

std::vector<ResourceLimit> RlimitsFor(const SandboxLimits& limits) {
  // Never above the hard limits l2mac itself runs under: an unprivileged process cannot
  // raise them, and the child would fail to start.
  auto clamp = [](int resource, int64_t value) {
    uint64_t wanted = static_cast<uint64_t>(value);
    rlimit current;
    if (::getrlimit(resource, &current) == 0 && current.rlim_max != RLIM_INFINITY) {
      wanted = std::min<uint64_t>(wanted, current.rlim_max);
    }
    return wanted;
  };
  const uint64_t cpu = clamp(RLIMIT_CPU, limits.cpu_seconds);
  const uint64_t cpu_hard = clamp(RLIMIT_CPU, limits.cpu_seconds + 1);
  const uint64_t data = clamp(RLIMIT_DATA, limits.memory_bytes);
  const uint64_t nproc = clamp(RLIMIT_NPROC, limits.max_processes);
  const uint64_t fsize = clamp(RLIMIT_FSIZE, limits.max_file_bytes);
  return {
      // SIGXCPU at the limit, SIGKILL a second later if it is ignored.
      {RLIMIT_CPU, cpu, cpu_hard},  {RLIMIT_DATA, data, data}, {RLIMIT_NPROC, nproc, nproc},
      {RLIMIT_FSIZE, fsize, fsize}, {RLIMIT_CORE, 0, 0},
  };
}

}  // namespace

std::string_view SandboxEndName(SandboxEnd end) {
  switch (end) {
    case SandboxEnd::kExited:
      return "exited";
    case SandboxEnd::kSignaled:
      return "killed by a signal";
    case SandboxEnd::kTimedOut:
      return "timed out";
    case SandboxEnd::kMemoryLimit:
      return "memory limit";
    case SandboxEnd::kCpuLimit:
      return "CPU time limit";
    case SandboxEnd::kFileSizeLimit:
      return "file size limit";
    case SandboxEnd::kProcessLimit:
      return "process limit";
  }
  return "unknown";
}

std::string SandboxResult::Describe() const {
  ProcessResult plain;
  plain.exit_code = exit_code;
  plain.term_signal = term_signal;
  plain.timed_out = end == SandboxEnd::kTimedOut;
  plain.wall_time = wall_time;
  std::string text = plain.Describe();
  if (end != SandboxEnd::kExited && end != SandboxEnd::kSignaled && end != SandboxEnd::kTimedOut) {
    text = "stopped by the " + std::string(SandboxEndName(end)) +
           (limit_text.empty() ? "" : " (" + limit_text + ")") + ": " + text;
  }
  if (output_truncated) text += "; output truncated";
  return text;
}

Result<SandboxSettings> SandboxSettings::FromConfig(const ConfigSection& section) {
  SandboxSettings settings;
  if (!section.present()) return settings;
  L2MAC_RETURN_IF_ERROR(
      section.RejectUnknownKeys({"mode", "bwrap", "cpu_seconds", "memory_mb", "max_processes",
                                 "max_file_mb", "network", "drop_privileges"}));
  L2MAC_ASSIGN_OR_RETURN(auto mode, section.GetString("mode"));
  if (mode) {
    if (*mode == "auto") {
      settings.request = SandboxRequest::kAuto;
    } else if (*mode == "bubblewrap") {
      settings.request = SandboxRequest::kBubblewrap;
    } else if (*mode == "off") {
      settings.request = SandboxRequest::kOff;
    } else {
      return section.Error("mode", "must be \"auto\", \"bubblewrap\" or \"off\"");
    }
  }
  L2MAC_ASSIGN_OR_RETURN(auto bwrap, section.GetString("bwrap"));
  if (bwrap) settings.bwrap = *bwrap;
  struct Bound {
    const char* key;
    int64_t* target;
    int64_t scale;
    int64_t min;
    int64_t max;
  };
  for (const Bound& bound :
       {Bound{"cpu_seconds", &settings.limits.cpu_seconds, 1, 1, 86400},
        Bound{"memory_mb", &settings.limits.memory_bytes, int64_t{1} << 20, 16, 1 << 20},
        Bound{"max_processes", &settings.limits.max_processes, 1, 8, 1 << 20},
        Bound{"max_file_mb", &settings.limits.max_file_bytes, int64_t{1} << 20, 1, 1 << 24}}) {
    L2MAC_ASSIGN_OR_RETURN(auto value, section.GetInteger(bound.key));
    if (!value) continue;
    if (*value < bound.min || *value > bound.max) {
      return section.Error(bound.key, "must be between " + std::to_string(bound.min) + " and " +
                                          std::to_string(bound.max));
    }
    *bound.target = *value * bound.scale;
  }
  L2MAC_ASSIGN_OR_RETURN(auto network, section.GetBool("network"));
  if (network) settings.network = *network;
  L2MAC_ASSIGN_OR_RETURN(auto drop, section.GetBool("drop_privileges"));
  if (drop) settings.drop_privileges = *drop;
  return settings;
}

Result<std::shared_ptr<const Sandbox>> Sandbox::Create(const SandboxSettings& settings,
                                                       SandboxWarning warning) {
  std::shared_ptr<Sandbox> sandbox(new Sandbox());
  sandbox->settings_ = settings;
  if (settings.request == SandboxRequest::kOff) {
    sandbox->fallback_reason_ = "the sandbox is turned off in the configuration (sandbox.mode)";
    return std::shared_ptr<const Sandbox>(std::move(sandbox));
  }
  std::string name = settings.bwrap;
  if (name.empty()) {
    const char* from_env = std::getenv("L2MAC_BWRAP");
    name = from_env != nullptr && *from_env != '\0' ? from_env : "bwrap";
  }
  std::optional<RunAs> run_as;
  if (::geteuid() == 0 && settings.drop_privileges) {
    run_as = RunAs{settings.unprivileged_uid, settings.unprivileged_gid};
  }
  ProbeResult probe = CachedProbe(name, run_as);
  // As root, bubblewrap may still work where the unprivileged uid cannot create a user
  // namespace; Run() then keeps root inside the namespaces.
  if (!probe.works && run_as) probe = CachedProbe(name, std::nullopt);
  if (probe.works) {
    sandbox->mode_ = SandboxMode::kBubblewrap;
    sandbox->bwrap_path_ = probe.path;
    return std::shared_ptr<const Sandbox>(std::move(sandbox));
  }
  if (settings.request == SandboxRequest::kBubblewrap) {
    return Status::FailedPrecondition(probe.reason +
                                      " (sandbox.mode is \"bubblewrap\"; set it to \"auto\" to "
                                      "allow the weaker fallback)");
  }
  sandbox->fallback_reason_ = probe.reason;
  sandbox->fallback_warning_ =
      "sandbox: " + probe.reason +
      "; checks run with resource limits and a process group only (no namespaces)";
  if (warning == SandboxWarning::kLog) WarnOnce(sandbox->fallback_warning_);
  return std::shared_ptr<const Sandbox>(std::move(sandbox));
}

std::string Sandbox::DescribeMode() const {
  if (mode_ == SandboxMode::kBubblewrap) return "bubblewrap (" + bwrap_path_ + ")";
  return "fallback: resource limits and a process group (" + fallback_reason_ + ")";
}

bool Sandbox::HandsOver(const std::filesystem::path& root) const {
  if (::geteuid() != 0 || !settings_.drop_privileges) return false;
  const RunAs run_as{settings_.unprivileged_uid, settings_.unprivileged_gid};
  if (!ReachableBy(root, run_as.uid, false)) return false;
  return mode_ != SandboxMode::kBubblewrap || CachedProbe(bwrap_path_, run_as).works;
}

Status Sandbox::HandOver(const std::filesystem::path& path, bool recursive) const {
  if (::geteuid() != 0 || !settings_.drop_privileges) return Status::Ok();
  const uid_t uid = settings_.unprivileged_uid;
  const gid_t gid = settings_.unprivileged_gid;
  if (recursive) return HandOverTree(path, uid, gid);
  if (::lchown(path.c_str(), uid, gid) != 0) {
    return Status::IoError("cannot hand " + path.string() + " to uid " + std::to_string(uid) +
                           " for the sandbox");
  }
  return Status::Ok();
}

Result<SandboxResult> Sandbox::Run(const SandboxCommand& command) const {
  if (command.argv.empty()) return Status::InvalidArgument("Sandbox::Run needs a command");
  std::error_code error;
  const fs::path root = fs::absolute(command.root, error);
  if (error || !fs::is_directory(root, error)) {
    return Status::NotFound("the sandbox folder " + command.root.string() + " does not exist");
  }
  const fs::path cwd = command.cwd.empty() ? root : fs::absolute(command.cwd, error);

  // Unprivileged when the command and its folder are reachable for the unprivileged uid;
  // a toolchain under root's home (rustup) keeps root, contained by the namespaces only.
  std::optional<RunAs> run_as;
  if (::geteuid() == 0 && settings_.drop_privileges) {
    std::string path_list = EnvValue(command.env, "PATH");
    if (path_list.empty()) path_list = ParentPath();
    const std::string executable = ResolveExecutable(command.argv.front(), path_list);
    const uid_t uid = settings_.unprivileged_uid;
    if (!executable.empty() && ReachableBy(executable, uid, true) &&
        ReachableBy(root, uid, false)) {
      run_as = RunAs{uid, settings_.unprivileged_gid};
    }
  }
  if (run_as && mode_ == SandboxMode::kBubblewrap && !CachedProbe(bwrap_path_, run_as).works) {
    run_as.reset();
  }
  if (run_as && !command.root_handed_over) {
    L2MAC_RETURN_IF_ERROR(HandOverTree(root, run_as->uid, run_as->gid));
  } else if (!run_as && command.root_handed_over && ::geteuid() == 0) {
    // This tool is reachable for root only (rustup under /root), and bubblewrap drops
    // root's power over others' files: the folder goes back to root. Its keeper sees the
    // owner change and hands it over again (CheckTree).
    L2MAC_RETURN_IF_ERROR(HandOverTree(root, 0, 0));
  }

  ProcessOptions options;
  if (mode_ == SandboxMode::kBubblewrap) {
    options.argv = BaseBwrapArgs(bwrap_path_, settings_.network);
    for (const std::string& arg : {std::string("--bind"), root.string(), root.string(),
                                   std::string("--chdir"), cwd.string(), std::string("--")}) {
      options.argv.push_back(arg);
    }
    options.argv.insert(options.argv.end(), command.argv.begin(), command.argv.end());
  } else {
    options.argv = command.argv;
    options.cwd = cwd.string();
  }
  options.env = command.env;
  options.timeout = command.timeout;
  options.max_output_bytes = command.max_output_bytes;
  options.limits = RlimitsFor(settings_.limits);
  options.run_as = run_as;
  options.cancel = command.cancel;
  L2MAC_ASSIGN_OR_RETURN(ProcessResult run, RunProcess(options));
  if (run.cancelled) {
    return Status::Cancelled("`" + command.argv.front() + "` was stopped: l2mac was interrupted");
  }

  SandboxResult result;
  result.mode = mode_;
  result.ran_unprivileged = run_as.has_value();
  result.exit_code = run.exit_code;
  result.term_signal = run.term_signal;
  result.output_truncated = run.output_truncated;
  result.wall_time = run.wall_time;
  result.output = std::move(run.output);
  if (run.timed_out) result.end = SandboxEnd::kTimedOut;
  if (mode_ == SandboxMode::kBubblewrap && !run.timed_out && run.term_signal == 0) {
    // bubblewrap's own setup errors: exit status 1 and a "bwrap: " line before any output.
    if (run.exit_code == 1 && result.output.rfind("bwrap: ", 0) == 0) {
      return Status::FailedPrecondition(
          "the sandbox could not start `" + command.argv.front() +
          "`: " + result.output.substr(0, result.output.find('\n')) +
          "; check that the folder and the command exist, or run `l2mac doctor`");
    }
    // bubblewrap exits with 128+N when the command was killed by signal N.
    if (run.exit_code > 128 && run.exit_code < 128 + 65) {
      result.term_signal = run.exit_code - 128;
      result.exit_code = -1;
    }
  }
  Classify(settings_.limits, result);
  if (result.end == SandboxEnd::kExited && result.term_signal != 0) {
    result.end = SandboxEnd::kSignaled;
  }
  return result;
}

}  // namespace l2mac
