#include "agents/worker.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent_test_support.hpp"
#include "agents/planner.hpp"
#include "agents/toolchains/test_protection.hpp"
#include "core/token_estimator.hpp"

namespace l2mac::agents {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Reply;
using testing::ScriptedGateway;

class WorkerTest : public ::testing::Test {
 protected:
  WorkerTest() : prompts_(std::move(LoadPromptSet(Domain::kCodebase)).value()) {}

  // The gate used by these tests: passes when the staged a.py says "good".
  CheckRunner Gate() {
    return [this](const std::vector<std::string>&) {
      ++gate_runs_;
      toolchains::GateReport report;
      auto content = mem_.txn->Read("a.py");
      bool good = content.ok() && content->has_value() && **content == "good";
      report.passed = good;
      toolchains::CheckOutcome check;
      check.name = "pytest";
      check.passed = good;
      check.detail = good ? "" : "AssertionError: a.py is bad";
      report.checks.push_back(check);
      return Result<toolchains::GateReport>(report);
    };
  }

  Result<WorkerOutcome> RunWorker(ScriptedGateway& gateway, WorkerLimits limits = {},
                                  AgentEventSink events = {}) {
    Worker worker(prompts_, gateway, *mem_.txn, {}, Gate(), limits, std::move(events));
    WorkerInput input;
    input.task = "Build a thing.";
    input.instruction_id = "1";
    input.instruction_text = "Write a.py.";
    return worker.Run(input);
  }

  testing::MemoryStore mem_;
  PromptSet prompts_;
  int gate_runs_ = 0;
};

TEST_F(WorkerTest, CompletesWhenGatePasses) {
  ScriptedGateway gateway({Reply({Call("c1", "write_file", {{"path", "a.py"}, {"content", "good"}}),
                                  Call("c2", "step_complete", {{"summary", "wrote a.py"}})})});
  auto outcome = RunWorker(gateway);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->completed);
  EXPECT_EQ(outcome->summary, "wrote a.py");
  EXPECT_EQ(gate_runs_, 1);
  EXPECT_EQ(gateway.requests.size(), 1u);
  // The base context carries the instruction and the manifest.
  EXPECT_NE(gateway.requests[0].messages[1].content.find("Write a.py."), std::string::npos);
}

TEST_F(WorkerTest, GateFailureGoesBackToModelThenFixPasses) {
  ScriptedGateway gateway({Reply({Call("c1", "write_file", {{"path", "a.py"}, {"content", "bad"}}),
                                  Call("c2", "step_complete", {{"summary", "done"}})}),
                           Reply({Call("c3", "write_file", {{"path", "a.py"}, {"content", "good"}}),
                                  Call("c4", "step_complete", {{"summary", "fixed"}})})});
  auto outcome = RunWorker(gateway);
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->completed);
  EXPECT_EQ(outcome->gate_failures, 1);
  ASSERT_EQ(gateway.requests.size(), 2u);
  const auto& last = gateway.requests[1].messages.back();
  EXPECT_EQ(last.role, llm::Role::kTool);
  EXPECT_EQ(last.tool_call_id, "c2");
  EXPECT_NE(last.content.find("AssertionError: a.py is bad"), std::string::npos);
}

