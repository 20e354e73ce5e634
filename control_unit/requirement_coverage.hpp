// Which tests cover which requirement, as of each instruction commit: the tests a passing
// gate reported whose names name a requirement of the program (the convention of
// agents/toolchains/requirement_tests.hpp), with their outcomes.
//
// Owns the tables `requirement_tests` (one row per commit, requirement and test) and
// `requirement_test_commits` (the commits recorded, so a commit whose tests name no
// requirement still says "none" rather than showing an older commit's tests). Each commit's
// rows are complete: a profile that did not run at that gate (none of its files touched,
// or its tool missing) keeps its rows from the previous recorded commit. Record() runs in
// the transaction of the instruction's store commit, so the two never disagree.
// Borrows the Database (which must outlive it); one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agents/toolchains/requirement_tests.hpp"
#include "agents/toolchains/test_results.hpp"
#include "core/sqlite.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

class RequirementCoverage {
 public:
  static Result<std::unique_ptr<RequirementCoverage>> Open(Database& db);
  struct PassKey {
   private:
    PassKey() = default;
    friend class RequirementCoverage;
  };
  RequirementCoverage(PassKey, Database& db) : db_(db) {}

  // Records the coverage at store commit `commit_id` from the passing gate's `runs`.
  // Does nothing when `requirement_ids` is empty (a program without requirements).
  Status Record(int64_t commit_id, const std::vector<std::string>& requirement_ids,
                const std::vector<toolchains::ProfileTests>& runs);

  // The coverage at the most recent recorded commit, by requirement then test id; empty
  // when nothing was recorded. `commit_id` (may be null) receives that commit, 0 if none.
  Result<std::vector<toolchains::RequirementTest>> Latest(int64_t* commit_id = nullptr);

 private:
  Database& db_;
};

}  // namespace l2mac::control_unit
