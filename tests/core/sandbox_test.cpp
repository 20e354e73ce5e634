// The sandboxed runner. Each security test asserts the concrete effect (a connection
// refused, a file absent, processes gone), and where it is safe, runs the same program in
// the fallback without the protection and asserts that it escapes there: so the test would
// fail if the sandbox were absent.
#include "core/sandbox.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace l2mac {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr const char* kPython = "/usr/bin/python3";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// How many live (non-zombie) processes have `marker` in their command line.
int CountProcessesWith(const std::string& marker) {
  int count = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadFile(entry.path() / "cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (!Contains(cmdline, marker)) continue;
    const std::string stat = ReadFile(entry.path() / "stat");
    const size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') continue;
    ++count;
  }
  return count;
}

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    base_ = fs::temp_directory_path() /
            ("l2mac_sandbox_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(base_);
    root_ = base_ / "snapshot";
    fs::create_directories(root_);
    if (::access(kPython, X_OK) != 0) GTEST_SKIP() << kPython << " is needed for these tests";
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(base_, ignored);
  }

  std::shared_ptr<const Sandbox> Make(SandboxSettings settings = {}) {
    auto sandbox = Sandbox::Create(settings);
    EXPECT_TRUE(sandbox.ok()) << sandbox.status().ToString();
    return sandbox.ok() ? *sandbox : nullptr;
  }
  std::shared_ptr<const Sandbox> Bubblewrap(SandboxSettings settings = {}) {
    auto sandbox = Make(settings);
    if (sandbox && sandbox->mode() != SandboxMode::kBubblewrap) {
      ADD_FAILURE() << "bubblewrap is expected to work on this machine: "
                    << sandbox->fallback_reason();
    }
    return sandbox;
  }
  // The fallback without the uid drop: what running the command without a sandbox does.
  std::shared_ptr<const Sandbox> Unprotected(SandboxSettings settings = {}) {
    settings.request = SandboxRequest::kOff;
    settings.drop_privileges = false;
    return Make(settings);
  }

  SandboxResult RunPython(const Sandbox& sandbox, const std::string& code,
                          milliseconds timeout = milliseconds(20000), size_t max_output = 1 << 20) {
    SandboxCommand command;
    command.argv = {kPython, "-c", code};
    command.root = root_;
    command.env = CleanEnvironment();
    command.timeout = timeout;
    command.max_output_bytes = max_output;
    auto result = sandbox.Run(command);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : SandboxResult{};
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(SandboxTest, BubblewrapWorksHereAndReportsExitCodes) {
  auto sandbox = Bubblewrap();
  ASSERT_TRUE(sandbox);
  SandboxResult ok = RunPython(*sandbox, "print('hello from the sandbox')");
  EXPECT_TRUE(ok.succeeded()) << ok.Describe() << "\n" << ok.output;
  EXPECT_TRUE(Contains(ok.output, "hello from the sandbox"));
  EXPECT_EQ(ok.mode, SandboxMode::kBubblewrap);

  SandboxResult failed = RunPython(*sandbox, "import sys; sys.exit(3)");
  EXPECT_EQ(failed.end, SandboxEnd::kExited);
  EXPECT_EQ(failed.exit_code, 3);

  SandboxResult killed = RunPython(*sandbox, "import os, signal; os.kill(os.getpid(), 15)");
  EXPECT_EQ(killed.end, SandboxEnd::kSignaled);
  EXPECT_EQ(killed.term_signal, SIGTERM);
  EXPECT_TRUE(Contains(killed.Describe(), "signal 15")) << killed.Describe();
}

TEST_F(SandboxTest, TheRootFolderIsWritableAndTheWorkingDirectory) {
  auto sandbox = Bubblewrap();
  ASSERT_TRUE(sandbox);
  SandboxResult result =
      RunPython(*sandbox, "import os; open('made_inside.txt', 'w').write('x'); print(os.getcwd())");
  EXPECT_TRUE(result.succeeded()) << result.output;
  EXPECT_TRUE(fs::exists(root_ / "made_inside.txt"));
  EXPECT_TRUE(Contains(result.output, root_.string()));
}

TEST_F(SandboxTest, NetworkIsUnreachable) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));
  const std::string code =
      "import socket\n"
      "try:\n"
      "    socket.create_connection(('127.0.0.1', " +
      port +
      "), timeout=3)\n"
      "    print('CONNECTED')\n"
      "except OSError as e:\n"
      "    print('NO CONNECTION', e)\n";

  auto sandbox = Bubblewrap();
  ASSERT_TRUE(sandbox);
  SandboxResult inside = RunPython(*sandbox, code);
  EXPECT_TRUE(Contains(inside.output, "NO CONNECTION")) << inside.output;
  EXPECT_FALSE(Contains(inside.output, "CONNECTED\n")) << inside.output;

  // The same program without the sandbox reaches the listener: the test can tell.
  SandboxResult outside = RunPython(*Unprotected(), code);
  EXPECT_TRUE(Contains(outside.output, "CONNECTED\n")) << outside.output;
  ::close(listener);
}

