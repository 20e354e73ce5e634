// Running the real l2mac binary (and pytest) as subprocesses for the scenario tests
// (header-only test support).
//
// A child gets the test process's environment without any model configuration (the
// API keys and base URLs l2mac reads, L2MAC_MODEL and L2MAC_CONFIG are removed, and
// XDG_CONFIG_HOME points nowhere, so a developer's own key, server or configuration file
// can never reach a test run) plus what the test adds. Output is captured;
// a child that outlives its timeout is killed with SIGKILL and reported as timed out, so a hang
// fails the test instead of blocking CI. A test may also kill the child itself (pid()) to simulate
// a crash.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.hpp"

extern char** environ;

namespace l2mac::scenario {

inline constexpr const char* kL2macBinary = L2MAC_BINARY;
inline constexpr const char* kSourceDir = L2MAC_SOURCE_DIR;
// The interpreter that has pytest on the test machines (l2mac finds it on its own).
inline constexpr const char* kPythonWithPytest = "/usr/bin/python3";

struct ProcessOutcome {
  int exit_code = -1;   // when the process exited
  int term_signal = 0;  // when a signal ended it
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};

  // For assertion messages: how it ended and what it printed on stderr.
  std::string Describe() const {
    std::ostringstream text;
    if (timed_out) text << "timed out; ";
    if (term_signal != 0) {
      text << "killed by signal " << term_signal;
    } else {
      text << "exit status " << exit_code;
    }
    text << " after " << elapsed.count() << " ms\n--- stderr ---\n"
         << err << "--- stdout (first 2000 bytes) ---\n"
         << out.substr(0, 2000);
    return text.str();
  }
};

// Environment changes for a child: variables to set, and variables to remove.
struct ChildEnv {
  std::map<std::string, std::string> set;
  std::set<std::string> unset;
};

class Subprocess {
 public:
  struct PassKey {
   private:
    PassKey() = default;
    friend class Subprocess;
  };
  Subprocess(PassKey, pid_t pid, int out_fd, int err_fd)
      : pid_(pid), out_fd_(out_fd), err_fd_(err_fd), start_(std::chrono::steady_clock::now()) {}
  ~Subprocess() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Starts argv (argv[0] a path) with the test environment changed by `env`, stdin from
  // /dev/null, in `cwd` when given.
  static Result<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv,
                                                   const ChildEnv& env = {},
                                                   const std::filesystem::path& cwd = {}) {
    std::set<std::string> removed = {
        "OPENAI_API_KEY",     "OPENAI_BASE_URL",      "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
        "OPENROUTER_API_KEY", "AZURE_OPENAI_API_KEY", "L2MAC_BASE_URL",    "L2MAC_MODEL",
        "L2MAC_CONFIG",       "XDG_CONFIG_HOME"};
    removed.insert(env.unset.begin(), env.unset.end());
    std::vector<std::string> env_strings;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string item = *entry;
      std::string name = item.substr(0, item.find('='));
      if (removed.count(name) == 0 && env.set.count(name) == 0) env_strings.push_back(item);
    }
    for (const auto& [name, value] : env.set) env_strings.push_back(name + "=" + value);
    // A developer's own ~/.config/l2mac/config.json must not change a test's run either.
    if (env.set.count("XDG_CONFIG_HOME") == 0) {
      env_strings.push_back("XDG_CONFIG_HOME=/nonexistent/l2mac-test-config");
    }

    std::vector<std::string> argv_strings = argv;
    std::vector<char*> argv_ptrs;
    for (auto& arg : argv_strings) argv_ptrs.push_back(arg.data());
    argv_ptrs.push_back(nullptr);
    std::vector<char*> env_ptrs;
    for (auto& item : env_strings) env_ptrs.push_back(item.data());
    env_ptrs.push_back(nullptr);

    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
      return Status::IoError(std::string("pipe: ") + std::strerror(errno));
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
      ::close(out_pipe[0]);
      ::close(out_pipe[1]);
      return Status::IoError(std::string("pipe: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    std::string cwd_text = cwd.string();
    if (!cwd_text.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd_text.c_str());
    pid_t pid = 0;
    int rc =
        ::posix_spawn(&pid, argv_ptrs[0], &actions, nullptr, argv_ptrs.data(), env_ptrs.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
      ::close(out_pipe[0]);
      ::close(err_pipe[0]);
      return Status::IoError("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
    return std::make_unique<Subprocess>(PassKey{}, pid, out_pipe[0], err_pipe[0]);
  }

  pid_t pid() const { return pid_; }

  // Collects output until the process ends. It is killed (SIGKILL) when `timeout` passes
  // or as soon as `kill_when` (polled every few milliseconds) returns true.
  ProcessOutcome Wait(std::chrono::milliseconds timeout,
                      const std::function<bool()>& kill_when = {}) {
    ProcessOutcome outcome;
    auto deadline = start_ + timeout;
    bool killed = false;
    while (!reaped_) {
      pollfd fds[2];
      nfds_t count = 0;
      for (int fd : {out_fd_, err_fd_}) {
        if (fd >= 0) fds[count++] = pollfd{fd, POLLIN, 0};
      }
      if (count > 0) {
        ::poll(fds, count, 10);
      } else {
        ::usleep(10000);
      }
      Drain(outcome);
      int status = 0;
      pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        reaped_ = true;
        if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) outcome.term_signal = WTERMSIG(status);
        break;
      }
      if (!killed && kill_when && kill_when()) {
        ::kill(pid_, SIGKILL);
        killed = true;
      }
      if (!killed && std::chrono::steady_clock::now() > deadline) {
        outcome.timed_out = true;
        ::kill(pid_, SIGKILL);
        killed = true;
      }
    }
    // What the process wrote before it ended is in the pipes; a grandchild that still
    // holds them open must not keep us waiting, so read only what is there.
    Drain(outcome);
    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start_);
    return outcome;
  }

 private:
  // Reads what is available from both pipes without blocking; closes a pipe at EOF.
  void Drain(ProcessOutcome& outcome) {
    char buffer[65536];
    for (auto [fd, sink] : {std::pair<int*, std::string*>{&out_fd_, &outcome.out},
                            std::pair<int*, std::string*>{&err_fd_, &outcome.err}}) {
      while (*fd >= 0) {
        ssize_t n = ::read(*fd, buffer, sizeof buffer);
        if (n > 0) {
          sink->append(buffer, static_cast<size_t>(n));
          continue;
        }
        if (n == 0) {
          ::close(*fd);
          *fd = -1;
        }
        break;  // EAGAIN (nothing more now), EINTR or an error: try again later
      }
    }
  }

  pid_t pid_;
  int out_fd_;
  int err_fd_;
  std::chrono::steady_clock::time_point start_;
  bool reaped_ = false;
};

