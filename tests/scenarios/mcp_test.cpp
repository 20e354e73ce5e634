// `l2mac mcp` end to end: the official MCP TypeScript SDK client (tests/mcp/client.mjs,
// npm @modelcontextprotocol/sdk pinned in tests/mcp/package-lock.json, installed by
// `scripts/setup.sh --tests`) spawns the server over stdio against the simulated model,
// lists the tools, starts a run and follows its progress to the end, reads a generated
// file as a tool result and as a resource, cancels a second run held in a model call, and
// closes the server with a third run still going, which the server interrupts.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <optional>

#include "control_unit/workspace.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

using std::chrono::milliseconds;

const std::filesystem::path kMcpTests = std::filesystem::path(kSourceDir) / "tests" / "mcp";

// ThreeModules::FirstOnly, except that a run whose task says HOLD has its first worker
// call held for a minute (a slow model), so it can be cancelled mid-call.
ScriptedModel HoldingModel() {
  ScriptedModel model = ThreeModules::FirstOnly();
  model.intercept = [](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (request.IsPlanner() || !request.Contains("HOLD")) return std::nullopt;
    sim::SimReply reply = sim::TextReply("never delivered");
    reply.delay = milliseconds(60000);
    return reply;
  };
  return model;
}

TEST(McpScenario, TheOfficialSdkClientRunsFollowsReadsAndCancels) {
  // Setup installs the SDK; a missing one is a broken setup, not a reason to skip.
  ASSERT_TRUE(std::filesystem::exists(kMcpTests / "node_modules" / "@modelcontextprotocol" / "sdk" /
                                      "package.json"))
      << "the MCP SDK is not installed in " << kMcpTests
      << "/node_modules: run scripts/setup.sh --tests (it runs `npm ci` there)";
  ScenarioHarness harness("mcp-sdk");
  harness.Serve(HoldingModel());
  ChildEnv env = harness.Env();
  env.set["L2MAC_BIN"] = kL2macBinary;
  env.set["MODEL_URL"] = harness.base_url();
  env.set["WORK_DIR"] = harness.root().string();
  auto client = Subprocess::Start({"/usr/bin/env", "node", (kMcpTests / "client.mjs").string()},
                                  env, kMcpTests);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ProcessOutcome outcome = (*client)->Wait(std::chrono::seconds(240));
  ASSERT_EQ(outcome.exit_code, 0) << outcome.Describe();
  EXPECT_NE(outcome.out.find("mcp client: ok"), std::string::npos) << outcome.Describe();
  EXPECT_NE(outcome.out.find("second run cancelled: interrupted"), std::string::npos)
      << outcome.out;
  // The server logged on stderr only; the protocol had stdout to itself (the SDK would
  // have failed on anything else there).
  EXPECT_NE(outcome.err.find("l2mac: mcp: serving on stdin/stdout"), std::string::npos)
      << outcome.err;
  // What the runs left: the first run's files on disk, the second run resumable.
  EXPECT_EQ(ReadTree(harness.root() / "out1"), ThreeModules::FirstOnlyFiles());
  EXPECT_EQ(StatusJson(harness.root() / "out2").value("state", "").rfind("interrupted", 0), 0u);
  // The run still going when the client closed the server's stdin was interrupted at a safe
  // point and waited for: no process holds its folder, nothing is left running.
  EXPECT_FALSE(control_unit::Workspace::IsBusy(harness.root() / "out3"));
  nlohmann::json third = StatusJson(harness.root() / "out3");
  EXPECT_EQ(third.value("state", "").rfind("interrupted", 0), 0u) << third.dump(2);
  EXPECT_EQ(StatusOf(third, "1").value("status", ""), "pending") << third.dump(2);
  EXPECT_NE(ReadText(harness.root() / "out3" / ".l2mac" / "mcp-run.log").find("interrupted"),
            std::string::npos);
}

}  // namespace
}  // namespace l2mac::scenario
