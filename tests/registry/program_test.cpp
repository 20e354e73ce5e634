#include "registry/program.hpp"

#include <gtest/gtest.h>

namespace l2mac::registry {
namespace {

using nlohmann::json;

TEST(ProgramTest, ParsesValidProgram) {
  auto program = ParseProgramText(
      R"({"instructions": [{"id": "1", "text": "a", "depends_on": []},
                           {"id": "2", "text": "b", "depends_on": ["1"]}]})",
      "p.json");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  ASSERT_EQ(program->instructions.size(), 2u);
  EXPECT_EQ(program->instructions[1].depends_on, std::vector<std::string>{"1"});
}

TEST(ProgramTest, AcceptsIntegerIdsAndMissingDependsOn) {
  auto program = ParseProgram(json::parse(R"({"instructions": [{"id": 1, "text": "a"},
                                                               {"id": 2, "text": "b", "depends_on": [1]}]})"));
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  EXPECT_EQ(program->instructions[0].id, "1");
  EXPECT_EQ(program->instructions[1].depends_on, std::vector<std::string>{"1"});
}

struct BadProgram {
  const char* text;
  const char* expected_fragment;
};

class BadProgramTest : public ::testing::TestWithParam<BadProgram> {};

TEST_P(BadProgramTest, RejectedWithClearMessage) {
  auto program = ParseProgramText(GetParam().text, "plan.json");
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(program.status().message().find(GetParam().expected_fragment), std::string::npos)
      << program.status().message();
  EXPECT_NE(program.status().message().find("plan.json"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadProgramTest,
    ::testing::Values(
        BadProgram{"not json", "not valid JSON"}, BadProgram{"[]", "must be a JSON object"},
        BadProgram{R"({"steps": []})", "\"instructions\" array"},
        BadProgram{R"({"instructions": []})", "no instructions"},
        BadProgram{R"({"instructions": [{"id": "1"}]})", "has no \"text\""},
        BadProgram{R"({"instructions": [{"id": "", "text": "x"}]})", "empty id"},
        BadProgram{R"({"instructions": [{"id": "1", "text": "  "}]})", "empty text"},
        BadProgram{R"({"instructions": [{"id": "1", "text": "a"}, {"id": "1", "text": "b"}]})",
                   "duplicate instruction id '1'"},
        BadProgram{R"({"instructions": [{"id": "1", "text": "a", "depends_on": ["9"]}]})",
                   "depends on '9', which is not in the program"},
        BadProgram{R"({"instructions": [{"id": "1", "text": "a", "depends_on": ["1"]}]})",
                   "depends on itself"},
        BadProgram{R"({"instructions": [{"id": "1", "text": "a", "depends_on": ["3"]},
                                         {"id": "2", "text": "b", "depends_on": ["1"]},
                                         {"id": "3", "text": "c", "depends_on": ["2"]}]})",
                   "cycle"},
        BadProgram{R"({"instructions": [{"id": "1", "text": "a", "depends_on": "2"}]})",
                   "must be an array"},
        // The instruction's own caps: positive numbers, whole for tokens and turns; the
        // error names the instruction and the field.
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_tokens": 0}]})",
                   "instruction 'a7': \"max_tokens\" must be a whole number from 1"},
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_tokens": -5}]})",
                   "instruction 'a7': \"max_tokens\" must be a whole number from 1"},
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_tokens": 10.5}]})",
                   "instruction 'a7': \"max_tokens\""},
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_tokens": "5000"}]})",
                   "not \"5000\""},
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_turns": 0}]})",
                   "instruction 'a7': \"max_turns\" must be a whole number from 1 to 100000"},
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_turns": 100001}]})",
                   "instruction 'a7': \"max_turns\""},
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_turns": true}]})",
                   "instruction 'a7': \"max_turns\""},
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_cost_usd": 0}]})",
                   "instruction 'a7': \"max_cost_usd\" must be a positive number"},
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_cost_usd": -1.5}]})",
                   "instruction 'a7': \"max_cost_usd\""},
        BadProgram{R"({"instructions": [{"id": "a7", "text": "a", "max_cost_usd": "1"}]})",
                   "instruction 'a7': \"max_cost_usd\""}));

TEST(ProgramTest, ReadsAnInstructionsOwnCaps) {
  auto program = ParseProgram(json::parse(R"({"instructions": [
      {"id": "1", "text": "a", "max_tokens": 5000, "max_cost_usd": 0.25, "max_turns": 7},
      {"id": "2", "text": "b", "max_tokens": 2000.0, "max_turns": null},
      {"id": "3", "text": "c"}]})"));
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  EXPECT_EQ(program->instructions[0].max_tokens, 5000);
  EXPECT_EQ(program->instructions[0].max_cost_usd, 0.25);
  EXPECT_EQ(program->instructions[0].max_turns, 7);
  EXPECT_EQ(program->instructions[1].max_tokens, 2000);
  EXPECT_EQ(program->instructions[1].max_turns, 0);
  EXPECT_EQ(program->instructions[2].max_tokens, 0);
  EXPECT_EQ(program->instructions[2].max_cost_usd, 0);

  // Only the caps that are set are written back.
  json again = ProgramToJson(*program);
  EXPECT_EQ(again["instructions"][0]["max_cost_usd"], 0.25);
  EXPECT_FALSE(again["instructions"][1].contains("max_turns"));
  EXPECT_FALSE(again["instructions"][2].contains("max_tokens"));
  auto reparsed = ParseProgram(again);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  EXPECT_EQ(reparsed->instructions, program->instructions);
}

TEST(ProgramTest, TopologicalOrderKeepsGivenOrderWhenPossible) {
  auto program = ParseProgram(json::parse(R"({"instructions": [
      {"id": "a", "text": "x", "depends_on": ["c"]},
      {"id": "b", "text": "x"},
      {"id": "c", "text": "x"}]})"));
  ASSERT_TRUE(program.ok());
  auto order = TopologicalOrder(*program);
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0].id, "b");
  EXPECT_EQ(order[1].id, "c");
  EXPECT_EQ(order[2].id, "a");
}

TEST(ProgramTest, RoundTripsThroughJson) {
  auto program = ParseProgram(json::parse(
      R"({"instructions": [{"id": "1", "text": "a"}, {"id": "2", "text": "b", "depends_on": ["1"]}]})"));
  ASSERT_TRUE(program.ok());
  auto again = ParseProgram(ProgramToJson(*program));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->instructions, program->instructions);
}

}  // namespace
}  // namespace l2mac::registry

namespace l2mac::registry {
namespace {

TEST(ProgramTest, LongReverseChainOrdersQuickly) {
  // 20,000 instructions, each depending on the next one in the list: the order must be
  // the reverse, found in near-linear time (a quadratic scan takes tens of seconds).
  nlohmann::json list = nlohmann::json::array();
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    nlohmann::json deps = nlohmann::json::array();
    if (i + 1 < n) deps.push_back(std::to_string(i + 1));
    list.push_back({{"id", std::to_string(i)}, {"text", "t"}, {"depends_on", deps}});
  }
  auto program = ParseProgram({{"instructions", list}});
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  auto order = TopologicalOrder(*program);
  ASSERT_EQ(order.size(), static_cast<size_t>(n));
  EXPECT_EQ(order.front().id, std::to_string(n - 1));
  EXPECT_EQ(order.back().id, "0");
}

}  // namespace
}  // namespace l2mac::registry