TEST_F(SandboxTest, WritesOutsideTheRootFolderFail) {
  const fs::path outside_dir = base_ / "outside";
  fs::create_directories(outside_dir);
  // World-writable like /tmp, so only the sandbox (not file permissions) can stop it.
  fs::permissions(outside_dir, fs::perms::all);
  const fs::path target = outside_dir / "escaped.txt";
  const std::string code = "open('" + target.string() +
                           "', 'w').write('out')\n"
                           "print('WROTE')\n";

  auto sandbox = Bubblewrap();
  ASSERT_TRUE(sandbox);
  SandboxResult inside = RunPython(*sandbox, code);
  EXPECT_FALSE(inside.succeeded());
  EXPECT_FALSE(fs::exists(target));
  // Read-only outside the root; under /tmp the folder is not even there (a private /tmp).
  EXPECT_TRUE(Contains(inside.output, "Read-only file system") ||
              Contains(inside.output, "Permission denied") ||
              Contains(inside.output, "No such file or directory"))
      << inside.output;

  SandboxResult unprotected = RunPython(*Unprotected(), code);
  EXPECT_TRUE(fs::exists(target)) << unprotected.output;
}

TEST_F(SandboxTest, ThePrivateTmpIsNotTheHostTmp) {
  auto sandbox = Bubblewrap();
  ASSERT_TRUE(sandbox);
  const std::string name = "l2mac_sandbox_tmp_probe_" + std::to_string(::getpid());
  SandboxResult result = RunPython(
      *sandbox, "open('/tmp/" + name + "', 'w').write('x'); import os; print(os.listdir('/tmp'))");
  EXPECT_TRUE(result.succeeded()) << result.output;
  EXPECT_FALSE(fs::exists(fs::path("/tmp") / name));
}

TEST_F(SandboxTest, TheParentsApiKeyIsNotVisible) {
  const std::string secret = "sk-l2mac-sandbox-test-secret-4242";
  ::setenv("OPENAI_API_KEY", secret.c_str(), 1);
  // Looks at its own environment and the parent's, the two ways to find the key.
  const std::string code =
      "import os\nprint(dict(os.environ))\ntry:\n    print('PARENT', open('/proc/" +
      std::to_string(::getpid()) + "/environ').read())\nexcept OSError as e:\n    print('NO', e)\n";
  auto sandbox = Bubblewrap();
  ASSERT_TRUE(sandbox);
  SandboxResult inside = RunPython(*sandbox, code);
  EXPECT_FALSE(Contains(inside.output, secret)) << inside.output;
  EXPECT_FALSE(Contains(inside.output, "OPENAI_API_KEY"));
  // The parent's process is not even visible (own pid namespace and /proc).
  EXPECT_TRUE(Contains(inside.output, "NO ")) << inside.output;
  EXPECT_FALSE(Contains(inside.output, "PARENT")) << inside.output;

  // Without the namespaces and the uid drop, the parent's environment (as it was at its
  // start; /proc does not show setenv) can be read: the test can tell.
  SandboxResult unprotected = RunPython(*Unprotected(), code);
  ::unsetenv("OPENAI_API_KEY");
  if (::geteuid() == 0) {
    EXPECT_TRUE(Contains(unprotected.output, "PARENT")) << unprotected.output;
  }
}

// A program that tries to start many children that stay alive; prints how many it got.
std::string ForkManyCode(const std::string& marker, int count) {
  return "import os, sys, time\n"
         "MARK = '" +
         marker +
         "'\n"
         "got = 0\n"
         "for i in range(" +
         std::to_string(count) +
         "):\n"
         "    try:\n"
         "        pid = os.fork()\n"
         "    except OSError as e:\n"
         "        print('fork refused:', type(e).__name__, e)\n"
         "        break\n"
         "    if pid == 0:\n"
         "        time.sleep(60)\n"
         "        os._exit(0)\n"
         "    got += 1\n"
         "print('STARTED', got)\n"
         "sys.exit(1 if got < " +
         std::to_string(count) + " else 0)\n";
}

int StartedCount(const std::string& output) {
  const size_t at = output.find("STARTED ");
  return at == std::string::npos ? -1 : std::atoi(output.c_str() + at + 8);
}

