// Scenarios 4 and 5: the model misbehaves. Rate limits (429 with Retry-After) are retried
// and the run completes; a rejected key (401) stops the run with exit status 4 and one
// clear line, and the key itself appears nowhere; tool calls with invalid JSON arguments
// come back to the model as tool errors and the run carries on.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kSecret = "sk-test-SECRET123";

ChildEnv WithKey() {
  ChildEnv env;
  env.set["OPENAI_API_KEY"] = kSecret;
  return env;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

TEST(ModelFaultsScenario, RateLimitsAreRetriedAndTheKeyIsNeverStored) {
  ScenarioHarness harness("rate-limit");
  ScriptedModel model = ThreeModules::FirstOnly();
  model.intercept = [](const ModelRequest&, size_t index) -> std::optional<sim::SimReply> {
    if (index < 2) return sim::ErrorReply(429, "rate limited", {{"Retry-After", "0"}});
    return std::nullopt;
  };
  harness.Serve(std::move(model));

  ProcessOutcome run = harness.Run({}, WithKey());
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::FirstOnlyFiles());

  // The planning request was sent three times (two 429s, then success), unchanged.
  auto requests = harness.requests();
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_TRUE(ModelRequest(requests[0]).IsPlanner());
  EXPECT_EQ(requests[1], requests[0]);
  EXPECT_EQ(requests[2], requests[0]);
  // Only answered calls are exchanges of the run.
  EXPECT_EQ(QueryRunInt(harness.out(), "SELECT COUNT(*) FROM exchanges"), 4);
  // The key was used on every request...
  for (const auto& header : harness.server().authorization_headers()) {
    EXPECT_EQ(header, std::string("Bearer ") + kSecret);
  }
  // ...and kept nowhere: not in the output, the state database or the transcript.
  EXPECT_EQ(run.err.find(kSecret), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find(kSecret), std::string::npos);
  EXPECT_TRUE(FilesContaining(harness.root(), kSecret).empty())
      << testing::PrintToString(FilesContaining(harness.root(), kSecret));
  ProcessOutcome transcript = RunL2mac({"transcript", harness.out().string()});
  ASSERT_EQ(transcript.exit_code, 0) << transcript.Describe();
  EXPECT_EQ(ParseJsonLines(transcript.out).size(), 4u);
  EXPECT_EQ(transcript.out.find(kSecret), std::string::npos);
}

TEST(ModelFaultsScenario, AWholeReplyThatIsNotACompletionIsRetriedAndTheRunGoesOn) {
  ScenarioHarness harness("garbled-body");
  ScriptedModel model = ThreeModules::FirstOnly();
  // A 200 whose body is not a chat completion, once while planning and once while
  // working: a proxy's page, then JSON cut short. Both were fatal (exit 4) before.
  model.intercept = [](const ModelRequest&, size_t index) -> std::optional<sim::SimReply> {
    sim::SimReply reply;
    if (index == 0) reply.raw_body = "<html>upstream reset, served as 200</html>";
    if (index == 2) reply.raw_body = R"({"id": "x", "choices": [{"message": {"role": "assi)";
    if (reply.raw_body.empty()) return std::nullopt;
    return reply;
  };
  harness.Serve(std::move(model));

  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadTree(harness.out()), ThreeModules::FirstOnlyFiles());
  EXPECT_NE(run.err.find("not a chat completion"), std::string::npos) << run.err;
  // Each garbled reply was asked for again: two requests more than answered exchanges.
  EXPECT_EQ(static_cast<int64_t>(harness.requests().size()),
            QueryRunInt(harness.out(), "SELECT COUNT(*) FROM exchanges") + 2);
}

