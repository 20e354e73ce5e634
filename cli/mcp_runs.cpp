#include "cli/mcp_runs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "cli/exit_codes.hpp"
#include "control_unit/workspace.hpp"

extern char** environ;

namespace l2mac::cli {

RunRegistry::~RunRegistry() { Shutdown(); }

Result<ManagedRun*> RunRegistry::ById(const std::string& id) {
  std::string known;
  for (const auto& run : runs_) {
    if (run->id == id) return run.get();
    known += (known.empty() ? "" : ", ") + run->id;
  }
  return Status::NotFound("no run '" + id + "' in this server (" +
                          (known.empty() ? std::string("none started yet") : "known: " + known) +
                          "); start one with start_run, or pass the run's output folder as "
                          "\"out\"");
}

ManagedRun& RunRegistry::ByFolder(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(dir, ec).lexically_normal();
  if (ec) absolute = dir;
  if (!absolute.empty() && !absolute.has_filename()) absolute = absolute.parent_path();
  for (const auto& run : runs_) {
    if (run->dir == absolute) return *run;
  }
  auto run = std::make_unique<ManagedRun>();
  run->id = "run-" + std::to_string(next_id_++);
  run->dir = absolute;
  run->log = control_unit::Workspace::StatePath(absolute).parent_path() / "mcp-run.log";
  runs_.push_back(std::move(run));
  return *runs_.back();
}

bool RunRegistry::Active(const ManagedRun& run) const {
  return run.running || control_unit::Workspace::IsBusy(run.dir);
}

Status RunRegistry::Spawn(ManagedRun& run, const std::string& command,
                          const std::vector<std::string>& args) {
  Reap();
  if (run.running) {
    return Status::FailedPrecondition("run " + run.id + " is still working in " + run.dir.string() +
                                      "; wait for it (wait_run) or cancel it (cancel_run) first");
  }
  if (control_unit::Workspace::IsBusy(run.dir)) {
    return Status::FailedPrecondition("another l2mac process is working in " + run.dir.string() +
                                      "; wait for it to finish or stop it there first");
  }
  std::error_code ec;
  std::filesystem::create_directories(run.log.parent_path(), ec);
  if (ec) {
    return Status::IoError("cannot create " + run.log.parent_path().string() + ": " + ec.message() +
                           "; choose an output folder you can write to");
  }
  std::vector<std::string> argv_strings = {exe_.string(), command};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::string log = run.log.string();
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group: a Ctrl-C meant for the client or the server reaches the run
  // only through Interrupt(). Signals the server ignores or catches start as default.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Status::IoError("cannot start " + exe_.string() + " " + command + ": " +
                           std::strerror(rc));
  }
  run.pid = pid;
  run.running = true;
  run.cancel_requested = false;
  run.exited = false;
  run.exit_code = -1;
  run.term_signal = 0;
  run.command = command;
  return Status::Ok();
}

Status RunRegistry::Interrupt(ManagedRun& run) {
  Reap();
  if (!run.running) {
    if (control_unit::Workspace::IsBusy(run.dir)) {
      return Status::FailedPrecondition(
          "the process working in " + run.dir.string() +
          " was not started by this server; stop it where it was started (Ctrl-C)");
    }
    return Status::FailedPrecondition("run " + run.id +
                                      " is not running; resume it with resume_run");
  }
  // One SIGINT only: a second one makes l2mac exit at once instead of at a safe point.
  if (run.cancel_requested) return Status::Ok();
  if (::kill(run.pid, SIGINT) != 0) {
    return Status::Internal(std::string("cannot signal the run's process: ") +
                            std::strerror(errno));
  }
  run.cancel_requested = true;
  return Status::Ok();
}

void RunRegistry::Reap() {
  for (const auto& run : runs_) {
    if (!run->running) continue;
    int status = 0;
    pid_t done = ::waitpid(run->pid, &status, WNOHANG);
    if (done != run->pid) continue;
    run->running = false;
    run->exited = true;
    run->pid = 0;
    if (WIFEXITED(status)) run->exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) run->term_signal = WTERMSIG(status);
  }
}

void RunRegistry::Shutdown(std::chrono::milliseconds grace) {
  Reap();
  bool any = false;
  for (const auto& run : runs_) {
    if (!run->running) continue;
    // Already asked to stop: a second SIGINT would make it exit at once, unsafely.
    if (!run->cancel_requested) ::kill(run->pid, SIGINT);
    run->cancel_requested = true;
    any = true;
  }
  if (!any) return;
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    Reap();
    bool left = false;
    for (const auto& run : runs_) left = left || run->running;
    if (!left) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (const auto& run : runs_) {
    if (!run->running) continue;
    ::kill(run->pid, SIGKILL);
    int status = 0;
    ::waitpid(run->pid, &status, 0);
    run->running = false;
    run->exited = true;
    run->term_signal = SIGKILL;
    run->pid = 0;
  }
}

std::string ExitMeaning(int exit_code) {
  switch (exit_code) {
    case kExitOk:
      return "completed: every instruction committed";
    case kExitUsage:
      return "usage error or no model configured: check the model settings (preset, model, "
             "base_url, api_key_env) and the log";
    case kExitBadInput:
      return "malformed input (spec, config): fix what the log names and start again";
    case kExitModel:
      return "the model could not be used (auth, not found, unreachable): check the model "
             "settings and the key variable, then resume_run";
    case kExitIncomplete:
      return "incomplete: some instructions failed or a budget was reached; read run_status "
             "for the failures and its next steps";
    case kExitWorkspace:
      return "the output folder is unusable (holds another run, is busy or cannot be "
             "created): choose another folder or resume_run";
    case kExitIo:
      return "file system error or damaged state database: see the log";
    case kExitEnvironment:
      return "a tool the checks need is missing: run `l2mac doctor` on this machine";
    case kExitInterrupted:
      return "interrupted at a safe point: resumable with resume_run";
    default:
      return "internal error (a bug in l2mac): see the log";
  }
}

std::string LogTail(const std::filesystem::path& log, size_t max_bytes) {
  std::ifstream in(log, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                             ? size - static_cast<std::streamoff>(max_bytes)
                             : 0;
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (start > 0) {
    size_t newline = text.find('\n');
    text = newline == std::string::npos ? text : text.substr(newline + 1);
  }
  return text;
}

}  // namespace l2mac::cli