TEST_F(SandboxTest, ForkBombIsContainedAndReportedAsTheProcessLimit) {
  SandboxSettings settings;
  settings.limits.max_processes = 32;
  // The kernel counts the limit over every process of the uid, so a uid of this test's own
  // keeps other sandboxed tests running in parallel (as 65534) out of its count.
  settings.unprivileged_uid = settings.unprivileged_gid =
      static_cast<uint32_t>(61000 + ::getpid() % 1000);
  auto sandbox = Bubblewrap(settings);
  ASSERT_TRUE(sandbox);
  if (::geteuid() == 0) {
    const std::string marker = "l2mac-forkbomb-" + std::to_string(::getpid());
    SandboxResult inside = RunPython(*sandbox, ForkManyCode(marker, 300));
    EXPECT_TRUE(inside.ran_unprivileged);
    EXPECT_EQ(inside.end, SandboxEnd::kProcessLimit) << inside.Describe() << "\n" << inside.output;
    EXPECT_GE(StartedCount(inside.output), 0) << inside.output;
    EXPECT_LT(StartedCount(inside.output), 40) << inside.output;
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_EQ(CountProcessesWith(marker), 0) << "sandboxed children outlived the run";

    // Without the limit (root, no namespaces) every fork succeeds: the test can tell.
    SandboxResult unprotected = RunPython(*Unprotected(), ForkManyCode(marker, 300));
    EXPECT_EQ(StartedCount(unprotected.output), 300) << unprotected.output;
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_EQ(CountProcessesWith(marker), 0) << "the process group kill missed children";
  }

  // A real, exponential bomb: stopped at the timeout, nothing left behind.
  const std::string marker = "l2mac-realbomb-" + std::to_string(::getpid());
  SandboxResult bomb = RunPython(*sandbox,
                                 "import os\nMARK = '" + marker +
                                     "'\nwhile True:\n    try:\n        os.fork()\n"
                                     "    except OSError:\n        pass\n",
                                 milliseconds(2000), 64 * 1024);
  EXPECT_EQ(bomb.end, SandboxEnd::kTimedOut) << bomb.Describe();
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(CountProcessesWith(marker), 0);
}

TEST_F(SandboxTest, MemoryHogIsStoppedAndReportedAsTheMemoryLimit) {
  SandboxSettings settings;
  settings.limits.memory_bytes = int64_t{256} << 20;
  auto sandbox = Bubblewrap(settings);
  ASSERT_TRUE(sandbox);
  SandboxResult result =
      RunPython(*sandbox, "block = bytearray(1 << 30)\nprint('ALLOCATED', len(block))\n");
  EXPECT_FALSE(Contains(result.output, "ALLOCATED")) << result.output;
  EXPECT_EQ(result.end, SandboxEnd::kMemoryLimit) << result.Describe() << "\n" << result.output;
  EXPECT_TRUE(Contains(result.Describe(), "memory limit (256 MiB)")) << result.Describe();
}

TEST_F(SandboxTest, InfiniteLoopTimesOutAndAnEscapedDaemonDiesWithTheSandbox) {
  auto sandbox = Bubblewrap();
  ASSERT_TRUE(sandbox);
  const auto started = std::chrono::steady_clock::now();
  SandboxResult loop = RunPython(*sandbox, "while True:\n    pass\n", milliseconds(1000));
  EXPECT_EQ(loop.end, SandboxEnd::kTimedOut);
  EXPECT_TRUE(Contains(loop.Describe(), "timed out")) << loop.Describe();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));

  // A grandchild that leaves the process group (setsid) and keeps writing a heartbeat.
  const std::string daemon =
      "import os, sys, time\n"
      "if os.fork() == 0:\n"
      "    os.setsid()\n"
      "    if os.fork() == 0:\n"
      "        open('daemon.pid', 'w').write(str(os.getpid()))\n"
      "        while True:\n"
      "            with open('heartbeat', 'a') as f:\n"
      "                f.write('.')\n"
      "            time.sleep(0.02)\n"
      "    os._exit(0)\n"
      "time.sleep(0.5)\n";
  auto heartbeat_moves = [&]() {
    const auto before = fs::exists(root_ / "heartbeat") ? fs::file_size(root_ / "heartbeat") : 0;
    std::this_thread::sleep_for(milliseconds(400));
    const auto after = fs::exists(root_ / "heartbeat") ? fs::file_size(root_ / "heartbeat") : 0;
    return after != before;
  };
  SandboxResult inside = RunPython(*sandbox, daemon);
  EXPECT_TRUE(fs::exists(root_ / "heartbeat")) << inside.output;
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_FALSE(heartbeat_moves()) << "a daemon started in the sandbox outlived it";

  fs::remove(root_ / "heartbeat");
  RunPython(*Unprotected(), daemon);
  const bool escaped = heartbeat_moves();
  const int pid = std::atoi(ReadFile(root_ / "daemon.pid").c_str());
  if (pid > 1) ::kill(pid, SIGKILL);
  EXPECT_TRUE(escaped) << "without the sandbox the daemon should escape the process group";
}

