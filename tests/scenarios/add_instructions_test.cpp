// A worker's add_instructions tool, end to end with the real binary and the scripted model:
// follow-up instructions are checked at once (bad ones are tool errors naming the problem),
// appended to the program only when the calling instruction commits, then run like the
// others; an instruction that fails adds nothing. Status, the events and the trace show
// them.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/scenarios/json_schema_subset.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

json Added(std::string id, std::string text, std::vector<std::string> depends_on = {},
           std::vector<std::string> covers = {}) {
  return {{"id", std::move(id)},
          {"text", std::move(text)},
          {"depends_on", std::move(depends_on)},
          {"covers", std::move(covers)}};
}

Turn AddInstructions(std::vector<json> instructions) {
  return Tool("add_instructions", {{"instructions", instructions}});
}

// The result the model got for its call in turn `turn` of instruction `id`.
json ResultOfTurn(const std::vector<json>& requests, const std::string& id, int turn) {
  for (const auto& request : RequestsFor(requests, id)) {
    if (request.AssistantTurns() == turn + 1) return request.LastToolResult().value_or(json());
  }
  return json();
}

std::vector<json> EventLines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) lines.push_back(std::move(parsed));
  }
  return lines;
}

ScriptedModel AddsAFollowUp() {
  ScriptedModel model;
  model.plan = {{"requirements", json::array({{{"id", "R1"}, {"text", "calc.py adds."}},
                                              {{"id", "R2"}, {"text", "calc.py subtracts."}}})},
                {"instructions", json::array({{{"id", "1"},
                                               {"text", "Write calc.py with add and sub."},
                                               {"covers", {"R1", "R2"}}}})}};
  std::vector<json> nine;
  for (int i = 0; i < 9; ++i) nine.push_back(Added("x" + std::to_string(i), "more"));
  model.instructions["1"].turns = {
      // Refused: an unknown dependency, a reused id, an unknown requirement, too many.
      AddInstructions({Added("1b", "Write the tests of sub.", {"9"})}),
      AddInstructions({Added("1", "Again.")}),
      AddInstructions({Added("1b", "Write the tests of sub.", {"1"}, {"R7"})}),
      AddInstructions(nine),
      // Accepted, but only with the commit: the first step_complete is refused.
      AddInstructions(
          {Added("1b", "Write test_sub.py for sub (name R2 in the test).", {"1"}, {"R2"})}),
      Tools({WriteFileUse("calc.py",
                          "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n"
                          "    return a + b\n"),
             WriteFileUse("test_calc.py", PythonTest("calc",
                                                     "def test_R1_add():\n    assert "
                                                     "add(2, 3) == 5\n\n\ndef "
                                                     "test_R2_sub():\n    assert sub(3, "
                                                     "2) == 1\n"))}),
      StepComplete("calc.py"),
      EditFile("calc.py", "def sub(a, b):\n    return a + b", "def sub(a, b):\n    return a - b"),
      StepComplete("calc.py with add and sub"),
  };
  model.instructions["1b"].turns = {
      WriteFile("test_sub.py", PythonTest("calc",
                                          "def test_R2_sub_more():\n    assert sub(5, 5) "
                                          "== 0\n")),
      StepComplete("test_sub.py"),
  };
  return model;
}

