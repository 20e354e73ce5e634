#include "core/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace l2mac {
namespace {

using Clock = std::chrono::steady_clock;

// How often the parent checks whether the child has exited while its output pipe is still
// open (a grandchild may hold it).
constexpr int kPollTickMs = 20;
// After the child is gone and its group killed, how long the parent keeps reading what is
// left in the pipe before giving up on writers outside the group.
constexpr std::chrono::milliseconds kDrainBound{500};

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string ErrnoText(int err) {
  char buffer[256];
  // GNU strerror_r returns the message, which may or may not live in `buffer`.
  return ::strerror_r(err, buffer, sizeof buffer);
}

Status MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Status::IoError("cannot create a pipe for a subprocess: " + ErrnoText(errno) +
                           "; the process may be out of file descriptors (raise `ulimit -n`)");
  }
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return Status::Ok();
}

// Moves a descriptor to 3 or above, so that the child's dup2 onto 0, 1 and 2 cannot clobber
// it or leave it marked close-on-exec (when the parent runs with stdio closed).
Status KeepAboveStdio(Fd& fd) {
  if (fd.get() > STDERR_FILENO) return Status::Ok();
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (moved < 0) {
    return Status::IoError("cannot duplicate a descriptor for a subprocess: " + ErrnoText(errno) +
                           "; the process may be out of file descriptors (raise `ulimit -n`)");
  }
  fd.reset(moved);
  return Status::Ok();
}

// The value of NAME in a NAME=value list, or nullopt when absent.
std::optional<std::string> FindVariable(const std::vector<std::string>& env,
                                        const std::string& name) {
  const std::string prefix = name + "=";
  for (const std::string& entry : env) {
    if (entry.compare(0, prefix.size(), prefix) == 0) return entry.substr(prefix.size());
  }
  return std::nullopt;
}

// The paths the child tries to execute, in order, following execvp's rules: a name with a
// '/' is used as is; otherwise each PATH entry is tried (an empty entry means the current
// directory, which is the child's working directory because the child changes to it first).
std::vector<std::string> ExecutableCandidates(const std::string& program,
                                              const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return {program};
  std::optional<std::string> path = FindVariable(env, "PATH");
  if (!path) {
    const char* parent_path = std::getenv("PATH");
    path = parent_path != nullptr ? std::string(parent_path) : std::string("/usr/bin:/bin");
  }
  std::vector<std::string> candidates;
  size_t start = 0;
  while (true) {
    const size_t end = path->find(':', start);
    std::string dir =
        path->substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dir.empty()) dir = ".";
    candidates.push_back(dir + "/" + program);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return candidates;
}

// What the child reports through the error pipe when it cannot exec.
struct ChildFailure {
  int stage;  // kStageChdir or kStageExec
  int error;  // errno
};
constexpr int kStageChdir = 1;
constexpr int kStageExec = 2;
constexpr int kStageLimits = 3;
constexpr int kStageIdentity = 4;

// Runs in the child between fork and exec: only async-signal-safe calls, no allocation.
[[noreturn]] void ExecChild(int output_fd, int null_fd, int error_fd, const char* cwd,
                            const std::vector<char*>& candidates, char* const* argv,
                            char* const* envp, const sigset_t& empty_mask,
                            const std::vector<ResourceLimit>& limits,
                            const std::optional<RunAs>& run_as) {
  ::setpgid(0, 0);
  ChildFailure failure{0, 0};
  auto report = [&](int stage, int err) {
    failure.stage = stage;
    failure.error = err;
    const char* bytes = reinterpret_cast<const char*>(&failure);
    size_t left = sizeof failure;
    while (left > 0) {
      const ssize_t n = ::write(error_fd, bytes, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      bytes += n;
      left -= static_cast<size_t>(n);
    }
    ::_exit(127);
  };

  // Signals the parent ignores or blocks would otherwise stay ignored or blocked in the
  // command (an ignored SIGPIPE breaks `yes | head`).
  struct sigaction default_action;
  std::memset(&default_action, 0, sizeof default_action);
  default_action.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGXFSZ, SIGUSR1, SIGUSR2}) {
    ::sigaction(sig, &default_action, nullptr);
  }
  ::sigprocmask(SIG_SETMASK, &empty_mask, nullptr);

  if (::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(output_fd, STDOUT_FILENO) < 0 ||
      ::dup2(output_fd, STDERR_FILENO) < 0) {
    report(kStageExec, errno);
  }
#ifdef SYS_close_range
  // Descriptors the parent opened without O_CLOEXEC (sockets, databases) must not reach
  // the command. Failure (an old kernel) leaves them as they are.
  constexpr unsigned int kCloseRangeCloexec = 1U << 2;
  ::syscall(SYS_close_range, 3U, ~0U, kCloseRangeCloexec);