TEST_F(WorkerTest, AnalysisOfAFailedCheckGoesToTheModelWithTheOutput) {
  ScriptedGateway gateway(
      {Reply({Call("c1", "write_file", {{"path", "a.py"}, {"content", "bad\n"}}),
              Call("c2", "step_complete", {{"summary", "done"}})}),
       Reply({}, "  Root cause: a.py holds 'bad' where the test wants 'good'.\n"),
       Reply({Call("c3", "write_file", {{"path", "a.py"}, {"content", "good"}}),
              Call("c4", "step_complete", {{"summary", "fixed"}})})});
  WorkerLimits limits;
  limits.analyze_failures = true;
  std::vector<AgentEvent> events;
  auto outcome = RunWorker(gateway, limits, [&events](const AgentEvent& event) {
    events.push_back(event);
    return Status::Ok();
  });
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->completed);
  EXPECT_EQ(outcome->analyses, 1);
  ASSERT_EQ(gateway.requests.size(), 3u);
  // A fresh context without tools: the instruction, the output and the changed file.
  EXPECT_EQ(gateway.purposes[1], CallPurpose::kAnalysis);
  const llm::ChatRequest& analysis = gateway.requests[1];
  EXPECT_TRUE(analysis.tools.empty());
  ASSERT_EQ(analysis.messages.size(), 2u);
  EXPECT_EQ(analysis.messages[0].content.rfind("You are the failure analyst", 0), 0u);
  const std::string& asked = analysis.messages[1].content;
  EXPECT_NE(asked.find("Write a.py."), std::string::npos);
  EXPECT_NE(asked.find("AssertionError: a.py is bad"), std::string::npos);
  EXPECT_NE(asked.find("## a.py\n1: bad\n"), std::string::npos) << asked;
  EXPECT_LE(analysis.max_output_tokens, 1024);
  // The worker gets the answer, trimmed, beside the output.
  json result = json::parse(gateway.requests[2].messages.back().content);
  EXPECT_EQ(result["analysis"], "Root cause: a.py holds 'bad' where the test wants 'good'.");
  EXPECT_NE(result["failures"].get<std::string>().find("AssertionError"), std::string::npos);
  EXPECT_NE(result["error"].get<std::string>().find("analysis"), std::string::npos);
  // Reported after the refusal it analysed.
  ASSERT_GE(events.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<StepRejected>(events[1]));
  const auto& analysed = std::get<FailureAnalyzed>(events[2]);
  EXPECT_EQ(analysed.attempt, 1);
  EXPECT_EQ(analysed.analysis, "Root cause: a.py holds 'bad' where the test wants 'good'.");
}

TEST_F(WorkerTest, TheRefusalThatEndsTheInstructionIsNotAnalysedAndAnEmptyAnswerAddsNothing) {
  ScriptedGateway gateway(
      {Reply({Call("c1", "write_file", {{"path", "a.py"}, {"content", "bad"}}),
              Call("c2", "step_complete", {{"summary", "done"}})}),
       Reply({}, "   \n"),
       Reply({Call("c3", "write_file", {{"path", "a.py"}, {"content", "worse"}}),
              Call("c4", "step_complete", {{"summary", "again"}})})});
  WorkerLimits limits;
  limits.analyze_failures = true;
  limits.max_gate_failures = 2;
  auto outcome = RunWorker(gateway, limits);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_FALSE(outcome->completed);
  EXPECT_EQ(outcome->gate_failures, 2);
  EXPECT_EQ(outcome->analyses, 1);  // the first refusal only
  ASSERT_EQ(gateway.requests.size(), 3u);
  json result = json::parse(gateway.requests[2].messages.back().content);
  EXPECT_FALSE(result.contains("analysis")) << result.dump();
  EXPECT_EQ(result["error"].get<std::string>().find("analysis"), std::string::npos);
}

TEST_F(WorkerTest, FailsAfterBoundedGateFailures) {
  std::deque<llm::ChatResponse> replies;
  for (int i = 0; i < 5; ++i) {
    replies.push_back(Reply({Call("w" + std::to_string(i), "write_file",
                                  {{"path", "a.py"}, {"content", "bad" + std::to_string(i)}}),
                             Call("s" + std::to_string(i), "step_complete", {{"summary", "x"}})}));
  }
  ScriptedGateway gateway(replies);
  WorkerLimits limits;
  limits.max_gate_failures = 3;
  auto outcome = RunWorker(gateway, limits);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->completed);
  EXPECT_EQ(outcome->gate_failures, 3);
  EXPECT_NE(outcome->failure.find("after 3 attempts"), std::string::npos);
}

