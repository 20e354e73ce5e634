#include "core/process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/core/cancel_after.hpp"

namespace l2mac {
namespace {

using std::chrono::milliseconds;

ProcessOptions Shell(const std::string& script) {
  ProcessOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.env = CleanEnvironment();
  options.timeout = milliseconds(10000);
  return options;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// True once the process with this pid has died: it no longer exists, or it is a zombie
// waiting for a parent (in a container, pid 1 may never reap it).
bool ProcessIsGone(pid_t pid) {
  const std::string stat_path = "/proc/" + std::to_string(pid) + "/stat";
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat(stat_path);
    std::string line;
    if (!stat || !std::getline(stat, line)) return true;
    const size_t close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return false;
}

TEST(ProcessTest, CapturesStdout) {
  ProcessOptions options;
  options.argv = {"echo", "hello", "world"};
  options.env = CleanEnvironment();
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->output, "hello world\n");
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_TRUE(result->succeeded());
  EXPECT_FALSE(result->output_truncated);
  EXPECT_EQ(result->Describe(), "exit status 0");
}

TEST(ProcessTest, ReportsExitCode) {
  Result<ProcessResult> result = RunProcess(Shell("exit 3"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->term_signal, 0);
  EXPECT_FALSE(result->succeeded());
  EXPECT_EQ(result->Describe(), "exit status 3");
}

TEST(ProcessTest, MergesStderrIntoOutputInOrder) {
  Result<ProcessResult> result = RunProcess(Shell("echo one; echo two >&2; echo three"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->output, "one\ntwo\nthree\n");
}

TEST(ProcessTest, StdinIsEmpty) {
  Result<ProcessResult> result = RunProcess(Shell("cat; echo end"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->output, "end\n");
  EXPECT_LT(result->wall_time, milliseconds(5000));
}

TEST(ProcessTest, WorksWhenTheParentHasNoStdin) {
  // With fd 0 closed, the next descriptor opened by the runner is 0 itself.
  const int saved_stdin = ::dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ::close(STDIN_FILENO);
  Result<ProcessResult> result = RunProcess(Shell("cat; echo rc=$?"));
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->output, "rc=0\n");
}

TEST(ProcessTest, HonoursWorkingDirectory) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("l2mac_process_cwd_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ProcessOptions options;
  options.argv = {"pwd", "-P"};
  options.env = CleanEnvironment();
  options.cwd = dir.string();
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->output, std::filesystem::canonical(dir).string() + "\n");
  std::filesystem::remove_all(dir);
}

TEST(ProcessTest, MissingWorkingDirectoryIsAnError) {
  ProcessOptions options = Shell("true");
  options.cwd = "/nonexistent/l2mac/dir";
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("/nonexistent/l2mac/dir"), std::string::npos);
}

TEST(ProcessTest, EnvironmentIsExactlyWhatWasGiven) {
  ASSERT_EQ(::setenv("FAKE_API_KEY", "sk-secret-value", 1), 0);
  ProcessOptions options;
  options.argv = {"/usr/bin/env"};
  options.env = CleanEnvironment();
  options.env.push_back("L2MAC_EXTRA=yes");
  Result<ProcessResult> result = RunProcess(options);
  ::unsetenv("FAKE_API_KEY");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::vector<std::string> got = Lines(result->output);
  std::vector<std::string> want = options.env;
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(result->output.find("sk-secret-value"), std::string::npos);
}

TEST(ProcessTest, CleanEnvironmentKeepsOnlyTheAllowedVariables) {
  ASSERT_EQ(::setenv("FAKE_API_KEY", "sk-secret-value", 1), 0);
  std::vector<std::string> env = CleanEnvironment();
  ::unsetenv("FAKE_API_KEY");
  for (const std::string& entry : env) {
    const std::string name = entry.substr(0, entry.find('='));
    EXPECT_TRUE(name == "PATH" || name == "HOME" || name == "LANG" || name == "LC_ALL" ||
                name == "TMPDIR")
        << entry;
  }
  ASSERT_NE(std::getenv("PATH"), nullptr);
  EXPECT_NE(std::find(env.begin(), env.end(), std::string("PATH=") + std::getenv("PATH")),
            env.end());
}

TEST(ProcessTest, LooksUpTheProgramInTheChildPath) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("l2mac_process_path_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path tool = dir / "l2mac-test-tool";
  {
    std::FILE* file = std::fopen(tool.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("#!/bin/sh\necho from-the-tool\n", file);
    std::fclose(file);
  }
  std::filesystem::permissions(tool, std::filesystem::perms::owner_all);
  ProcessOptions options;
  options.argv = {"l2mac-test-tool"};
  options.env = {"PATH=" + dir.string()};
  Result<ProcessResult> result = RunProcess(options);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->output, "from-the-tool\n");
}

TEST(ProcessTest, MissingExecutableIsNotFound) {
  ProcessOptions options;
  options.argv = {"l2mac-no-such-program-xyz", "--flag"};
  options.env = CleanEnvironment();
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("l2mac-no-such-program-xyz"), std::string::npos);
}

TEST(ProcessTest, NonExecutableFileIsFailedPrecondition) {
  ProcessOptions options;
  options.argv = {"/etc/hostname"};
  options.env = CleanEnvironment();
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("/etc/hostname"), std::string::npos);
}

