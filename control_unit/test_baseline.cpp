#include "control_unit/test_baseline.hpp"

namespace l2mac::control_unit {
namespace {

const std::vector<std::string> kMigrations = {
    "CREATE TABLE protected_tests ("
    " profile TEXT NOT NULL,"
    " test_id TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " file TEXT NOT NULL,"
    " assertions INTEGER NOT NULL,"
    " PRIMARY KEY (profile, test_id))",
    // The tests that already failed on the imported base commit (existing_code.hpp).
    "CREATE TABLE preexisting_failures ("
    " profile TEXT NOT NULL,"
    " test_id TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " file TEXT NOT NULL,"
    " PRIMARY KEY (profile, test_id))",
};

}  // namespace

Result<std::unique_ptr<TestBaseline>> TestBaseline::Open(Database& db) {
  L2MAC_RETURN_IF_ERROR(db.ApplyMigrations("test_baseline", kMigrations));
  return std::make_unique<TestBaseline>(PassKey{}, db);
}

namespace {

// The rows of `query` (profile, test_id, name, file[, assertions]) as tests.
Result<std::vector<toolchains::ProtectedTest>> ReadTests(Statement& query, bool with_assertions) {
  std::vector<toolchains::ProtectedTest> tests;
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    toolchains::ProtectedTest test;
    test.profile = query.ColumnText(0);
    test.id = query.ColumnText(1);
    test.name = query.ColumnText(2);
    test.file = query.ColumnText(3);
    if (with_assertions) test.assertions = static_cast<int>(query.ColumnInt(4));
    tests.push_back(std::move(test));
  }
  return tests;
}

}  // namespace

Result<std::vector<toolchains::ProtectedTest>> TestBaseline::Load() {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare("SELECT profile, test_id, name, file, assertions"
                                     " FROM protected_tests ORDER BY profile, test_id"));
  return ReadTests(query, /*with_assertions=*/true);
}

Result<std::vector<toolchains::ProtectedTest>> TestBaseline::LoadPreexistingFailures() {
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare("SELECT profile, test_id, name, file FROM"
                                     " preexisting_failures ORDER BY profile, test_id"));
  return ReadTests(query, /*with_assertions=*/false);
}

Status TestBaseline::SetPreexistingFailures(const std::vector<toolchains::ProtectedTest>& tests) {
  L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_));
  L2MAC_RETURN_IF_ERROR(db_.Exec("DELETE FROM preexisting_failures"));
  L2MAC_ASSIGN_OR_RETURN(Statement insert,
                         db_.Prepare("INSERT OR REPLACE INTO preexisting_failures(profile,"
                                     " test_id, name, file) VALUES(?, ?, ?, ?)"));
  for (const toolchains::ProtectedTest& test : tests) {
    insert.Bind(1, test.profile).Bind(2, test.id).Bind(3, test.name).Bind(4, test.file);
    L2MAC_RETURN_IF_ERROR(insert.Run());
  }
  return txn->Commit();
}

Status TestBaseline::Replace(const std::vector<toolchains::ProtectedTest>& tests) {
  L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_));
  L2MAC_RETURN_IF_ERROR(db_.Exec("DELETE FROM protected_tests"));
  L2MAC_ASSIGN_OR_RETURN(Statement insert,
                         db_.Prepare("INSERT OR REPLACE INTO protected_tests(profile, test_id,"
                                     " name, file, assertions) VALUES(?, ?, ?, ?, ?)"));
  for (const toolchains::ProtectedTest& test : tests) {
    insert.Bind(1, test.profile)
        .Bind(2, test.id)
        .Bind(3, test.name)
        .Bind(4, test.file)
        .Bind(5, static_cast<int64_t>(test.assertions));
    L2MAC_RETURN_IF_ERROR(insert.Run());
  }
  return txn->Commit();
}

}  // namespace l2mac::control_unit