TEST(AddInstructionsScenario, AFollowUpIsCheckedAtOnceAndJoinsTheProgramWithTheCommit) {
  ScenarioHarness harness("add-instructions");
  harness.Serve(AddsAFollowUp());
  ProcessOutcome run = harness.Run({"--json", "--no-judge"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  const auto requests = harness.requests();

  // Each bad call is a tool error naming the problem.
  auto error_of = [&](int turn) {
    json result = ResultOfTurn(requests, "1", turn);
    EXPECT_EQ(result.value("ok", true), false) << result.dump();
    return result.value("error", "");
  };
  EXPECT_NE(error_of(0).find("depends on '9'"), std::string::npos) << error_of(0);
  EXPECT_NE(error_of(1).find("reuses an id"), std::string::npos) << error_of(1);
  EXPECT_NE(error_of(2).find("covers 'R7'"), std::string::npos) << error_of(2);
  EXPECT_NE(error_of(3).find("at most 8 per call"), std::string::npos) << error_of(3);
  json accepted = ResultOfTurn(requests, "1", 4);
  EXPECT_EQ(accepted.value("ok", false), true) << accepted.dump();
  EXPECT_EQ(accepted["added"], json::array({"1b"}));
  // The tool is offered to workers.
  bool offered = false;
  const json first = RequestsFor(requests, "1").at(0).body();
  for (const auto& tool : first.value("tools", json::array())) {
    offered = offered || tool["function"]["name"] == "add_instructions";
  }
  EXPECT_TRUE(offered);

  // The refused step_complete did not add it; the commit did, and 1b then ran.
  json status = StatusJson(harness.out());
  ASSERT_EQ(status["instructions"].size(), 2u) << status.dump();
  json follow_up = StatusOf(status, "1b");
  EXPECT_EQ(follow_up["added_by"], "1");
  EXPECT_EQ(follow_up["status"], "committed");
  EXPECT_EQ(follow_up["depends_on"], json::array({"1"}));
  EXPECT_EQ(follow_up["covers"], json::array({"R2"}));
  EXPECT_EQ(StatusOf(status, "1")["added_by"], "");
  EXPECT_EQ(StatusOf(status, "1")["attempts"], 1);
  ProcessOutcome text = RunL2mac({"status", harness.out().string()});
  EXPECT_NE(text.out.find("added by instruction 1"), std::string::npos) << text.out;

  // The event comes with the commit, and matches the schema.
  json schema = json::parse(ReadText(std::filesystem::path(kSourceDir) / "docs/events.schema.json"),
                            nullptr, false);
  SchemaSubsetValidator validator(schema);
  std::vector<std::string> order;
  for (const auto& event : EventLines(run.out)) {
    auto errors = validator.Validate(event);
    EXPECT_TRUE(errors.empty()) << event.dump() << (errors.empty() ? "" : errors[0]);
    const std::string type = event["type"];
    if (type == "instructions_added") {
      EXPECT_EQ(event["instruction"], "1");
      EXPECT_EQ(event["instructions"], json::array({"1b"}));
    }
    if (type == "step_rejected" || type == "instructions_added" ||
        type == "instruction_committed") {
      order.push_back(type + ":" + event["instruction"].get<std::string>());
    }
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"step_rejected:1", "instructions_added:1",
                                      "instruction_committed:1", "instruction_committed:1b"}));

  // The trace lists the follow-up under the requirement it covers.
  ProcessOutcome trace = RunL2mac({"trace", harness.out().string(), "--json"});
  ASSERT_EQ(trace.exit_code, 0) << trace.Describe();
  EXPECT_NE(trace.out.find("\"1b\""), std::string::npos) << trace.out;
}

TEST(AddInstructionsScenario, AnInstructionThatFailsAddsNothing) {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("1", "Write broken.py.")});
  model.instructions["1"].turns = {
      AddInstructions({Added("later", "Document broken.py.", {"1"})}),
      Tools({WriteFileUse("broken.py", "def value():\n    return 1\n"),
             WriteFileUse("test_broken.py",
                          PythonTest("broken", "def test_value():\n    assert value() == 2\n"))}),
      StepComplete("broken.py"),
      StepComplete("broken.py again"),
  };
  ScenarioHarness harness("add-instructions-failed");
  harness.Serve(std::move(model));
  ProcessOutcome run = harness.Run({"--max-attempts", "2"});
  ASSERT_EQ(run.exit_code, 5) << run.Describe();
  EXPECT_EQ(ResultOfTurn(harness.requests(), "1", 0).value("ok", false), true);
  json status = StatusJson(harness.out());
  ASSERT_EQ(status["instructions"].size(), 1u) << status.dump();
  EXPECT_EQ(StatusOf(status, "1")["status"], "failed");
}

}  // namespace
}  // namespace l2mac::scenario
