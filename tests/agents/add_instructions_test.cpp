#include "agents/add_instructions.hpp"

#include <gtest/gtest.h>

#include "agent_test_support.hpp"
#include "agents/tool_box.hpp"

namespace l2mac::agents {
namespace {

using nlohmann::json;

std::string ErrorOf(const json& arguments, AddInstructionsLimits limits = {}) {
  auto parsed = ParseAddedInstructions(arguments, limits);
  EXPECT_FALSE(parsed.ok()) << arguments.dump();
  return parsed.ok() ? "" : parsed.status().message();
}

TEST(AddInstructionsTest, ParsesTheInstructionsOfOneCall) {
  auto parsed = ParseAddedInstructions(
      json::parse(R"({"instructions": [{"id": "3b", "text": "Test sub.", "depends_on": ["3"],
                       "covers": ["F2"]}, {"id": "3c", "text": "Docs."}]})"),
      {});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].id, "3b");
  EXPECT_EQ((*parsed)[0].depends_on, std::vector<std::string>{"3"});
  EXPECT_EQ((*parsed)[0].covers, std::vector<std::string>{"F2"});
  EXPECT_TRUE((*parsed)[1].depends_on.empty());
}

TEST(AddInstructionsTest, EachBoundAndShapeIsANamedError) {
  AddInstructionsLimits limits;
  limits.max_per_call = 2;
  limits.max_text_bytes = 10;
  limits.max_list_entries = 1;
  EXPECT_NE(ErrorOf(json::object()).find("non-empty array"), std::string::npos);
  EXPECT_NE(ErrorOf({{"instructions", json::array({1, 2, 3})}}, limits).find("at most 2 per call"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"instructions", {{{"text", "x"}}}}}).find("needs an \"id\""),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"instructions", {{{"id", "a b"}, {"text", "x"}}}}}).find("may hold only"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"instructions", {{{"id", std::string(65, 'a')}, {"text", "x"}}}}})
                .find("longer than 64"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"instructions", {{{"id", "a"}, {"text", std::string(11, 'x')}}}}}, limits)
                .find("at most 10"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"instructions", {{{"id", "a"}, {"text", "x"}, {"depends_on", "1"}}}}})
                .find("must be an array"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf({{"instructions", {{{"id", "a"}, {"text", "x"}, {"covers", {"F1", "F2"}}}}}}, limits)
          .find("at most 1"),
      std::string::npos);
}

TEST(AddInstructionsTest, TheToolBoxCollectsOnlyWhatTheValidatorAccepts) {
  testing::MemoryStore mem;
  ToolBox tools(*mem.txn, {}, {});
  int validations = 0;
  tools.EnableAddInstructions([&validations](const std::vector<registry::Instruction>& all) {
    ++validations;
    for (const auto& instruction : all) {
      if (instruction.id == "bad") return Status::InvalidArgument("'bad' is refused");
    }
    return Status::Ok();
  });
  auto call = [&tools](const std::string& id) {
    json args = {{"instructions", {{{"id", id}, {"text", "do it"}}}}};
    return tools.Execute(llm::ToolCall{"c", "add_instructions", args.dump()}).result;
  };
  EXPECT_EQ(call("one")["ok"], true);
  json refused = call("bad");
  EXPECT_EQ(refused["ok"], false);
  EXPECT_EQ(refused["error"], "not added: 'bad' is refused");
  EXPECT_EQ(call("two")["added"], json::array({"two"}));
  ASSERT_EQ(tools.added_instructions().size(), 2u);
  EXPECT_EQ(tools.added_instructions()[1].id, "two");
  EXPECT_EQ(validations, 3);
  // Without a validator the tool does not exist.
  ToolBox plain(*mem.txn, {}, {});
  EXPECT_EQ(plain.Execute(llm::ToolCall{"c", "add_instructions", "{}"}).result["ok"], false);
}

}  // namespace
}  // namespace l2mac::agents
