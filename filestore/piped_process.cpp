#include "filestore/piped_process.hpp"

#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>

namespace l2mac::filestore {
namespace {

constexpr size_t kBufferBytes = 1 << 16;

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

Result<std::unique_ptr<PipedProcess>> PipedProcess::Start(const std::vector<std::string>& argv,
                                                          const std::vector<std::string>& env) {
  if (argv.empty()) return Status::InvalidArgument("PipedProcess::Start needs a command");
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    return Status::IoError(std::string("cannot create a pipe for `") + argv[0] +
                           "`: " + std::strerror(errno));
  }
  std::FILE* output = std::tmpfile();
  if (output == nullptr) {
    ::close(sockets[0]);
    ::close(sockets[1]);
    return Status::IoError(std::string("cannot create a temporary file for the output of `") +
                           argv[0] + "`: " + std::strerror(errno) + "; check TMPDIR");
  }
  // The child needs only its end of the socket (as stdin) and the output file.
  ::shutdown(sockets[1], SHUT_WR);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sockets[1], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fileno(output), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fileno(output), STDERR_FILENO);
  auto args = CStrings(argv);
  auto envp = CStrings(env);
  pid_t pid = -1;
  int error = ::posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(sockets[1]);
  if (error != 0) {
    ::close(sockets[0]);
    std::fclose(output);
    return Status::NotFound("cannot start `" + argv[0] + "`: " + std::strerror(error) +
                            "; install it (Debian: apt-get install " + argv[0] + ")");
  }
  return std::make_unique<PipedProcess>(PassKey(), pid, sockets[0], output, argv[0]);
}

PipedProcess::~PipedProcess() {
  if (input_ >= 0) ::close(input_);
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (output_ != nullptr) std::fclose(output_);
}

Status PipedProcess::Write(std::string_view bytes) {
  if (buffer_.size() + bytes.size() > kBufferBytes) L2MAC_RETURN_IF_ERROR(Flush());
  if (bytes.size() > kBufferBytes) {
    buffer_.assign(bytes);
    return Flush();
  }
  buffer_.append(bytes);
  return Status::Ok();
}

Status PipedProcess::Flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::send(input_, buffer_.data() + done, buffer_.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::IoError("`" + name_ + "` stopped reading its input (" + std::strerror(errno) +
                             "); its output follows when it exits");
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return Status::Ok();
}

Result<std::string> PipedProcess::Finish() {
  Status flushed = Flush();
  ::close(input_);
  input_ = -1;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  std::string output;
  std::rewind(output_);
  char chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, output_)) > 0 && output.size() < (1 << 20)) {
    output.append(chunk, n);
  }
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok || !flushed.ok()) {
    std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status));
    return Status::FailedPrecondition("`" + name_ + "` failed (" + how + "): " + output);
  }
  return output;
}

}  // namespace l2mac::filestore
