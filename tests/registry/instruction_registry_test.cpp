#include "registry/instruction_registry.hpp"

#include <gtest/gtest.h>

namespace l2mac::registry {
namespace {

class InstructionRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto registry = InstructionRegistry::Open(*db_);
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(registry).value();
    auto program = ParseProgram(nlohmann::json::parse(R"({"instructions": [
        {"id": "1", "text": "base"},
        {"id": "2", "text": "needs 1", "depends_on": ["1"]},
        {"id": "3", "text": "needs 2", "depends_on": ["2"]},
        {"id": "4", "text": "independent"}]})"));
    ASSERT_TRUE(program.ok());
    ASSERT_TRUE(registry_->SaveProgram(*program).ok());
  }

  std::string NextId() {
    auto next = registry_->NextReady();
    EXPECT_TRUE(next.ok());
    return next.ok() && next->has_value() ? (*next)->instruction.id : "";
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<InstructionRegistry> registry_;
};

TEST_F(InstructionRegistryTest, SchedulesInDependencyOrder) {
  EXPECT_EQ(NextId(), "1");
  ASSERT_TRUE(registry_->MarkRunning("1").ok());
  EXPECT_EQ(NextId(), "4");  // 1 is running, 2 waits for it
  ASSERT_TRUE(registry_->MarkCommitted("1", "made base", 7).ok());
  EXPECT_EQ(NextId(), "2");
  auto record = registry_->Get("1");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->status, InstructionStatus::kCommitted);
  EXPECT_EQ(record->summary, "made base");
  EXPECT_EQ(record->commit_id, 7);
}

TEST_F(InstructionRegistryTest, RefusesSecondProgram) {
  auto program =
      ParseProgram(nlohmann::json::parse(R"({"instructions": [{"id": "x", "text": "y"}]})"));
  ASSERT_TRUE(program.ok());
  EXPECT_EQ(registry_->SaveProgram(*program).code(), StatusCode::kFailedPrecondition);
}

TEST_F(InstructionRegistryTest, FailureSkipsTransitiveDependents) {
  ASSERT_TRUE(registry_->MarkFailed("1", "checks failed").ok());
  auto skipped = registry_->SkipBlocked();
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(*skipped, 2);
  EXPECT_EQ(registry_->Get("3")->status, InstructionStatus::kSkipped);
  EXPECT_EQ(registry_->Get("4")->status, InstructionStatus::kPending);
  EXPECT_EQ(NextId(), "4");
}

TEST_F(InstructionRegistryTest, ResetInterruptedAndCounters) {
  ASSERT_TRUE(registry_->MarkRunning("1").ok());
  ASSERT_TRUE(registry_->AddUsage("1", 100, 20).ok());
  ASSERT_TRUE(registry_->AddUsage("1", 50, 5).ok());
  ASSERT_TRUE(registry_->AddAttempt("1").ok());
  ASSERT_TRUE(registry_->AddContextRestart("1").ok());
  auto reset = registry_->ResetInterrupted();
  ASSERT_TRUE(reset.ok());
  EXPECT_EQ(*reset, 1);
  auto record = registry_->Get("1");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->status, InstructionStatus::kPending);
  EXPECT_EQ(record->prompt_tokens, 150);
  EXPECT_EQ(record->completion_tokens, 25);
  EXPECT_EQ(record->model_calls, 2);
  EXPECT_EQ(record->attempts, 1);
  EXPECT_EQ(record->context_restarts, 1);
}

TEST_F(InstructionRegistryTest, UnknownIdIsNotFound) {
  EXPECT_EQ(registry_->MarkRunning("nope").code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->Get("nope").status().code(), StatusCode::kNotFound);
}

TEST(InstructionRegistryCapsTest, AnInstructionsCapsArePersistedExactly) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto registry = InstructionRegistry::Open(**db);
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  auto program = ParseProgram(nlohmann::json::parse(R"({"instructions": [
      {"id": "1", "text": "capped", "max_tokens": 12345, "max_cost_usd": 0.1234567,
       "max_turns": 9},
      {"id": "2", "text": "free", "depends_on": ["1"]}]})"));
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  ASSERT_TRUE((*registry)->SaveProgram(*program).ok());
  auto loaded = (*registry)->LoadProgram();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->instructions, program->instructions);
  auto first = (*registry)->Get("1");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->instruction.max_cost_usd, 0.1234567);
  EXPECT_EQ(first->instruction.max_turns, 9);
  EXPECT_EQ(ProgramToJson(*loaded), ProgramToJson(*program));

  // A run stopped at a budget puts its instruction in flight back to pending.
  ASSERT_TRUE((*registry)->MarkRunning("1").ok());
  ASSERT_TRUE((*registry)->MarkPending("1").ok());
  auto next = (*registry)->NextReady();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->instruction.id, "1");
}