TEST(ModelFaultsScenario, ARejectedKeyStopsTheRunWithOneClearLineAndNoTraceOfTheKey) {
  ScenarioHarness harness("unauthorized");
  ScriptedModel model = ThreeModules::FirstOnly();
  model.intercept = [](const ModelRequest&, size_t) -> std::optional<sim::SimReply> {
    return sim::ErrorReply(401, "Incorrect API key provided");
  };
  harness.Serve(std::move(model));

  ProcessOutcome run = harness.Run({}, WithKey());
  EXPECT_EQ(run.exit_code, 4) << run.Describe();
  EXPECT_EQ(harness.server().request_count(), 1u) << "a 401 must not be retried";

  std::vector<std::string> mentions;
  for (const auto& line : Lines(run.err)) {
    if (line.find("HTTP 401") != std::string::npos) mentions.push_back(line);
  }
  ASSERT_EQ(mentions.size(), 1u) << run.err;
  EXPECT_EQ(mentions[0].rfind("l2mac: error:", 0), 0u) << mentions[0];
  EXPECT_NE(mentions[0].find("OPENAI_API_KEY"), std::string::npos) << mentions[0];

  EXPECT_EQ(run.err.find(kSecret), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find(kSecret), std::string::npos) << run.out;
  ASSERT_TRUE(std::filesystem::exists(StateDbPath(harness.out())));
  EXPECT_TRUE(FilesContaining(harness.root(), kSecret).empty())
      << testing::PrintToString(FilesContaining(harness.root(), kSecret));
  ProcessOutcome transcript = RunL2mac({"transcript", harness.out().string()});
  EXPECT_EQ(transcript.exit_code, 0) << transcript.Describe();
  EXPECT_EQ(transcript.out.find(kSecret), std::string::npos);
  ProcessOutcome status = RunL2mac({"status", harness.out().string()});
  EXPECT_EQ(status.exit_code, 0) << status.Describe();
  EXPECT_EQ(status.out.find(kSecret), std::string::npos);
}

TEST(ModelFaultsScenario, InvalidToolArgumentsComeBackAsAToolErrorAndTheRunGoesOn) {
  ScenarioHarness harness("invalid-json");
  const std::string raw = R"({"path": "arith.py", "content": "def add(a, b):\n    return a +)";
  ScriptedModel model = ThreeModules::FirstOnly();
  auto files = ThreeModules::FirstOnlyFiles();
  model.instructions["1"].turns = {
      RawTool("write_file", raw),
      Tools({WriteFileUse("arith.py", files["arith.py"]),
             WriteFileUse("test_arith.py", files["test_arith.py"])}),
      StepComplete("arith.py with add(a, b)."),
  };
  // The planner's first plan is not valid JSON either.
  model.intercept = [](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (request.IsPlanner() && request.AssistantTurns() == 0) {
      return sim::RawToolCallReply("submit_plan", R"({"instructions": [{"id": "1",)");
    }
    return std::nullopt;
  };
  harness.Serve(std::move(model));

  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadTree(harness.out()), files);

  auto requests = harness.requests();
  ASSERT_EQ(requests.size(), 5u);
  auto plan_error = ModelRequest(requests[1]).LastToolResult();
  ASSERT_TRUE(plan_error.has_value());
  EXPECT_EQ(plan_error->value("ok", true), false) << plan_error->dump();
  EXPECT_NE(plan_error->value("error", "").find("not valid JSON"), std::string::npos)
      << plan_error->dump();

  auto work = RequestsFor(requests, "1");
  ASSERT_EQ(work.size(), 3u);
  auto tool_error = work[1].LastToolResult();
  ASSERT_TRUE(tool_error.has_value());
  EXPECT_EQ(tool_error->value("ok", true), false) << tool_error->dump();
  std::string error = tool_error->value("error", "");
  EXPECT_NE(error.find("write_file"), std::string::npos) << error;
  EXPECT_NE(error.find("not a valid JSON object"), std::string::npos) << error;

  nlohmann::json instruction = StatusOf(StatusJson(harness.out()), "1");
  EXPECT_EQ(instruction["status"], "committed") << instruction.dump();
  EXPECT_EQ(instruction["attempts"], 0) << instruction.dump();

  // The transcript keeps the invalid arguments verbatim, so a replay repeats the mistake.
  ProcessOutcome transcript = RunL2mac({"transcript", harness.out().string()});
  ASSERT_EQ(transcript.exit_code, 0) << transcript.Describe();
  auto lines = ParseJsonLines(transcript.out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[2]["response"]["tool_calls"][0]["arguments"], raw) << lines[2].dump();
}

}  // namespace
}  // namespace l2mac::scenario
