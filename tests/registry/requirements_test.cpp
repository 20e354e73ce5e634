// Requirements in the prompt program: parsing, the coverage rule, and their storage in the
// registry, including the migration of a database written before they existed.
#include "registry/requirements.hpp"

#include <gtest/gtest.h>

#include "registry/instruction_registry.hpp"
#include "registry/program.hpp"

namespace l2mac::registry {
namespace {

using nlohmann::json;

json TwoRequirements() {
  return json::parse(R"({
      "requirements": [{"id": "F1", "text": "shorten a URL"},
                       {"id": "F2", "text": "validate input"}],
      "instructions": [
        {"id": "1", "text": "codes", "covers": ["F1"]},
        {"id": "2", "text": "validation", "depends_on": ["1"], "covers": ["F2", "F1", "F2"]}]})");
}

std::string ErrorOf(const json& program) {
  auto parsed = ParseProgram(program);
  EXPECT_FALSE(parsed.ok()) << program.dump();
  return parsed.ok() ? "" : parsed.status().message();
}

TEST(RequirementsTest, ProgramWithCoveredRequirementsParsesAndRoundTrips) {
  auto program = ParseProgram(TwoRequirements());
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  ASSERT_EQ(program->requirements.size(), 2u);
  EXPECT_EQ(program->requirements[1], (Requirement{"F2", "validate input"}));
  EXPECT_EQ(program->instructions[0].covers, std::vector<std::string>{"F1"});
  // Duplicates are dropped, order kept.
  EXPECT_EQ(program->instructions[1].covers, (std::vector<std::string>{"F2", "F1"}));
  json again = ProgramToJson(*program);
  EXPECT_EQ(again["requirements"][0]["id"], "F1");
  EXPECT_EQ(again["instructions"][1]["covers"], json::array({"F2", "F1"}));
  auto reparsed = ParseProgram(again);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  EXPECT_EQ(reparsed->requirements, program->requirements);
  EXPECT_EQ(reparsed->instructions, program->instructions);
}

TEST(RequirementsTest, ProgramWithoutRequirementsIsValidAndReadsAsBefore) {
  auto program = ParseProgram(json::parse(R"({"instructions": [{"id": "1", "text": "all"}]})"));
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  EXPECT_TRUE(program->requirements.empty());
  json again = ProgramToJson(*program);
  EXPECT_FALSE(again.contains("requirements"));
  EXPECT_FALSE(again["instructions"][0].contains("covers"));
}

TEST(RequirementsTest, UncoveredRequirementsAreNamedInTheRefusal) {
  json program = TwoRequirements();
  program["requirements"].push_back({{"id", "F3"}, {"text", "resolve"}});
  program["requirements"].push_back({{"id", "F4"}, {"text", "count clicks"}});
  std::string error = ErrorOf(program);
  EXPECT_NE(error.find("requirements F3, F4 are covered by no instruction"), std::string::npos)
      << error;
  EXPECT_NE(error.find("\"covers\""), std::string::npos) << error;
}

TEST(RequirementsTest, ManyUncoveredRequirementsAreListedWithinBounds) {
  json program = TwoRequirements();
  for (int i = 10; i < 60; ++i) {
    program["requirements"].push_back({{"id", "R" + std::to_string(i)}, {"text", "x"}});
  }
  std::string error = ErrorOf(program);
  EXPECT_NE(error.find("R10, R11"), std::string::npos) << error;
  EXPECT_NE(error.find("and 30 more"), std::string::npos) << error;
  EXPECT_EQ(error.find("R59"), std::string::npos) << error;
}

TEST(RequirementsTest, AnUnknownCoveredIdIsRefused) {
  json program = TwoRequirements();
  program["instructions"][0]["covers"] = json::array({"F1", "F9"});
  std::string error = ErrorOf(program);
  EXPECT_NE(error.find("instruction '1' covers 'F9', which is not a requirement"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("F1, F2"), std::string::npos) << error;
}

TEST(RequirementsTest, CoversWithoutRequirementsIsRefused) {
  std::string error =
      ErrorOf(json::parse(R"({"instructions": [{"id": "1", "text": "all", "covers": ["F1"]}]})"));
  EXPECT_NE(error.find("the program lists no requirements"), std::string::npos) << error;
}

TEST(RequirementsTest, MalformedRequirementsAreRefusedWithTheFix) {
  json program = TwoRequirements();
  program["requirements"][0]["id"] = "F-1";
  EXPECT_NE(ErrorOf(program).find("letter followed by letters and digits"), std::string::npos);

  program = TwoRequirements();
  program["requirements"][1]["id"] = "f1";  // the same id as F1, regardless of case
  EXPECT_NE(ErrorOf(program).find("duplicate requirement id 'f1'"), std::string::npos);

  program = TwoRequirements();
  program["requirements"][0]["text"] = " ";
  EXPECT_NE(ErrorOf(program).find("needs a non-empty \"text\""), std::string::npos);

  program = TwoRequirements();
  program["requirements"][0]["text"] = std::string(kMaxRequirementTextBytes + 1, 'a');
  EXPECT_NE(ErrorOf(program).find("at most 4000 are allowed"), std::string::npos);

  program = TwoRequirements();
  program["requirements"] = "F1";
  EXPECT_NE(ErrorOf(program).find("\"requirements\" must be an array"), std::string::npos);

  program = TwoRequirements();
  program["instructions"][0]["covers"] = json::array({1});
  EXPECT_NE(ErrorOf(program).find("instruction '1': requirement id \"1\""), std::string::npos);

  program = TwoRequirements();
  for (size_t i = 0; i < kMaxRequirements; ++i) {
    program["requirements"].push_back({{"id", "R" + std::to_string(i)}, {"text", "x"}});
  }
  EXPECT_NE(ErrorOf(program).find("at most 500 are allowed"), std::string::npos);
}

TEST(RequirementsTest, IdsAreLettersThenLettersAndDigits) {
  EXPECT_TRUE(IsRequirementId("F1"));
  EXPECT_TRUE(IsRequirementId("REQ12b"));
  EXPECT_FALSE(IsRequirementId(""));
  EXPECT_FALSE(IsRequirementId("1F"));
  EXPECT_FALSE(IsRequirementId("F_1"));
  EXPECT_FALSE(
      IsRequirementId("F\xc3\xa9"
                      "1"));
  EXPECT_FALSE(IsRequirementId(std::string(kMaxRequirementIdBytes + 1, 'F')));
}

TEST(RequirementsRegistryTest, RequirementsAndCoversAreStoredAndLoaded) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto registry = InstructionRegistry::Open(**db);
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  auto program = ParseProgram(TwoRequirements());
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  ASSERT_TRUE((*registry)->SaveProgram(*program).ok());

  auto requirements = (*registry)->Requirements();
  ASSERT_TRUE(requirements.ok()) << requirements.status().ToString();
  EXPECT_EQ(*requirements, program->requirements);
  auto loaded = (*registry)->LoadProgram();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->requirements, program->requirements);
  EXPECT_EQ(loaded->instructions, program->instructions);
  auto second = (*registry)->Get("2");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->instruction.covers, (std::vector<std::string>{"F2", "F1"}));
}