inline constexpr std::chrono::milliseconds kDefaultTimeout{60000};

// `l2mac args...` started (not waited for); kill it through pid() to simulate a crash.
inline Result<std::unique_ptr<Subprocess>> StartL2mac(const std::vector<std::string>& args,
                                                      const ChildEnv& env = {}) {
  std::vector<std::string> argv = {kL2macBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return Subprocess::Start(argv, env);
}

// Runs `l2mac args...` to the end (or the timeout).
inline ProcessOutcome RunL2mac(const std::vector<std::string>& args, const ChildEnv& env = {},
                               std::chrono::milliseconds timeout = kDefaultTimeout) {
  auto child = StartL2mac(args, env);
  if (!child.ok()) {
    ProcessOutcome failed;
    failed.err = child.status().ToString();
    return failed;
  }
  return (*child)->Wait(timeout);
}

// Runs pytest on the project in `dir` with the interpreter that has it.
inline ProcessOutcome RunPytest(const std::filesystem::path& dir) {
  ChildEnv env;
  env.set["PYTHONDONTWRITEBYTECODE"] = "1";
  auto child = Subprocess::Start(
      {kPythonWithPytest, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="}, env,
      dir);
  if (!child.ok()) {
    ProcessOutcome failed;
    failed.err = child.status().ToString();
    return failed;
  }
  return (*child)->Wait(kDefaultTimeout);
}

// `l2mac status DIR --json`, parsed; a JSON object {"error": ...} when that fails.
inline nlohmann::json StatusJson(const std::filesystem::path& out_dir) {
  ProcessOutcome run = RunL2mac({"status", out_dir.string(), "--json"});
  if (run.exit_code != 0) return {{"error", run.Describe()}};
  auto doc = nlohmann::json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return {{"error", "status --json printed invalid JSON: " + run.out}};
  return doc;
}

// The instruction with `id` in a StatusJson() document; {"error": ...} when absent.
inline nlohmann::json StatusOf(const nlohmann::json& status, const std::string& id) {
  if (status.contains("instructions")) {
    for (const auto& item : status["instructions"]) {
      if (item.value("id", "") == id) return item;
    }
  }
  return {{"error", "no instruction '" + id + "' in " + status.dump()}};
}

// The lines of a JSONL text, each parsed (a discarded value for an invalid line).
inline std::vector<nlohmann::json> ParseJsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    lines.push_back(nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
  }
  return lines;
}

}  // namespace l2mac::scenario