TEST_F(SandboxTest, CpuLimitStopsABusyLoop) {
  SandboxSettings settings;
  settings.limits.cpu_seconds = 1;
  auto sandbox = Bubblewrap(settings);
  ASSERT_TRUE(sandbox);
  SandboxResult result = RunPython(*sandbox, "while True:\n    pass\n", milliseconds(30000));
  EXPECT_EQ(result.end, SandboxEnd::kCpuLimit) << result.Describe();
}

TEST_F(SandboxTest, OutputFloodIsTruncatedAndFileFloodHitsTheFileSizeLimit) {
  SandboxSettings settings;
  settings.limits.max_file_bytes = int64_t{1} << 20;
  auto sandbox = Bubblewrap(settings);
  ASSERT_TRUE(sandbox);
  SandboxResult flood =
      RunPython(*sandbox, "while True:\n    print('y' * 1000)\n", milliseconds(1000), 64 * 1024);
  EXPECT_TRUE(flood.output_truncated);
  EXPECT_LE(flood.output.size(), 64u * 1024u);
  EXPECT_EQ(flood.end, SandboxEnd::kTimedOut);
  EXPECT_TRUE(Contains(flood.Describe(), "output truncated")) << flood.Describe();

  SandboxResult file = RunPython(*sandbox,
                                 "with open('big.bin', 'wb') as f:\n"
                                 "    for i in range(64):\n"
                                 "        f.write(b'x' * (1 << 20))\n");
  EXPECT_EQ(file.end, SandboxEnd::kFileSizeLimit) << file.Describe() << "\n" << file.output;
  EXPECT_LE(fs::file_size(root_ / "big.bin"), uintmax_t{1} << 20);
}

TEST_F(SandboxTest, MissingBubblewrapFallsBackWithAReason) {
  SandboxSettings settings;
  settings.bwrap = "/nonexistent/l2mac-test/bwrap";
  auto sandbox = Make(settings);
  ASSERT_TRUE(sandbox);
  EXPECT_EQ(sandbox->mode(), SandboxMode::kFallback);
  EXPECT_TRUE(Contains(sandbox->fallback_reason(), "not found")) << sandbox->fallback_reason();
  EXPECT_TRUE(Contains(sandbox->DescribeMode(), "fallback")) << sandbox->DescribeMode();
  SandboxResult result = RunPython(*sandbox, "print('still runs')");
  EXPECT_TRUE(result.succeeded()) << result.output;
  EXPECT_EQ(result.mode, SandboxMode::kFallback);

  // The limits still apply in the fallback.
  SandboxSettings limited = settings;
  limited.limits.memory_bytes = int64_t{256} << 20;
  SandboxResult hog = RunPython(*Make(limited), "block = bytearray(1 << 30)\nprint('ALLOCATED')\n");
  EXPECT_EQ(hog.end, SandboxEnd::kMemoryLimit) << hog.output;

  settings.request = SandboxRequest::kBubblewrap;
  auto required = Sandbox::Create(settings);
  ASSERT_FALSE(required.ok());
  EXPECT_EQ(required.status().code(), StatusCode::kFailedPrecondition);
}

TEST(SandboxSettingsTest, ReadsTheConfigSectionAndRejectsMistakes) {
  auto config = Config::Parse(
      R"({"sandbox": {"mode": "off", "cpu_seconds": 30, "memory_mb": 512, "max_processes": 64,
                      "max_file_mb": 8, "network": true, "bwrap": "/opt/bwrap"}})",
      "test.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto section = config->Section("sandbox");
  ASSERT_TRUE(section.ok());
  auto settings = SandboxSettings::FromConfig(*section);
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->request, SandboxRequest::kOff);
  EXPECT_EQ(settings->limits.cpu_seconds, 30);
  EXPECT_EQ(settings->limits.memory_bytes, int64_t{512} << 20);
  EXPECT_EQ(settings->limits.max_processes, 64);
  EXPECT_EQ(settings->limits.max_file_bytes, int64_t{8} << 20);
  EXPECT_TRUE(settings->network);
  EXPECT_EQ(settings->bwrap, "/opt/bwrap");

  for (const char* bad : {R"({"sandbox": {"memroy_mb": 5}})", R"({"sandbox": {"mode": "on"}})",
                          R"({"sandbox": {"cpu_seconds": 0}})"}) {
    auto parsed = Config::Parse(bad, "bad.json");
    ASSERT_TRUE(parsed.ok());
    auto result = SandboxSettings::FromConfig(*parsed->Section("sandbox"));
    EXPECT_FALSE(result.ok()) << bad;
    if (!result.ok()) {
      EXPECT_TRUE(Contains(result.status().message(), "sandbox")) << bad;
    }
  }
}

}  // namespace
}  // namespace l2mac