// A database written before requirements existed (registry schema version 5) opens,
// migrates, and reads as a program without requirements.
TEST(RequirementsRegistryTest, MigratesADatabaseFromBeforeRequirements) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  const std::vector<std::string> version5 = {
      "CREATE TABLE instructions (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
      " text TEXT NOT NULL, depends_on TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
      " attempts INTEGER NOT NULL DEFAULT 0, context_restarts INTEGER NOT NULL DEFAULT 0,"
      " prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,"
      " model_calls INTEGER NOT NULL DEFAULT 0, summary TEXT NOT NULL DEFAULT '',"
      " failure TEXT NOT NULL DEFAULT '', commit_id INTEGER NOT NULL DEFAULT 0)",
      "ALTER TABLE instructions ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE instructions ADD COLUMN cost_microusd INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE instructions ADD COLUMN latency_ms INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE instructions ADD COLUMN caps TEXT NOT NULL DEFAULT '{}'",
  };
  ASSERT_TRUE((*db)->ApplyMigrations("registry", version5).ok());
  ASSERT_TRUE((*db)
                  ->Exec("INSERT INTO instructions(seq, id, text, depends_on, status, commit_id)"
                         " VALUES(1, '1', 'old work', '[]', 'committed', 3)")
                  .ok());

  auto registry = InstructionRegistry::Open(**db);
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  auto version = (*db)->Prepare("SELECT version FROM schema_versions WHERE module = 'registry'");
  ASSERT_TRUE(version.ok());
  auto row = version->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(version->ColumnInt(0), 8);  // requirements (6, 7), then added_by (8)

  auto loaded = (*registry)->LoadProgram();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->requirements.empty());
  ASSERT_EQ(loaded->instructions.size(), 1u);
  EXPECT_EQ(loaded->instructions[0].text, "old work");
  EXPECT_TRUE(loaded->instructions[0].covers.empty());
  auto record = (*registry)->Get("1");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->commit_id, 3);
  EXPECT_EQ(record->added_by, "");  // the program's own
}

}  // namespace
}  // namespace l2mac::registry