#endif
  for (const ResourceLimit& limit : limits) {
    rlimit value{static_cast<rlim_t>(limit.soft), static_cast<rlim_t>(limit.hard)};
    if (::setrlimit(limit.resource, &value) != 0) report(kStageLimits, errno);
  }
  if (run_as) {
    // Groups first: once the uid is dropped, changing them is no longer allowed.
    if (::setgroups(0, nullptr) != 0 || ::setgid(run_as->gid) != 0 || ::setuid(run_as->uid) != 0) {
      report(kStageIdentity, errno);
    }
  }
  if (cwd != nullptr && ::chdir(cwd) != 0) report(kStageChdir, errno);

  int first_error = ENOENT;
  bool denied = false;
  for (char* candidate : candidates) {
    ::execve(candidate, argv, envp);
    const int err = errno;
    if (err == EACCES) {
      denied = true;
    } else if (err != ENOENT && err != ENOTDIR && err != ESTALE && err != ENODEV &&
               err != ETIMEDOUT) {
      first_error = err;
      break;
    }
  }
  report(kStageExec, denied && first_error == ENOENT ? EACCES : first_error);
  ::_exit(127);  // not reached: report() exits
}

Status SpawnFailure(const ProcessOptions& options, const ChildFailure& failure) {
  const std::string& program = options.argv.front();
  if (failure.stage == kStageChdir) {
    return Status::NotFound("cannot start `" + program + "`: cannot change to working directory " +
                            options.cwd + ": " + ErrnoText(failure.error) +
                            "; create the directory or pass an existing one");
  }
  if (failure.stage == kStageLimits) {
    return Status::FailedPrecondition(
        "cannot start `" + program + "`: cannot set its resource limits: " +
        ErrnoText(failure.error) + "; lower the configured sandbox limits");
  }
  if (failure.stage == kStageIdentity) {
    return Status::FailedPrecondition("cannot start `" + program + "` as uid " +
                                      std::to_string(options.run_as ? options.run_as->uid : 0) +
                                      ": " + ErrnoText(failure.error) +
                                      "; run l2mac as root or disable the privilege drop");
  }
  if (failure.error == ENOENT || failure.error == ENOTDIR) {
    const bool searched_path = program.find('/') == std::string::npos;
    return Status::NotFound(
        "cannot start `" + program + "`: executable not found" +
        (searched_path ? std::string(" in the PATH given to the process") : std::string()) +
        "; install it or pass its full path");
  }
  return Status::FailedPrecondition("cannot start `" + program + "`: " + ErrnoText(failure.error) +
                                    "; check that the file is an executable for this system "
                                    "and that it is readable and executable");
}

// Reads the child's exec report: nothing (EOF) when the exec succeeded.
std::optional<ChildFailure> ReadChildFailure(int error_fd) {
  ChildFailure failure{0, 0};
  char* bytes = reinterpret_cast<char*>(&failure);
  size_t got = 0;
  while (got < sizeof failure) {
    const ssize_t n = ::read(error_fd, bytes + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == sizeof failure) return failure;
  return std::nullopt;
}

// Keeps at most `limit` bytes of what the child writes; drops the rest.
class OutputSink {
 public:
  OutputSink(ProcessResult& result, size_t limit) : result_(result), limit_(limit) {}

  // Reads once from a readable (or hung-up) pipe. Returns false at EOF or on error.
  bool ReadOnce(int fd) {
    char buffer[65536];
    while (true) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      if (n <= 0) return false;
      Append(buffer, static_cast<size_t>(n));
      return true;
    }
  }

 private:
  void Append(const char* data, size_t size) {
    const size_t room = limit_ - result_.output.size();
    if (size > room) {
      result_.output.append(data, room);
      result_.output_truncated = true;
    } else {
      result_.output.append(data, size);
    }
  }

  ProcessResult& result_;
  size_t limit_;
};

int MillisUntil(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits up to `timeout_ms` for the pipe to become readable. Returns false on timeout.
bool WaitReadable(int fd, int timeout_ms) {
  pollfd entry{fd, POLLIN, 0};
  while (true) {
    const int ready = ::poll(&entry, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

// True when the child has exited; it stays a zombie (not reaped), so its pid, which is also
// the process group id, cannot be reused before the group is killed.
bool ChildHasExited(pid_t pid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno != EINTR) return true;  // ECHILD: nothing left to wait for
  }
  return info.si_pid == pid;
}

int ReapChild(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 0;
  }
  return status;
}

}  // namespace