TEST(ProcessTest, EmptyArgvIsInvalid) {
  ProcessOptions options;
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

TEST(ProcessTest, TimeoutKillsTheProcessQuickly) {
  ProcessOptions options;
  options.argv = {"sleep", "30"};
  options.env = CleanEnvironment();
  options.timeout = milliseconds(300);
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->timed_out);
  EXPECT_FALSE(result->succeeded());
  EXPECT_EQ(result->term_signal, SIGKILL);
  EXPECT_GE(result->wall_time, milliseconds(300));
  EXPECT_LT(result->wall_time, milliseconds(5000));
  EXPECT_EQ(result->Describe().rfind("timed out after ", 0), 0U) << result->Describe();
}

TEST(ProcessTest, TimeoutKillsGrandchildrenToo) {
  // The shell prints the background sleep's pid, then waits on a foreground sleep.
  ProcessOptions options = Shell("sleep 30 & echo $!; sleep 30");
  options.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessResult> result = RunProcess(options);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->timed_out);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  const pid_t grandchild = static_cast<pid_t>(std::stol(result->output));
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(ProcessIsGone(grandchild));
}

TEST(ProcessTest, CancelKillsTheGroupWithinAPollTick) {
  ProcessOptions options = Shell("sleep 30 & echo $!; sleep 30");
  options.timeout = milliseconds(60000);
  CancelToken cancel;
  options.cancel = &cancel;
  CancelAfter canceller(cancel, milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessResult> result = RunProcess(options);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->cancelled);
  EXPECT_FALSE(result->timed_out);
  EXPECT_FALSE(result->succeeded());
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_EQ(result->Describe(), "stopped because l2mac was interrupted");
  const pid_t grandchild = static_cast<pid_t>(std::stol(result->output));
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(ProcessIsGone(grandchild));
}

TEST(ProcessTest, AnUncancelledTokenChangesNothing) {
  ProcessOptions options = Shell("echo fine");
  CancelToken cancel;
  options.cancel = &cancel;
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->succeeded());
  EXPECT_FALSE(result->cancelled);
  EXPECT_EQ(result->output, "fine\n");
}

TEST(ProcessTest, GrandchildHoldingThePipeDoesNotHangTheCall) {
  // The shell exits at once, leaving a background sleep that holds the output pipe.
  ProcessOptions options = Shell("sleep 30 & echo $!; echo done");
  options.timeout = milliseconds(20000);
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessResult> result = RunProcess(options);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  std::vector<std::string> lines = Lines(result->output);
  ASSERT_EQ(lines.size(), 2U) << result->output;
  EXPECT_EQ(lines[1], "done");
  EXPECT_TRUE(ProcessIsGone(static_cast<pid_t>(std::stol(lines[0]))));
}

TEST(ProcessTest, WriterOutsideTheGroupDoesNotHangTheCall) {
  // setsid moves the background sleep out of the process group, out of reach of the group
  // kill; it keeps the pipe open, so the final read must give up on its own.
  ProcessOptions options = Shell("setsid sleep 30 & sleep 0.3; echo $!; echo done");
  options.timeout = milliseconds(20000);
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessResult> result = RunProcess(options);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::vector<std::string> lines = Lines(result->output);
  ASSERT_EQ(lines.size(), 2U) << result->output;
  ::kill(static_cast<pid_t>(std::stol(lines[0])), SIGKILL);
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(lines[1], "done");
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(ProcessTest, FloodIsTruncatedAtTheLimit) {
  ProcessOptions options = Shell("yes | head -c 50000000; echo finished >&2");
  options.max_output_bytes = 100000;
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->output.size(), 100000U);
  EXPECT_TRUE(result->output_truncated);
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->output.substr(0, 4), "y\ny\n");
}

TEST(ProcessTest, EndlessFloodStopsAtTheTimeout) {
  ProcessOptions options;
  options.argv = {"yes"};
  options.env = CleanEnvironment();
  options.timeout = milliseconds(300);
  options.max_output_bytes = 4096;
  Result<ProcessResult> result = RunProcess(options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->timed_out);
  EXPECT_TRUE(result->output_truncated);
  EXPECT_EQ(result->output.size(), 4096U);
  EXPECT_LT(result->wall_time, milliseconds(5000));
}

TEST(ProcessTest, ReportsDeathBySignal) {
  Result<ProcessResult> result = RunProcess(Shell("kill -TERM $$"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->term_signal, SIGTERM);
  EXPECT_FALSE(result->timed_out);
  EXPECT_FALSE(result->succeeded());
  EXPECT_EQ(result->Describe(), "killed by signal 15 (SIGTERM)");
}

TEST(ProcessTest, DescribeFormatsTimeouts) {
  ProcessResult result;
  result.timed_out = true;
  result.wall_time = milliseconds(30012);
  EXPECT_EQ(result.Describe(), "timed out after 30s");
  result.wall_time = milliseconds(2040);
  EXPECT_EQ(result.Describe(), "timed out after 2.0s");
}

TEST(ProcessTest, ManyThreadsAtOnce) {
  constexpr int kThreads = 8;
  std::vector<std::string> outputs(kThreads);
  std::vector<char> ok(kThreads, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i, &outputs, &ok] {
      ProcessOptions options;
      options.argv = {"echo", "thread-" + std::to_string(i)};
      options.env = CleanEnvironment();
      Result<ProcessResult> result = RunProcess(options);
      ok[static_cast<size_t>(i)] = result.ok() && result->succeeded() ? 1 : 0;
      if (result.ok()) outputs[static_cast<size_t>(i)] = result->output;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(ok[static_cast<size_t>(i)], 1) << i;
    EXPECT_EQ(outputs[static_cast<size_t>(i)], "thread-" + std::to_string(i) + "\n");
  }
}

}  // namespace
}  // namespace l2mac
