// The requirement coverage table on real SQLite: each commit records the tests that name a
// requirement with their outcomes; a profile that did not report at a commit keeps its rows
// from the one before; a commit whose tests name nothing says so rather than showing older
// rows; a program without requirements records nothing.
#include "control_unit/requirement_coverage.hpp"

#include <gtest/gtest.h>

namespace l2mac::control_unit {
namespace {

using toolchains::ProfileTests;
using toolchains::TestCollection;
using toolchains::TestOutcome;
using toolchains::TestResult;

TestResult Reported(const std::string& file, const std::string& name,
                    TestOutcome outcome = TestOutcome::kPassed) {
  TestResult test;
  test.id = file + "::" + name;
  test.name = name;
  test.file = file;
  test.outcome = outcome;
  return test;
}

ProfileTests Profile(const std::string& profile, std::vector<TestResult> tests,
                     TestCollection collection = TestCollection::kComplete) {
  ProfileTests run;
  run.profile = profile;
  run.collection = collection;
  run.tests = std::move(tests);
  return run;
}

class RequirementCoverageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto coverage = RequirementCoverage::Open(*db_);
    ASSERT_TRUE(coverage.ok()) << coverage.status().ToString();
    coverage_ = std::move(coverage).value();
  }

  // "requirement test outcome" per row of the latest commit.
  std::vector<std::string> Latest(int64_t* commit = nullptr) {
    auto rows = coverage_->Latest(commit);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> out;
    if (!rows.ok()) return out;
    for (const auto& row : *rows) {
      out.push_back(row.requirement + " " + row.test_id + " " +
                    toolchains::TestOutcomeName(row.outcome));
    }
    return out;
  }

  const std::vector<std::string> ids_ = {"F1", "F2"};
  std::unique_ptr<Database> db_;
  std::unique_ptr<RequirementCoverage> coverage_;
};

TEST_F(RequirementCoverageTest, RecordsTheTestsThatNameRequirements) {
  int64_t commit = -1;
  EXPECT_TRUE(Latest(&commit).empty());
  EXPECT_EQ(commit, 0);
  ASSERT_TRUE(coverage_
                  ->Record(3, ids_,
                           {Profile("python",
                                    {Reported("t.py", "test_F1_a"), Reported("t.py", "test_other"),
                                     Reported("t.py", "test_F1_F2_b", TestOutcome::kSkipped)})})
                  .ok());
  EXPECT_EQ(Latest(&commit),
            (std::vector<std::string>{"F1 t.py::test_F1_F2_b skipped", "F1 t.py::test_F1_a passed",
                                      "F2 t.py::test_F1_F2_b skipped"}));
  EXPECT_EQ(commit, 3);
}

TEST_F(RequirementCoverageTest, AProfileThatDidNotReportKeepsItsRows) {
  ASSERT_TRUE(coverage_
                  ->Record(1, ids_,
                           {Profile("python", {Reported("t.py", "test_F1_a")}),
                            Profile("javascript", {Reported("t.js", "F2 works")})})
                  .ok());
  // At commit 2 only python ran (its F1 test renamed); javascript's tool went missing.
  ASSERT_TRUE(coverage_
                  ->Record(2, ids_,
                           {Profile("python", {Reported("t.py", "test_F2_b")}),
                            Profile("javascript", {}, TestCollection::kUnavailable)})
                  .ok());
  EXPECT_EQ(Latest(),
            (std::vector<std::string>{"F2 t.js::F2 works passed", "F2 t.py::test_F2_b passed"}));
  // At commit 4 nothing names a requirement any more: the latest coverage is empty.
  ASSERT_TRUE(
      coverage_
          ->Record(4, ids_,
                   {Profile("python", {Reported("t.py", "test_x")}), Profile("javascript", {})})
          .ok());
  int64_t commit = 0;
  EXPECT_TRUE(Latest(&commit).empty());
  EXPECT_EQ(commit, 4);
}

TEST_F(RequirementCoverageTest, AProgramWithoutRequirementsRecordsNothing) {
  ASSERT_TRUE(coverage_->Record(1, {}, {Profile("python", {Reported("t.py", "test_F1_a")})}).ok());
  int64_t commit = -1;
  EXPECT_TRUE(Latest(&commit).empty());
  EXPECT_EQ(commit, 0);
}

TEST_F(RequirementCoverageTest, RecordsInsideTheCallersTransaction) {
  {
    auto txn = Transaction::Begin(*db_);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(
        coverage_->Record(1, ids_, {Profile("python", {Reported("t.py", "test_F1_a")})}).ok());
    // Rolled back with the commit it belonged to.
  }
  int64_t commit = -1;
  EXPECT_TRUE(Latest(&commit).empty());
  EXPECT_EQ(commit, 0);
}

}  // namespace
}  // namespace l2mac::control_unit
