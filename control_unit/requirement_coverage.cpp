#include "control_unit/requirement_coverage.hpp"

#include <set>

namespace l2mac::control_unit {
namespace {

const std::vector<std::string> kMigrations = {
    "CREATE TABLE requirement_test_commits (commit_id INTEGER PRIMARY KEY)",
    "CREATE TABLE requirement_tests ("
    " commit_id INTEGER NOT NULL,"
    " requirement_id TEXT NOT NULL,"
    " profile TEXT NOT NULL,"
    " test_id TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " file TEXT NOT NULL,"
    " outcome TEXT NOT NULL,"
    " PRIMARY KEY (commit_id, requirement_id, profile, test_id))",
};

Result<toolchains::TestOutcome> ParseOutcome(const std::string& name) {
  for (auto outcome : {toolchains::TestOutcome::kPassed, toolchains::TestOutcome::kFailed,
                       toolchains::TestOutcome::kSkipped, toolchains::TestOutcome::kXfailed}) {
    if (name == toolchains::TestOutcomeName(outcome)) return outcome;
  }
  return Status::Corruption("unknown test outcome '" + name +
                            "' in the state database's requirement_tests");
}

}  // namespace

Result<std::unique_ptr<RequirementCoverage>> RequirementCoverage::Open(Database& db) {
  L2MAC_RETURN_IF_ERROR(db.ApplyMigrations("requirement_coverage", kMigrations));
  return std::make_unique<RequirementCoverage>(PassKey{}, db);
}

Status RequirementCoverage::Record(int64_t commit_id,
                                   const std::vector<std::string>& requirement_ids,
                                   const std::vector<toolchains::ProfileTests>& runs) {
  if (requirement_ids.empty()) return Status::Ok();
  L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_));
  L2MAC_ASSIGN_OR_RETURN(Statement previous,
                         db_.Prepare("SELECT MAX(commit_id) FROM requirement_test_commits"
                                     " WHERE commit_id < ?"));
  previous.Bind(1, commit_id);
  L2MAC_ASSIGN_OR_RETURN(bool has_previous, previous.Step());
  const int64_t previous_commit = has_previous ? previous.ColumnInt(0) : 0;

  L2MAC_ASSIGN_OR_RETURN(Statement mark,
                         db_.Prepare("INSERT OR REPLACE INTO requirement_test_commits VALUES(?)"));
  mark.Bind(1, commit_id);
  L2MAC_RETURN_IF_ERROR(mark.Run());
  L2MAC_ASSIGN_OR_RETURN(Statement clear,
                         db_.Prepare("DELETE FROM requirement_tests WHERE commit_id = ?"));
  clear.Bind(1, commit_id);
  L2MAC_RETURN_IF_ERROR(clear.Run());

  // Profiles whose report counts at this gate; the others keep what they said before.
  std::set<std::string> reported;
  std::vector<toolchains::ProfileTests> counted;
  for (const auto& run : runs) {
    if (run.collection == toolchains::TestCollection::kUnavailable) continue;
    reported.insert(run.profile);
    counted.push_back(run);
  }
  L2MAC_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare("INSERT OR REPLACE INTO requirement_tests(commit_id, requirement_id, profile,"
                  " test_id, name, file, outcome) VALUES(?, ?, ?, ?, ?, ?, ?)"));
  for (const auto& match : toolchains::MatchRequirementTests(counted, requirement_ids)) {
    insert.Bind(1, commit_id)
        .Bind(2, match.requirement)
        .Bind(3, match.profile)
        .Bind(4, match.test_id)
        .Bind(5, match.name)
        .Bind(6, match.file)
        .Bind(7, toolchains::TestOutcomeName(match.outcome));
    L2MAC_RETURN_IF_ERROR(insert.Run());
  }
  if (previous_commit > 0) {
    // Carried rows keep only requirements the program still has.
    const std::set<std::string> ids(requirement_ids.begin(), requirement_ids.end());
    L2MAC_ASSIGN_OR_RETURN(Statement carried,
                           db_.Prepare("SELECT requirement_id, profile, test_id, name, file,"
                                       " outcome FROM requirement_tests WHERE commit_id = ?"));
    carried.Bind(1, previous_commit);
    std::vector<std::vector<std::string>> rows;
    while (true) {
      L2MAC_ASSIGN_OR_RETURN(bool row, carried.Step());
      if (!row) break;
      if (reported.count(carried.ColumnText(1)) || !ids.count(carried.ColumnText(0))) continue;
      rows.push_back({carried.ColumnText(0), carried.ColumnText(1), carried.ColumnText(2),
                      carried.ColumnText(3), carried.ColumnText(4), carried.ColumnText(5)});
    }
    for (const auto& row : rows) {
      insert.Bind(1, commit_id);
      for (int i = 0; i < 6; ++i) insert.Bind(i + 2, row[static_cast<size_t>(i)]);
      L2MAC_RETURN_IF_ERROR(insert.Run());
    }
  }
  return txn->Commit();
}

Result<std::vector<toolchains::RequirementTest>> RequirementCoverage::Latest(int64_t* commit_id) {
  L2MAC_ASSIGN_OR_RETURN(Statement last,
                         db_.Prepare("SELECT MAX(commit_id) FROM requirement_test_commits"));
  L2MAC_ASSIGN_OR_RETURN(bool has_last, last.Step());
  const int64_t latest = has_last ? last.ColumnInt(0) : 0;
  if (commit_id != nullptr) *commit_id = latest;
  std::vector<toolchains::RequirementTest> tests;
  if (latest == 0) return tests;
  L2MAC_ASSIGN_OR_RETURN(Statement query,
                         db_.Prepare("SELECT requirement_id, profile, test_id, name, file, outcome"
                                     " FROM requirement_tests WHERE commit_id = ?"
                                     " ORDER BY requirement_id, profile, test_id"));
  query.Bind(1, latest);
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    toolchains::RequirementTest test;
    test.requirement = query.ColumnText(0);
    test.profile = query.ColumnText(1);
    test.test_id = query.ColumnText(2);
    test.name = query.ColumnText(3);
    test.file = query.ColumnText(4);
    L2MAC_ASSIGN_OR_RETURN(test.outcome, ParseOutcome(query.ColumnText(5)));
    tests.push_back(std::move(test));
  }
  return tests;
}

}  // namespace l2mac::control_unit