TEST_F(WorkerTest, ReportsEachToolCallAndEachRejectedStepAsAgentEvents) {
  ScriptedGateway gateway(
      {Reply({Call("c1", "write_file", {{"path", "a.py"}, {"content", "bad\nworse\n"}}),
              Call("c2", "step_complete", {{"summary", "done"}})}),
       Reply({Call("c3", "edit_file",
                   {{"path", "a.py"}, {"search", "bad\nworse\n"}, {"replace", "good"}}),
              Call("c4", "read_file", {{"path", "missing.py"}}),
              Call("c5", "step_complete", {{"summary", "fixed"}})})});
  std::vector<AgentEvent> events;
  auto outcome = RunWorker(gateway, {}, [&events](const AgentEvent& event) {
    events.push_back(event);
    return Status::Ok();
  });
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->completed);
  ASSERT_EQ(events.size(), 6u);
  const auto& write = std::get<ToolCalled>(events[0]);
  EXPECT_EQ(write.name, "write_file");
  EXPECT_EQ(write.path, "a.py");
  EXPECT_TRUE(write.ok);
  EXPECT_EQ(write.lines_added, 2);
  const auto& rejected = std::get<StepRejected>(events[1]);
  EXPECT_EQ(rejected.attempts, 1);
  EXPECT_EQ(rejected.max_attempts, 4);
  EXPECT_EQ(rejected.checks, "pytest: failed");
  EXPECT_EQ(std::get<ToolCalled>(events[2]).name, "step_complete");
  EXPECT_FALSE(std::get<ToolCalled>(events[2]).ok);
  const auto& edit = std::get<ToolCalled>(events[3]);
  EXPECT_EQ(edit.lines_removed, 2);
  EXPECT_EQ(edit.lines_added, 1);
  // A refused call names its file (from the arguments) and the first line of the error.
  const auto& read = std::get<ToolCalled>(events[4]);
  EXPECT_FALSE(read.ok);
  EXPECT_EQ(read.path, "missing.py");
  EXPECT_FALSE(read.error.empty());
  EXPECT_EQ(read.error.find('\n'), std::string::npos);
  EXPECT_TRUE(std::get<ToolCalled>(events[5]).ok);
}

TEST_F(WorkerTest, AnErrorFromTheEventSinkStopsTheWorker) {
  ScriptedGateway gateway({Reply({Call("c1", "write_file", {{"path", "a.py"}, {"content", "good"}}),
                                  Call("c2", "step_complete", {{"summary", "wrote a.py"}})})});
  auto outcome = RunWorker(
      gateway, {}, [](const AgentEvent&) { return Status::IoError("the database is gone"); });
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kIoError);
  EXPECT_EQ(gate_runs_, 0) << "the worker went on after the sink failed";
}

TEST_F(WorkerTest, CallsAfterAcceptedStepCompleteAreNotExecuted) {
  ScriptedGateway gateway({Reply({Call("c1", "write_file", {{"path", "a.py"}, {"content", "good"}}),
                                  Call("c2", "step_complete", {{"summary", "ok"}}),
                                  Call("c3", "delete_file", {{"path", "a.py"}})})});
  auto outcome = RunWorker(gateway);
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->completed);
  EXPECT_TRUE(mem_.txn->Read("a.py")->has_value());
}

TEST_F(WorkerTest, IdleRepliesAreNudgedThenBounded) {
  ScriptedGateway gateway({Reply({}, "thinking"), Reply({}, "still thinking"), Reply({}, "hmm")});
  auto outcome = RunWorker(gateway);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->completed);
  EXPECT_NE(outcome->failure.find("without calling a tool"), std::string::npos);
  EXPECT_EQ(gateway.requests[1].messages.back().content, prompts_.nudge);
}

TEST_F(WorkerTest, LoopDetectorStopsRepeatedIdenticalCalls) {
  std::deque<llm::ChatResponse> replies;
  for (int i = 0; i < 6; ++i) replies.push_back(Reply({Call("r", "list_files", json::object())}));
  ScriptedGateway gateway(replies);
  auto outcome = RunWorker(gateway);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->completed);
  EXPECT_NE(outcome->failure.find("loop detected"), std::string::npos);
}

