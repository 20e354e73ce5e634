// The judge agent's loop with a scripted gateway: read-only tools over the store, a bad
// verdict re-asked (bounded), and a context that holds only the spec, the requirements and
// the store.
#include "agents/judge.hpp"

#include <gtest/gtest.h>

#include "agents/prompt_set.hpp"
#include "tests/agents/agent_test_support.hpp"

namespace l2mac::agents {
namespace {

using testing::Call;
using testing::MemoryStore;
using testing::Reply;
using testing::ScriptedGateway;

JudgeInput Input() {
  return {"Build add and sub.", {{"F1", "add(a, b) adds"}, {"F2", "sub(a, b) subtracts"}}};
}

nlohmann::json Verdict(const std::string& f2_score) {
  return {{"requirements",
           {{{"id", "F1"}, {"score", "implemented"}, {"evidence", "calc.py:1 add"}},
            {{"id", "F2"}, {"score", f2_score}, {"evidence", "no sub in calc.py"}}}}};
}

JudgeLimits Limits() {
  JudgeLimits limits;
  limits.budget = ContextBudget::ForWindow(32000, 1.0, 0);
  return limits;
}

TEST(JudgeAgentTest, ReadsTheStoreAndReturnsTheValidatedVerdict) {
  MemoryStore mem;
  ASSERT_TRUE(mem.txn->Write("calc.py", "def add(a, b):\n    return a + b\n").ok());
  auto prompts = LoadPromptSet(Domain::kCodebase);
  ASSERT_TRUE(prompts.ok());
  ScriptedGateway gateway({
      Reply({Call("1", "search_files", {{"pattern", "def "}}),
             Call("2", "write_file", {{"path", "x.py"}, {"content", "x = 1\n"}})}),
      Reply({Call("3", "submit_verdict",
                  {{"requirements",
                    {{{"id", "F1"}, {"score", "implemented"}, {"evidence", "calc.py:1"}}}}})}),
      Reply({Call("4", "submit_verdict", Verdict("missing"))}),
  });
  auto outcome = RunJudge(Input(), *prompts, gateway, *mem.txn, Limits());
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_TRUE(outcome->verdict.has_value()) << outcome->no_verdict;
  EXPECT_DOUBLE_EQ(outcome->verdict->FeaturesPct(), 50.0);
  ASSERT_EQ(gateway.requests.size(), 3u);
  for (auto purpose : gateway.purposes) EXPECT_EQ(purpose, CallPurpose::kJudge);
  // The first request: the judge's prompt with the spec, the requirements and the files.
  const auto& first = gateway.requests[0].messages;
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].content.rfind("You are the judge", 0), 0u);
  EXPECT_NE(first[1].content.find("- F2: sub(a, b) subtracts"), std::string::npos);
  EXPECT_NE(first[1].content.find("calc.py"), std::string::npos);
  // The search ran; the write was refused and wrote nothing.
  const auto& second = gateway.requests[1].messages;
  EXPECT_NE(second[3].content.find("calc.py"), std::string::npos);
  EXPECT_NE(second[4].content.find("the judge can only call"), std::string::npos);
  auto written = mem.txn->Read("x.py");
  ASSERT_TRUE(written.ok());
  EXPECT_FALSE(written->has_value());
  // The incomplete verdict went back with what to fix.
  const auto& third = gateway.requests[2].messages;
  EXPECT_NE(third.back().content.find("does not score F2"), std::string::npos)
      << third.back().content;
}

TEST(JudgeAgentTest, GivesUpAfterTooManyInvalidVerdicts) {
  MemoryStore mem;
  auto prompts = LoadPromptSet(Domain::kCodebase);
  ASSERT_TRUE(prompts.ok());
  std::deque<llm::ChatResponse> replies;
  for (int i = 0; i < 5; ++i)
    replies.push_back(Reply({Call("v", "submit_verdict", Verdict("done"))}));
  ScriptedGateway gateway(std::move(replies));
  auto outcome = RunJudge(Input(), *prompts, gateway, *mem.txn, Limits());
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_FALSE(outcome->verdict.has_value());
  EXPECT_NE(outcome->no_verdict.find("3 invalid verdicts"), std::string::npos);
  EXPECT_EQ(gateway.requests.size(), 3u);
}

TEST(JudgeAgentTest, ABookJudgesInconsistenciesMustCitePlacesThatExist) {
  MemoryStore mem;
  ASSERT_TRUE(mem.txn->Write("ch1.md", "# One\n\nMara Venn keeps the light.\n").ok());
  ASSERT_TRUE(mem.txn->Write("ch2.md", "# Two\n\nMara Fenn climbs.\n").ok());
  auto prompts = LoadPromptSet(Domain::kBook);
  ASSERT_TRUE(prompts.ok());
  auto verdict = [](const std::string& evidence) {
    return nlohmann::json{
        {"requirements",
         {{{"id", "F1"}, {"score", "implemented"}, {"evidence", "ch1.md:3"}},
          {{"id", "F2"}, {"score", "implemented"}, {"evidence", "ch2.md:3"}}}},
        {"inconsistencies", {{{"what", "Venn or Fenn; Venn stands"}, {"evidence", evidence}}}}};
  };
  ScriptedGateway gateway({
      Reply({Call("1", "submit_verdict", verdict("ch1.md:3; ch2.md:9"))}),
      Reply({Call("2", "submit_verdict", verdict("ch1.md:3; ch3.md:1"))}),
      Reply({Call("3", "submit_verdict", verdict("ch1.md:3; ch2.md:3"))}),
  });
  JudgeInput input = Input();
  input.check_consistency = true;
  auto outcome = RunJudge(input, *prompts, gateway, *mem.txn, Limits());
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_TRUE(outcome->verdict.has_value()) << outcome->no_verdict;
  ASSERT_EQ(outcome->verdict->inconsistencies.size(), 1u);
  EXPECT_EQ(outcome->verdict->inconsistencies[0].evidence, "ch1.md:3; ch2.md:3");
  EXPECT_FALSE(outcome->verdict->Settled());
  ASSERT_EQ(gateway.requests.size(), 3u);
  EXPECT_NE(gateway.requests[0].messages[0].content.find("consistency across the chapters"),
            std::string::npos);
  EXPECT_NE(gateway.requests[1].messages.back().content.find("cites ch2.md:9, but it has 3 lines"),
            std::string::npos)
      << gateway.requests[1].messages.back().content;
  EXPECT_NE(
      gateway.requests[2].messages.back().content.find("cites ch3.md, which is not in the store"),
      std::string::npos)
      << gateway.requests[2].messages.back().content;
}

}  // namespace
}  // namespace l2mac::agents
