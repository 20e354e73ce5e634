// Scenario 7: crash safety. A run is killed with SIGKILL at several points and resumed with
// `l2mac resume`; the result equals an uninterrupted run of the same scripted model (same
// files, same transcript), committed instructions are never redone, and the state
// database passes PRAGMA integrity_check after the kill and after the resume.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

using Clock = std::chrono::steady_clock;

enum class KillPoint {
  kPlanning,            // on the planner's request: no program yet
  kMidInstruction2,     // on instruction 2's second request, after its first write
  kBeforeInstruction3,  // on instruction 3's first request, right after 2 committed
  kDuringGate2,         // 150 ms after instruction 2's step_complete reply: in its gate
};

struct KillCase {
  const char* name;
  KillPoint point;
};

void PrintTo(const KillCase& kill_case, std::ostream* os) { *os << kill_case.name; }

// The responses of a run's transcript, in order.
std::vector<nlohmann::json> TranscriptResponses(const std::filesystem::path& out) {
  ProcessOutcome transcript = RunL2mac({"transcript", out.string()});
  std::vector<nlohmann::json> responses;
  if (transcript.exit_code != 0) return {nlohmann::json{{"error", transcript.Describe()}}};
  for (const auto& line : ParseJsonLines(transcript.out)) {
    responses.push_back(line.is_object() ? line.value("response", nlohmann::json()) : line);
  }
  return responses;
}

class KillResumeScenario : public testing::TestWithParam<KillCase> {
 protected:
  // One uninterrupted run of the same model, shared by every kill point.
  static void SetUpTestSuite() {
    ScenarioHarness harness("kill-reference");
    harness.Serve(ThreeModules::Model());
    ProcessOutcome run = harness.Run();
    reference_ok_ = run.exit_code == 0;
    reference_files_ = ReadTree(harness.out());
    reference_responses_ = TranscriptResponses(harness.out());
  }

  static inline bool reference_ok_ = false;
  static inline std::map<std::string, std::string> reference_files_;
  static inline std::vector<nlohmann::json> reference_responses_;
};

TEST_P(KillResumeScenario, ResumeAfterSigkillEqualsAnUninterruptedRun) {
  ASSERT_TRUE(reference_ok_) << "the uninterrupted reference run failed";
  ASSERT_EQ(reference_files_, ThreeModules::Files());
  ASSERT_EQ(reference_responses_.size(), 10u);
  const KillPoint point = GetParam().point;

  // Declared before the harness, so they outlive the server whose handler uses them.
  std::atomic<pid_t> child_pid{0};
  std::atomic<bool> fired{false};
  std::atomic<int64_t> kill_at_ms{0};  // steady-clock time for a delayed kill; 0: none
  ScenarioHarness harness(std::string("kill-") + GetParam().name);
  ScriptedModel model = ThreeModules::Model();
  model.intercept = [&](const ModelRequest& request, size_t index) -> std::optional<sim::SimReply> {
    if (fired) return std::nullopt;
    const std::string id = request.InstructionId();
    const int turn = request.AssistantTurns();
    if (point == KillPoint::kDuringGate2) {
      if (id == "2" && turn == 2) {
        fired = true;
        auto at = Clock::now() + std::chrono::milliseconds(150);
        kill_at_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
      }
      return std::nullopt;  // the step_complete reply goes out; the kill follows
    }
    bool hit = (point == KillPoint::kPlanning && index == 0) ||
               (point == KillPoint::kMidInstruction2 && id == "2" && turn == 1) ||
               (point == KillPoint::kBeforeInstruction3 && id == "3" && turn == 0);
    if (!hit) return std::nullopt;
    fired = true;
    for (int i = 0; i < 5000 && child_pid == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (child_pid > 0) ::kill(child_pid, SIGKILL);  // dead before this request is answered
    return std::nullopt;
  };
  harness.Serve(std::move(model));

  auto started = StartL2mac(harness.RunArgs(), harness.Env());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  Subprocess& child = **started;
  child_pid = child.pid();
  ProcessOutcome killed = child.Wait(kDefaultTimeout, [&] {
    int64_t at = kill_at_ms;
    auto now =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count();
    return at != 0 && now >= at;
  });
  ASSERT_TRUE(fired);
  ASSERT_EQ(killed.term_signal, SIGKILL) << killed.Describe();

  // The database survived the crash, and says what was done.
  EXPECT_EQ(IntegrityCheck(harness.out()), "ok");
  auto statuses = InstructionStatuses(harness.out());
  std::set<std::string> committed;
  for (const auto& [id, status] : statuses) {
    if (status == "committed") committed.insert(id);
  }
  switch (point) {
    case KillPoint::kPlanning:
      EXPECT_TRUE(statuses.empty()) << testing::PrintToString(statuses);
      break;
    case KillPoint::kMidInstruction2:
      EXPECT_EQ(statuses, (std::map<std::string, std::string>{
                              {"1", "committed"}, {"2", "running"}, {"3", "pending"}}));
      // The uncommitted write of instruction 2 is not in the folder.
      EXPECT_FALSE(std::filesystem::exists(harness.out() / "geometry.py"));
      break;
    case KillPoint::kBeforeInstruction3:
      EXPECT_EQ(committed, (std::set<std::string>{"1", "2"}));
      break;
    case KillPoint::kDuringGate2:
      EXPECT_TRUE(committed.count("1"));
      EXPECT_FALSE(committed.count("3"));
      break;
  }
  const size_t seen_before_resume = harness.server().request_count();

  ProcessOutcome resumed = harness.Resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.Describe();

  // Same result as the uninterrupted run.
  EXPECT_EQ(ReadTree(harness.out()), reference_files_);
  EXPECT_EQ(InstructionStatuses(harness.out()),
            (std::map<std::string, std::string>{
                {"1", "committed"}, {"2", "committed"}, {"3", "committed"}}));
  EXPECT_EQ(TranscriptResponses(harness.out()), reference_responses_);
  EXPECT_EQ(IntegrityCheck(harness.out()), "ok");

  // Nothing committed before the kill was asked for again; planning was redone only when
  // it had not finished.
  auto requests = harness.requests();
  ASSERT_GT(requests.size(), seen_before_resume);
  for (size_t i = seen_before_resume; i < requests.size(); ++i) {
    ModelRequest request(requests[i]);
    EXPECT_EQ(committed.count(request.InstructionId()), 0u)
        << "request " << i << " redoes committed instruction " << request.InstructionId();
    EXPECT_EQ(request.IsPlanner(), point == KillPoint::kPlanning && i == seen_before_resume)
        << "request " << i;
  }
  ProcessOutcome pytest = RunPytest(harness.out());
  EXPECT_EQ(pytest.exit_code, 0) << pytest.Describe();
}

INSTANTIATE_TEST_SUITE_P(KillPoints, KillResumeScenario,
                         testing::Values(KillCase{"planning", KillPoint::kPlanning},
                                         KillCase{"mid_instruction_2", KillPoint::kMidInstruction2},
                                         KillCase{"before_instruction_3",
                                                  KillPoint::kBeforeInstruction3},
                                         KillCase{"during_gate_2", KillPoint::kDuringGate2}),
                         [](const testing::TestParamInfo<KillCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace l2mac::scenario