TEST_F(WorkerTest, ModelErrorIsAnErrorNotAFailedInstruction) {
  ScriptedGateway gateway({});
  auto outcome = RunWorker(gateway);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kResourceExhausted);
}

TEST_F(WorkerTest, ContextRestartsWithSummaryBeforeOverflow) {
  std::string big(7000, 'x');  // about 1750 tokens per write
  ScriptedGateway gateway(
      {Reply({Call("c1", "write_file", {{"path", "b1.txt"}, {"content", big}})}),
       Reply({Call("c2", "write_file", {{"path", "b2.txt"}, {"content", big}})}),
       Reply({}, "SUMMARY: wrote b1.txt and b2.txt; next write a.py"),
       Reply({Call("c3", "write_file", {{"path", "a.py"}, {"content", "good"}}),
              Call("c4", "step_complete", {{"summary", "done"}})})});
  WorkerLimits limits;
  limits.budget = ContextBudget::ForWindow(6000);  // usable: 6000 - 1500 - 300 = 4200
  auto outcome = RunWorker(gateway, limits);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->completed) << outcome->failure;
  EXPECT_EQ(outcome->context_restarts, 1);
  ASSERT_EQ(gateway.purposes.size(), 4u);
  EXPECT_EQ(gateway.purposes[2], CallPurpose::kSummary);
  EXPECT_TRUE(gateway.requests[2].tools.empty());
  // After the restart: base messages plus the summary, none of the earlier tool traffic.
  const auto& restarted = gateway.requests[3].messages;
  ASSERT_EQ(restarted.size(), 3u);
  EXPECT_NE(restarted[2].content.find("SUMMARY: wrote b1.txt"), std::string::npos);
  // The new base lists the files written before the restart: memory outlives the context.
  EXPECT_NE(restarted[1].content.find("b2.txt"), std::string::npos);
  for (const auto& request : gateway.requests) {
    EXPECT_LE(limits.budget.Estimate(request.messages, request.tools), limits.budget.usable());
  }
}

TEST_F(WorkerTest, RestartBoundIsReported) {
  std::string big(7000, 'y');
  std::deque<llm::ChatResponse> replies;
  for (int i = 0; i < 10; ++i) {
    replies.push_back(Reply({Call("w" + std::to_string(i), "write_file",
                                  {{"path", "f" + std::to_string(i)}, {"content", big}})}));
    replies.push_back(Reply({Call("v" + std::to_string(i), "write_file",
                                  {{"path", "g" + std::to_string(i)}, {"content", big}})}));
    replies.push_back(Reply({}, "summary " + std::to_string(i)));
  }
  ScriptedGateway gateway(replies);
  WorkerLimits limits;
  limits.budget = ContextBudget::ForWindow(6000);
  limits.max_context_restarts = 2;
  auto outcome = RunWorker(gateway, limits);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->completed);
  EXPECT_EQ(outcome->context_restarts, 2);
  EXPECT_NE(outcome->failure.find("bound on context restarts"), std::string::npos);
}

TEST(FormatManifestTest, ListsAndCuts) {
  std::vector<filestore::FileInfo> files = {
      {"a.py", 10, 2, "h"}, {"b.py", 20, 3, "h"}, {"c.py", 30, 4, "h"}};
  EXPECT_EQ(FormatManifest({}, 10), "(no files yet)");
  std::string manifest = FormatManifest(files, 2);
  EXPECT_NE(manifest.find("a.py (2 lines, 10 bytes)"), std::string::npos);
  EXPECT_EQ(manifest.find("c.py"), std::string::npos);
  EXPECT_NE(manifest.find("1 more files"), std::string::npos);
}