std::string ProcessResult::Describe() const {
  if (cancelled) return "stopped because l2mac was interrupted";
  if (timed_out) {
    const double seconds = static_cast<double>(wall_time.count()) / 1000.0;
    char buffer[64];
    if (seconds >= 10.0) {
      std::snprintf(buffer, sizeof buffer, "timed out after %.0fs", seconds);
    } else {
      std::snprintf(buffer, sizeof buffer, "timed out after %.1fs", seconds);
    }
    return buffer;
  }
  if (term_signal != 0) {
    std::string text = "killed by signal " + std::to_string(term_signal);
    if (const char* name = ::sigabbrev_np(term_signal)) text += std::string(" (SIG") + name + ")";
    return text;
  }
  return "exit status " + std::to_string(exit_code);
}

std::vector<std::string> CleanEnvironment() {
  std::vector<std::string> env;
  for (const char* name : {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}) {
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
  }
  return env;
}

Result<ProcessResult> RunProcess(const ProcessOptions& options) {
  if (options.argv.empty() || options.argv.front().empty()) {
    return Status::InvalidArgument("RunProcess needs a command: argv is empty");
  }

  // Everything the child touches is prepared here, before fork.
  std::vector<std::string> candidate_paths =
      ExecutableCandidates(options.argv.front(), options.env);
  std::vector<char*> candidates;
  for (std::string& path : candidate_paths) candidates.push_back(path.data());
  std::vector<std::string> argv_storage = options.argv;
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = options.env;
  std::vector<char*> envp;
  for (std::string& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  sigset_t empty_mask;
  sigemptyset(&empty_mask);

  Fd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_fd.valid()) {
    return Status::IoError("cannot open /dev/null for a subprocess's input: " + ErrnoText(errno));
  }
  Fd output_read, output_write, error_read, error_write;
  L2MAC_RETURN_IF_ERROR(MakePipe(output_read, output_write));
  L2MAC_RETURN_IF_ERROR(MakePipe(error_read, error_write));
  for (Fd* fd : {&null_fd, &output_read, &output_write, &error_read, &error_write}) {
    L2MAC_RETURN_IF_ERROR(KeepAboveStdio(*fd));
  }

  const Clock::time_point start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return Status::ResourceExhausted("cannot start `" + options.argv.front() +
                                     "`: fork failed: " + ErrnoText(errno) +
                                     "; too many processes or too little memory");
  }
  if (pid == 0) {
    ExecChild(output_write.get(), null_fd.get(), error_write.get(),
              options.cwd.empty() ? nullptr : options.cwd.c_str(), candidates, argv.data(),
              envp.data(), empty_mask, options.limits, options.run_as);
  }
  // Both sides set the group so that it exists before either one relies on it; the parent's
  // call fails harmlessly once the child has exec'd.
  ::setpgid(pid, pid);
  output_write.reset();
  error_write.reset();
  null_fd.reset();

  if (std::optional<ChildFailure> failure = ReadChildFailure(error_read.get())) {
    ReapChild(pid);
    return SpawnFailure(options, *failure);
  }
  error_read.reset();

  ProcessResult result;
  OutputSink sink(result, options.max_output_bytes);
  const Clock::time_point deadline = start + options.timeout;
  bool pipe_open = true;
  bool exited = false;
  // Once the pipe is closed the child is usually about to exit: check often at first.
  int idle_sleep_ms = 1;
  while (!exited) {
    const int wait_ms = std::min(MillisUntil(deadline), kPollTickMs);
    if (pipe_open && WaitReadable(output_read.get(), wait_ms)) {
      pipe_open = sink.ReadOnce(output_read.get());
    } else if (!pipe_open && wait_ms > 0) {
      ::poll(nullptr, 0, std::min(wait_ms, idle_sleep_ms));
      idle_sleep_ms = std::min(idle_sleep_ms * 2, kPollTickMs);
    }
    exited = ChildHasExited(pid);
    if (!exited && Clock::now() >= deadline) {
      result.timed_out = true;
      break;
    }
    if (!exited && IsCancelled(options.cancel)) {
      result.cancelled = true;
      break;
    }
  }

  // Kill the group while the leader is still an unreaped zombie (or, on timeout, alive):
  // its pid stays reserved, so the signal cannot reach an unrelated process group.
  ::kill(-pid, SIGKILL);
  if (result.timed_out || result.cancelled) ::kill(pid, SIGKILL);
  const int status = ReapChild(pid);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }

  // What the group wrote before dying is still in the pipe. A writer that left the group
  // could keep it open forever, so this read is bounded.
  const Clock::time_point drain_deadline = Clock::now() + kDrainBound;
  while (pipe_open) {
    const int wait_ms = MillisUntil(drain_deadline);
    if (!WaitReadable(output_read.get(), wait_ms)) break;
    pipe_open = sink.ReadOnce(output_read.get());
  }

  result.wall_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

}  // namespace l2mac
