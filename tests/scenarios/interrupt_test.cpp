// Stopping a run on purpose, and by an error: SIGINT or SIGTERM stops the run at its next
// safe point with exit 130 and a resume hint, a second Ctrl-C exits at once, and after any
// stop no instruction is left `running`; `l2mac resume` then finishes the same files an
// uninterrupted run writes.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

using std::chrono::milliseconds;

// No instruction of the run in `out` is reported as running by `status --json`.
void ExpectNothingRunning(const std::filesystem::path& out) {
  nlohmann::json status = StatusJson(out);
  ASSERT_FALSE(status.contains("error")) << status.dump();
  for (const auto& item : status["instructions"]) {
    EXPECT_NE(item.value("status", ""), "running") << status.dump(2);
  }
}

// Serves ThreeModules, but holds instruction 2's second request for half a minute (a slow
// model) and sends the l2mac child `signals` signals once that request has arrived.
struct SlowModelRun {
  std::atomic<pid_t> child_pid{0};
  std::atomic<bool> held{false};

  ScriptedModel Model() {
    ScriptedModel model = ThreeModules::Model();
    model.intercept = [this](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
      if (held || request.InstructionId() != "2" || request.AssistantTurns() != 1) {
        return std::nullopt;
      }
      held = true;
      sim::SimReply reply = sim::TextReply("never delivered");
      reply.delay = milliseconds(30000);
      return reply;
    };
    return model;
  }
};

class InterruptScenario : public testing::TestWithParam<int> {};

TEST_P(InterruptScenario, FirstSignalStopsAtASafePointAndResumeFinishes) {
  const int signal_number = GetParam();
  SlowModelRun slow;  // outlives the harness's server, whose handler uses it
  ScenarioHarness harness(signal_number == SIGINT ? "interrupt-sigint" : "interrupt-sigterm");
  harness.Serve(slow.Model());

  auto started = StartL2mac(harness.RunArgs(), harness.Env());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  Subprocess& child = **started;
  auto signalled_at = std::chrono::steady_clock::time_point{};
  ProcessOutcome stopped = child.Wait(kDefaultTimeout, [&] {
    if (!slow.held || signalled_at != std::chrono::steady_clock::time_point{}) return false;
    signalled_at = std::chrono::steady_clock::now();
    ::kill(child.pid(), signal_number);
    return false;  // the signal is sent; Wait keeps waiting for the exit
  });
  ASSERT_TRUE(slow.held.load());
  ASSERT_EQ(stopped.exit_code, 130) << stopped.Describe();
  // The model call in flight was aborted, not waited for (it would take 30 s).
  EXPECT_LT(std::chrono::steady_clock::now() - signalled_at, std::chrono::seconds(10));
  EXPECT_NE(stopped.err.find("interrupted: l2mac resume " + harness.out().string() + " continues"),
            std::string::npos)
      << stopped.err;
  EXPECT_EQ(stopped.err.find("error:"), std::string::npos) << stopped.err;

  // The state says what is true: 1 committed, 2 back to pending, the run interrupted.
  ExpectNothingRunning(harness.out());
  EXPECT_EQ(
      InstructionStatuses(harness.out()),
      (std::map<std::string, std::string>{{"1", "committed"}, {"2", "pending"}, {"3", "pending"}}));
  EXPECT_EQ(StatusJson(harness.out()).value("state", "").rfind("interrupted", 0), 0u);
  EXPECT_EQ(IntegrityCheck(harness.out()), "ok");
  EXPECT_TRUE(harness.LeftoverSnapshots().empty());

  ProcessOutcome resumed = harness.Resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptScenario, testing::Values(SIGINT, SIGTERM),
                         [](const testing::TestParamInfo<int>& param_info) {
                           return std::string(param_info.param == SIGINT ? "sigint" : "sigterm");
                         });

TEST(InterruptScenarioSecond, SecondCtrlCExitsAtOnceAndResumeStillFinishes) {
  SlowModelRun slow;
  ScenarioHarness harness("interrupt-twice");
  harness.Serve(slow.Model());

  auto started = StartL2mac(harness.RunArgs(), harness.Env());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  Subprocess& child = **started;
  // Holding the database's write lock makes the clean stop wait (SQLite's busy timeout is
  // 5 s), so the second signal deterministically arrives while l2mac is still stopping.
  // (Two signals sent back to back would merge into one pending signal.)
  std::unique_ptr<Database> blocker;
  using Clock = std::chrono::steady_clock;
  Clock::time_point first_at{};
  bool second_sent = false;
  ProcessOutcome stopped = child.Wait(kDefaultTimeout, [&] {
    if (!slow.held) return false;
    if (first_at == Clock::time_point{}) {
      auto db = OpenStateDb(harness.out());
      if (!db.ok() || !(*db)->Exec("BEGIN IMMEDIATE").ok()) return false;  // try again
      blocker = std::move(db).value();
      first_at = Clock::now();
      ::kill(child.pid(), SIGINT);
    } else if (!second_sent && Clock::now() - first_at > milliseconds(1500)) {
      second_sent = true;
      ::kill(child.pid(), SIGINT);
    }
    return false;
  });
  ASSERT_TRUE(second_sent) << stopped.Describe();
  ASSERT_EQ(stopped.exit_code, 130) << stopped.Describe();
  EXPECT_NE(stopped.err.find("exiting at once"), std::string::npos) << stopped.err;
  // It did not wait for the lock: 1.5 s to the second signal, then at once.
  EXPECT_LT(Clock::now() - first_at, std::chrono::milliseconds(4500)) << stopped.err;
  ASSERT_TRUE(blocker->Exec("ROLLBACK").ok());
  blocker.reset();

  // Like a crash: the database still says running, status calls it interrupted, and
  // resume finishes from the last commit.
  EXPECT_EQ(InstructionStatuses(harness.out()).at("2"), "running");
  ExpectNothingRunning(harness.out());
  EXPECT_EQ(StatusOf(StatusJson(harness.out()), "2").value("status", ""), "interrupted");
  EXPECT_EQ(IntegrityCheck(harness.out()), "ok");
  ProcessOutcome resumed = harness.Resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::Files());
}

TEST(RunErrorScenario, AnErrorThatEndsTheRunLeavesNothingRunning) {
  ScenarioHarness harness("error-ends-run");
  ScriptedModel model = ThreeModules::Model();
  // The server starts refusing requests during instruction 2: a 400 is not retried.
  model.intercept = [](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (request.InstructionId() != "2" || request.AssistantTurns() != 1) return std::nullopt;
    return sim::ErrorReply(400, "context length exceeded");
  };
  harness.Serve(std::move(model));
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 4) << run.Describe();
  ExpectNothingRunning(harness.out());
  EXPECT_EQ(
      InstructionStatuses(harness.out()),
      (std::map<std::string, std::string>{{"1", "committed"}, {"2", "pending"}, {"3", "pending"}}));
  nlohmann::json status = StatusJson(harness.out());
  EXPECT_NE(status.value("state", "").find("context length exceeded"), std::string::npos)
      << status.dump(2);
}

}  // namespace
}  // namespace l2mac::scenario