TEST(ContextBudgetTest, SummaryRequestDropsOldestWholeTurns) {
  ContextBudget budget = ContextBudget::ForWindow(4000);  // usable 2800
  AgentContext context({llm::ChatMessage::System("sys"), llm::ChatMessage::User("task")}, {},
                       budget);
  for (int i = 0; i < 6; ++i) {
    std::string id = "c" + std::to_string(i);
    context.Append(llm::ChatMessage::Assistant(
        "", {{id, "write_file", json({{"content", std::string(2000, 'z')}}).dump()}}));
    context.Append(llm::ChatMessage::ToolResult(id, "{\"ok\":true}"));
  }
  EXPECT_TRUE(context.NeedsRestart());
  auto messages = context.SummaryRequestMessages("summarize");
  EXPECT_LE(budget.Estimate(messages, {}), budget.usable());
  EXPECT_EQ(messages.front().content, "sys");
  EXPECT_EQ(messages.back().content, "summarize");
  // Every tool result still follows the assistant message that asked for it.
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].role != llm::Role::kTool) continue;
    ASSERT_GT(i, 0u);
    ASSERT_EQ(messages[i - 1].role, llm::Role::kAssistant);
    EXPECT_EQ(messages[i - 1].tool_calls[0].id, messages[i].tool_call_id);
  }
  // The newest turn is kept.
  EXPECT_EQ(messages[messages.size() - 2].tool_call_id, "c5");
}

// The real gate on the staged state, with the tests that passed before protected: a model
// that skips a protected test is refused with the reason, restores it, and completes.
TEST_F(WorkerTest, AProtectedTestTheModelSkipsIsRefusedUntilItIsRestored) {
  const std::string tests =
      "import pytest\n\nfrom app import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";
  ASSERT_TRUE(mem_.txn->Write("app.py", "def add(a, b):\n    return a + b\n").ok());
  ASSERT_TRUE(mem_.txn->Write("tests/test_app.py", tests).ok());
  const auto snapshot = std::filesystem::temp_directory_path() /
                        ("l2mac_worker_protect_" + std::to_string(::getpid()));
  std::vector<toolchains::ProtectedTest> protected_tests;
  auto gate = [&](const std::vector<std::string>&) -> Result<toolchains::GateReport> {
    std::filesystem::remove_all(snapshot);
    L2MAC_RETURN_IF_ERROR(mem_.txn->WriteSnapshot(snapshot));
    toolchains::GateOptions options;
    options.protected_tests = protected_tests;
    options.instruction_text = "Add mul(a, b) to app.py.";
    auto report = toolchains::RunGate(toolchains::GateDomain::kCodebase, snapshot, {}, options);
    std::filesystem::remove_all(snapshot);
    return report;
  };
  // What the commit of the instruction that wrote the tests protected.
  auto first = gate({});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->passed) << first->FailureText(6000);
  protected_tests = toolchains::NextProtectedTests(first->test_runs, {});
  ASSERT_EQ(protected_tests.size(), 1u);

  const std::string skipped = "@pytest.mark.skip(reason='mul first')\ndef test_add():";
  ScriptedGateway gateway(
      {Reply({Call("c1", "edit_file",
                   {{"path", "tests/test_app.py"},
                    {"search", "def test_add():"},
                    {"replace", skipped}}),
              Call("c2", "step_complete", {{"summary", "skipped the add test"}})}),
       Reply({Call("c3", "edit_file",
                   {{"path", "tests/test_app.py"},
                    {"search", skipped},
                    {"replace", "def test_add():"}}),
              Call("c4", "step_complete", {{"summary", "app.py has add"}})})});
  Worker worker(prompts_, gateway, *mem_.txn, {}, gate, {});
  WorkerInput input;
  input.instruction_id = "2";
  input.instruction_text = "Add mul(a, b) to app.py.";
  auto outcome = worker.Run(input);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->completed) << outcome->failure;
  EXPECT_EQ(outcome->gate_failures, 1);
  ASSERT_EQ(gateway.requests.size(), 2u);
  const std::string refusal = gateway.requests[1].messages.back().content;
  EXPECT_NE(refusal.find("tests/test_app.py::test_add: passed at the last commit and is now "
                         "skipped"),
            std::string::npos)
      << refusal;
  EXPECT_EQ(**mem_.txn->Read("tests/test_app.py"), tests);
  // The passing gate's tests come back for the caller to protect.
  ASSERT_EQ(outcome->gate_report.test_runs.size(), 1u);
  ASSERT_EQ(outcome->gate_report.test_runs[0].tests.size(), 1u);
  EXPECT_EQ(outcome->gate_report.test_runs[0].tests[0].id, "tests/test_app.py::test_add");
}

