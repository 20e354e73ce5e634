// The live view on a real terminal: l2mac runs inside tmux (a terminal emulator), and the
// screen is read back while it works and after it is done. The status area must show
// the running instruction and the context bar during the run, be redrawn in place (each
// log line appears once), and be gone at the end, leaving only the log. Without a
// terminal (pipes, as every other scenario runs) no escape sequence is written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

using std::chrono::milliseconds;

constexpr const char* kTmux = "/usr/bin/tmux";

size_t Count(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Every reply of ThreeModules, a little slow, so the screen shows the status area.
ScriptedModel SlowThreeModules() {
  ScriptedModel model = ThreeModules::Model();
  model.adjust_reply = [](const ModelRequest&, sim::SimReply& reply) {
    reply.delay = milliseconds(400);
  };
  return model;
}

class Tmux {
 public:
  Tmux() : socket_("l2mac-live-" + std::to_string(::getpid())) {}
  ~Tmux() { Run({"kill-server"}); }

  ProcessOutcome Run(std::vector<std::string> args) const {
    std::vector<std::string> argv = {kTmux, "-L", socket_, "-f", "/dev/null"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = Subprocess::Start(argv);
    if (!child.ok()) {
      ProcessOutcome failed;
      failed.err = child.status().ToString();
      return failed;
    }
    return (*child)->Wait(std::chrono::seconds(20));
  }
  std::string Screen() const { return Run({"capture-pane", "-p", "-t", "live"}).out; }

 private:
  std::string socket_;
};

TEST(LiveViewScenario, TheStatusAreaIsRedrawnInPlaceAndLeavesOnlyTheLog) {
  if (::access(kTmux, X_OK) != 0) {
    GTEST_SKIP() << "tmux is not installed (scripts/setup.sh --tests installs it)";
  }
  ScenarioHarness harness("live-view");
  harness.Serve(SlowThreeModules());
  // The command the terminal runs: l2mac with the harness's environment, then its exit
  // status, then a pause so the final screen can be read.
  std::string command = "export TMPDIR=" + ShellQuote(harness.tmp().string()) +
                        " XDG_CONFIG_HOME=/nonexistent/l2mac-test-config; unset L2MAC_CONFIG "
                        "OPENAI_API_KEY ANTHROPIC_API_KEY L2MAC_BASE_URL L2MAC_MODEL NO_COLOR; " +
                        ShellQuote(kL2macBinary);
  for (const std::string& arg : harness.RunArgs()) command += " " + ShellQuote(arg);
  command += "; echo L2MAC-EXIT=$?; sleep 120";
  const std::filesystem::path script = harness.root() / "live.sh";
  ASSERT_TRUE(WriteText(script, command + "\n"));

  Tmux tmux;
  ProcessOutcome started = tmux.Run(
      {"new-session", "-d", "-x", "160", "-y", "60", "-s", "live", "sh " + script.string()});
  ASSERT_EQ(started.exit_code, 0) << started.Describe();

  std::string during;  // a screen with the status area showing a running instruction
  std::string screen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    screen = tmux.Screen();
    if (screen.find("L2MAC-EXIT=") != std::string::npos) break;
    if (during.empty() && screen.find("] instruction 2 ") != std::string::npos &&
        screen.find("context [") != std::string::npos) {
      during = screen;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_NE(screen.find("L2MAC-EXIT=0"), std::string::npos) << screen;
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());

  // While it ran: instructions done of all, the running one, its action, the context bar.
  ASSERT_FALSE(during.empty()) << "no screen showed instruction 2 running; last:\n" << screen;
  EXPECT_NE(during.find("[1/3] instruction 2 "), std::string::npos) << during;
  EXPECT_NE(during.find("% "), std::string::npos) << during;
  EXPECT_NE(during.find("tokens "), std::string::npos) << during;

  // After: the log, each line once (a redraw that erased or repeated a line would show),
  // and no status area left behind.
  for (const char* line : {"instruction 1: committed", "instruction 2: committed",
                           "instruction 3: committed", "planned 3 instructions"}) {
    EXPECT_EQ(Count(screen, line), 1u) << line << " in\n" << screen;
  }
  EXPECT_NE(screen.find("3 of 3 instructions committed"), std::string::npos) << screen;
  EXPECT_EQ(screen.find("context ["), std::string::npos) << screen;
}

TEST(LiveViewScenario, WithoutATerminalTheLogIsPlainLines) {
  ScenarioHarness harness("plain-lines");
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_NE(run.err.find("instruction 1: committed"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find('\x1b'), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("context ["), std::string::npos) << run.err;
}

}  // namespace
}  // namespace l2mac::scenario
