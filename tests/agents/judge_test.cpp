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

}  // namespace
}  // namespace l2mac::agents