class PlannerTest : public ::testing::Test {
 protected:
  PlannerTest() : prompts_(std::move(LoadPromptSet(Domain::kCodebase)).value()) {}
  testing::MemoryStore mem_;
  PromptSet prompts_;
};

TEST_F(PlannerTest, InvalidPlanIsCorrectedByTheModel) {
  json cyclic = {{"instructions",
                  {{{"id", "1"}, {"text", "a"}, {"depends_on", {"2"}}},
                   {{"id", "2"}, {"text", "b"}, {"depends_on", {"1"}}}}}};
  json good = {{"instructions", {{{"id", "1"}, {"text", "a"}}, {{"id", "2"}, {"text", "b"}}}}};
  ScriptedGateway gateway(
      {Reply({Call("p1", "submit_plan", cyclic)}), Reply({Call("p2", "submit_plan", good)})});
  auto program = RunPlanner("task", prompts_, gateway, *mem_.txn, {});
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  EXPECT_EQ(program->instructions.size(), 2u);
  ASSERT_EQ(gateway.requests.size(), 2u);
  EXPECT_NE(gateway.requests[1].messages.back().content.find("cycle"), std::string::npos);
}

TEST_F(PlannerTest, PlanInPlainTextIsAccepted) {
  ScriptedGateway gateway({Reply(
      {},
      "Here is the plan:\n```json\n{\"instructions\": [{\"id\": \"1\", \"text\": \"x\"}]}\n```")});
  auto program = RunPlanner("task", prompts_, gateway, *mem_.txn, {});
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  EXPECT_EQ(program->instructions[0].text, "x");
}

TEST_F(PlannerTest, GivesUpAfterTurnBound) {
  ScriptedGateway gateway({Reply({}, "no"), Reply({}, "no"), Reply({}, "no")});
  PlannerLimits limits;
  limits.max_turns = 3;
  auto program = RunPlanner("task", prompts_, gateway, *mem_.txn, limits);
  ASSERT_FALSE(program.ok());
  EXPECT_NE(program.status().message().find("--program"), std::string::npos);
}

TEST(PromptSetTest, CustomDomainNeedsTemplates) {
  auto missing = LoadPromptSet(Domain::kCustom, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--prompts"), std::string::npos);
  auto dir =
      std::filesystem::temp_directory_path() / ("l2mac-prompts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto no_worker = LoadPromptSet(Domain::kCustom, dir);
  ASSERT_FALSE(no_worker.ok());
  EXPECT_NE(no_worker.status().message().find("planner.md"), std::string::npos);
  std::ofstream(dir / "planner.md") << "Plan poems.";
  std::ofstream(dir / "worker.md") << "Write poems.";
  auto custom = LoadPromptSet(Domain::kCustom, dir);
  ASSERT_TRUE(custom.ok()) << custom.status().ToString();
  EXPECT_EQ(custom->planner_system, "Plan poems.");
  EXPECT_FALSE(custom->worker_user.empty());                 // falls back to the built-in template
  std::ofstream(dir / "worker_user.md") << "Do the thing.";  // no {{instruction}}
  auto starved = LoadPromptSet(Domain::kCustom, dir);
  ASSERT_FALSE(starved.ok());
  EXPECT_NE(starved.status().message().find("{{instruction}}"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(PromptSetTest, RenderFillsKnownPlaceholdersOnly) {
  EXPECT_EQ(Render("a {{x}} b {{y}} {{x}}", {{"x", "1"}}), "a 1 b {{y}} 1");
  EXPECT_EQ(Render("{{unterminated", {{"unterminated", "z"}}), "{{unterminated");
}

}  // namespace
}  // namespace l2mac::agents
