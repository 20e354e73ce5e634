// Requirements in the agents: the planner refuses a plan that leaves a requirement
// uncovered (and the model corrects it), and a worker whose instruction covers
// requirements is shown them with the test-naming convention; one without is not.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent_test_support.hpp"
#include "agents/planner.hpp"
#include "agents/requirement_list.hpp"
#include "agents/worker.hpp"

namespace l2mac::agents {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Reply;
using testing::ScriptedGateway;

json PlanWith(json covers_of_2) {
  return {{"requirements",
           {{{"id", "F1"}, {"text", "shorten"}},
            {{"id", "F2"}, {"text", "validate"}},
            {{"id", "F3"}, {"text", "resolve"}}}},
          {"instructions",
           {{{"id", "1"}, {"text", "codes"}, {"covers", {"F1"}}},
            {{"id", "2"}, {"text", "service"}, {"covers", covers_of_2}}}}};
}

class RequirementsPlanningTest : public ::testing::Test {
 protected:
  RequirementsPlanningTest() : prompts_(std::move(LoadPromptSet(Domain::kCodebase)).value()) {}
  testing::MemoryStore mem_;
  PromptSet prompts_;
};

TEST_F(RequirementsPlanningTest, PlannerIsAskedForRequirements) {
  ScriptedGateway gateway({Reply({Call("p1", "submit_plan", PlanWith({"F2", "F3"}))})});
  auto program = RunPlanner("task", prompts_, gateway, *mem_.txn, {});
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  EXPECT_EQ(program->requirements.size(), 3u);
  EXPECT_EQ(program->instructions[1].covers, (std::vector<std::string>{"F2", "F3"}));
  ASSERT_EQ(gateway.requests.size(), 1u);
  EXPECT_NE(gateway.requests[0].messages[0].content.find("requirements"), std::string::npos);
  const auto& tools = gateway.requests[0].tools;
  auto submit = std::find_if(tools.begin(), tools.end(), [](const llm::ToolSchema& tool) {
    return tool.name == "submit_plan";
  });
  ASSERT_NE(submit, tools.end());
  EXPECT_TRUE(submit->parameters["properties"].contains("requirements"));
  EXPECT_TRUE(
      submit->parameters["properties"]["instructions"]["items"]["properties"].contains("covers"));
}

TEST_F(RequirementsPlanningTest, UncoveredRequirementGoesBackToTheModelNamingIt) {
  ScriptedGateway gateway({Reply({Call("p1", "submit_plan", PlanWith({"F2"}))}),
                           Reply({Call("p2", "submit_plan", PlanWith({"F2", "F3"}))})});
  auto program = RunPlanner("task", prompts_, gateway, *mem_.txn, {});
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  EXPECT_EQ(program->instructions[1].covers, (std::vector<std::string>{"F2", "F3"}));
  ASSERT_EQ(gateway.requests.size(), 2u);
  const std::string refusal = gateway.requests[1].messages.back().content;
  EXPECT_NE(refusal.find("requirement F3 is covered by no instruction"), std::string::npos)
      << refusal;
}

TEST_F(RequirementsPlanningTest, PlannerGivesUpOnARepeatedlyUncoveredPlan) {
  ScriptedGateway gateway({Reply({Call("p1", "submit_plan", PlanWith({"F9"}))}),
                           Reply({Call("p2", "submit_plan", PlanWith(json::array()))})});
  PlannerLimits limits;
  limits.max_turns = 2;
  auto program = RunPlanner("task", prompts_, gateway, *mem_.txn, limits);
  ASSERT_FALSE(program.ok());
  EXPECT_NE(program.status().message().find("requirements F2, F3 are covered by no instruction"),
            std::string::npos)
      << program.status().message();
  EXPECT_NE(gateway.requests[1].messages.back().content.find("covers 'F9'"), std::string::npos);
}

class RequirementsWorkerTest : public ::testing::Test {
 protected:
  RequirementsWorkerTest() : prompts_(std::move(LoadPromptSet(Domain::kCodebase)).value()) {}

  // The worker's first user message for an instruction covering `requirements`.
  std::string FirstUserMessage(std::vector<registry::Requirement> requirements) {
    ScriptedGateway gateway({Reply({Call("c1", "step_complete", {{"summary", "done"}})})});
    CheckRunner pass = [](const std::vector<std::string>&) {
      return Result<toolchains::GateReport>(toolchains::GateReport{});
    };
    Worker worker(prompts_, gateway, *mem_.txn, {}, pass, {});
    WorkerInput input;
    input.task = "Build a shortener.";
    input.instruction_id = "1";
    input.instruction_text = "Write codes.py.";
    input.requirements = std::move(requirements);
    auto outcome = worker.Run(input);
    EXPECT_TRUE(outcome.ok() && outcome->completed);
    return gateway.requests.empty() ? "" : gateway.requests[0].messages[1].content;
  }

  testing::MemoryStore mem_;
  PromptSet prompts_;
};

TEST_F(RequirementsWorkerTest, CoveredRequirementsAndTheConventionAreShown) {
  std::string with = FirstUserMessage({{"F1", "shorten a URL"}, {"F3", "resolve a code"}});
  EXPECT_NE(with.find("# Requirements your instruction covers"), std::string::npos) << with;
  EXPECT_NE(with.find("- F1: shorten a URL\n- F3: resolve a code"), std::string::npos) << with;
  EXPECT_NE(with.find("test_F3_resolves_known_code"), std::string::npos) << with;

  std::string without = FirstUserMessage({});
  EXPECT_EQ(without.find("Requirements"), std::string::npos) << without;
  // Without requirements the message is exactly the template's, as before they existed.
  EXPECT_EQ(with.substr(0, without.size()), without);
}

TEST(RequirementListTest, LinesAndTheWholeListAreBounded) {
  std::vector<registry::Requirement> many;
  for (int i = 1; i <= 40; ++i) {
    many.push_back({"R" + std::to_string(i), std::string(500, 'x') + "\nsecond line"});
  }
  std::string list = FormatRequirementList(many, 1000, 100);
  EXPECT_LE(list.size(), 1000u + 40 * 6);
  EXPECT_NE(list.find("- R1: " + std::string(97, 'x') + "...\n"), std::string::npos) << list;
  EXPECT_EQ(list.find("second line"), std::string::npos);
  EXPECT_NE(list.find("(also: R"), std::string::npos) << list;
  EXPECT_NE(list.find("R40)"), std::string::npos) << list;
  EXPECT_EQ(FormatRequirementList({{"F1", "one"}}), "- F1: one");
}

}  // namespace
}  // namespace l2mac::agents