TEST_F(InstructionRegistryTest, LoadProgramPreservesOrderAndDependencies) {
  auto program = registry_->LoadProgram();
  ASSERT_TRUE(program.ok());
  ASSERT_EQ(program->instructions.size(), 4u);
  EXPECT_EQ(program->instructions[2].depends_on, std::vector<std::string>{"2"});
}

}  // namespace
}  // namespace l2mac::registry

namespace l2mac::registry {
namespace {

class AppendInstructionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto registry = InstructionRegistry::Open(*db_);
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(registry).value();
  }

  void SaveTwoStepProgram() {
    auto program = ParseProgram(nlohmann::json::parse(R"({
        "requirements": [{"id": "F1", "text": "adds"}, {"id": "F2", "text": "subtracts"}],
        "instructions": [
          {"id": "1", "text": "add", "covers": ["F1"]},
          {"id": "2", "text": "sub", "depends_on": ["1"], "covers": ["F2"]}]})"));
    ASSERT_TRUE(program.ok()) << program.status().ToString();
    ASSERT_TRUE(registry_->SaveProgram(*program).ok());
  }

  static Instruction Make(std::string id, std::string text, std::vector<std::string> deps = {},
                          std::vector<std::string> covers = {}) {
    Instruction instruction;
    instruction.id = std::move(id);
    instruction.text = std::move(text);
    instruction.depends_on = std::move(deps);
    instruction.covers = std::move(covers);
    return instruction;
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<InstructionRegistry> registry_;
};

TEST_F(AppendInstructionsTest, AppendedInstructionsContinueTheProgramAndRunPending) {
  SaveTwoStepProgram();
  ASSERT_TRUE(registry_->MarkCommitted("1", "done", 1).ok());
  ASSERT_TRUE(registry_->MarkCommitted("2", "done", 2).ok());
  Instruction fix = Make("J1-F2", "finish subtraction", {"2"}, {"F2"});
  Instruction after = Make("J1-F1", "finish addition", {"J1-F2"}, {"F1"});
  ASSERT_TRUE(registry_->AppendInstructions({fix, after}).ok());

  auto all = registry_->All();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[2].instruction, fix);
  EXPECT_EQ((*all)[2].seq, 3);
  EXPECT_EQ((*all)[3].seq, 4);
  EXPECT_EQ((*all)[2].status, InstructionStatus::kPending);
  auto next = registry_->NextReady();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->instruction.id, "J1-F2");
  // The requirements are unchanged and the program reads back whole.
  auto program = registry_->LoadProgram();
  ASSERT_TRUE(program.ok());
  EXPECT_EQ(program->instructions.size(), 4u);
  EXPECT_EQ(program->requirements.size(), 2u);
}

TEST_F(AppendInstructionsTest, RefusesBadAppendsAndWritesNothing) {
  EXPECT_EQ(registry_->AppendInstructions({Make("x", "y")}).code(),
            StatusCode::kFailedPrecondition);
  SaveTwoStepProgram();
  Instruction good = Make("3", "fine");
  Instruction duplicate = Make("1", "again");
  Instruction unknown_dep = Make("4", "needs 9", {"9"});
  Instruction empty_text = Make("5", "  ");
  Instruction unknown_requirement = Make("6", "covers F9", {}, {"F9"});
  for (const auto& bad : {duplicate, unknown_dep, empty_text, unknown_requirement}) {
    Status appended = registry_->AppendInstructions({good, bad});
    EXPECT_EQ(appended.code(), StatusCode::kInvalidArgument) << bad.id;
    EXPECT_NE(appended.message().find("'" + bad.id + "'"), std::string::npos) << appended.message();
  }
  auto all = registry_->All();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
}

TEST_F(AppendInstructionsTest, CheckAppendRefusesWhatAppendRefusesAndStoresNothing) {
  SaveTwoStepProgram();
  EXPECT_TRUE(registry_->CheckAppend({Make("3", "fine", {"2"}, {"F2"})}).ok());
  Status refused = registry_->CheckAppend({Make("3", "fine"), Make("4", "needs 9", {"9"})});
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("depends on '9'"), std::string::npos) << refused.message();
  auto all = registry_->All();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  // Appended by an instruction: the record says which; the program's own say "".
  ASSERT_TRUE(registry_->AppendInstructions({Make("3", "fine", {"2"})}, "2").ok());
  all = registry_->All();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].added_by, "2");
  EXPECT_EQ((*all)[0].added_by, "");
}

}  // namespace
}  // namespace l2mac::registry
