#include "cli/mcp_command.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "cli/exit_codes.hpp"
#include "cli/mcp_server.hpp"

namespace l2mac::cli {
namespace {

constexpr int kPollMs = 200;

std::atomic<bool> g_stop{false};
void OnStop(int) { g_stop.store(true); }

// Writes all of `text` to stdout; false when the client closed it (EPIPE).
bool WriteAll(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

CLI::App* AddMcpCommand(CLI::App& app) {
  auto* command = app.add_subcommand(
      "mcp",
      "Serve the Model Context Protocol on stdin/stdout, so an agent (Claude Desktop, Claude "
      "Code, ...) can start, watch, cancel and inspect runs.");
  command->footer(
      "Register it with an MCP client, e.g. `claude mcp add l2mac -- l2mac mcp`. Tools:\n"
      "start_run, run_status, wait_run, resume_run, cancel_run, list_files, read_file,\n"
      "diff_files, write_report; the output files are resources l2mac://<run-id>/<path>.\n"
      "Each run is a child process (its log: DIR/.l2mac/mcp-run.log). When stdin ends, the\n"
      "runs still going are interrupted (resumable) and waited for. docs/CLI.md has the\n"
      "details.");
  return command;
}

int McpCommand() {
  struct sigaction stop {};
  stop.sa_handler = OnStop;
  sigemptyset(&stop.sa_mask);
  ::sigaction(SIGINT, &stop, nullptr);
  ::sigaction(SIGTERM, &stop, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, nullptr);

  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) exe = "/proc/self/exe";
  McpServer server(exe, [](const std::string& line) { return WriteAll(line + "\n"); });
  jsonrpc::LineSplitter splitter(server.max_message_bytes());
  spdlog::info("mcp: serving on stdin/stdout");
  char buffer[65536];
  bool eof = false;
  int status = kExitOk;
  while (!eof && !g_stop.load() && !server.closed()) {
    pollfd input{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&input, 1, kPollMs);
    if (ready < 0 && errno != EINTR) {
      spdlog::error("mcp: cannot wait for stdin: {}", std::strerror(errno));
      status = kExitInternal;
      break;
    }
    if (ready > 0) {
      ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n < 0 && errno != EINTR && errno != EAGAIN) {
        spdlog::error("mcp: cannot read stdin: {}", std::strerror(errno));
        status = kExitInternal;
        break;
      }
      if (n == 0) {
        eof = true;
        if (auto last = splitter.Finish()) server.HandleLine(*last);
      } else if (n > 0) {
        for (const auto& line : splitter.Feed(std::string_view(buffer, static_cast<size_t>(n)))) {
          server.HandleLine(line);
        }
      }
    }
    server.Poll();
  }
  spdlog::info("mcp: stopping; runs still going are interrupted (resumable)");
  server.Shutdown();
  return status;
}

}  // namespace l2mac::cli
