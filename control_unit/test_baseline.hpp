// The test baseline: the tests that passed at the run's last instruction commit, which
// every later gate protects (see agents/toolchains/test_protection.hpp). Kept in the
// workspace database, table `protected_tests`, and replaced in the same transaction as the
// instruction's store commit, so a kill can never leave the baseline of another commit.
// Also the tests that already failed before the run, when it started on existing code.
// Borrows the Database (which must outlive it); one thread at a time.
#pragma once

#include <memory>
#include <vector>

#include "agents/toolchains/test_results.hpp"
#include "core/sqlite.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

class TestBaseline {
 public:
  static Result<std::unique_ptr<TestBaseline>> Open(Database& db);
  struct PassKey {
   private:
    PassKey() = default;
    friend class TestBaseline;
  };
  TestBaseline(PassKey, Database& db) : db_(db) {}

  // Every protected test, by profile and id.
  Result<std::vector<toolchains::ProtectedTest>> Load();
  // Makes `tests` the baseline, in one transaction (nested in the caller's, if any).
  Status Replace(const std::vector<toolchains::ProtectedTest>& tests);

  // The tests that already failed on the base commit imported from an existing codebase
  // (table `preexisting_failures`, written once, when the base is checked): reported as
  // such, and a gate is not failed by them (GateOptions::preexisting_failures). The
  // assertion counts are not kept (-1).
  Result<std::vector<toolchains::ProtectedTest>> LoadPreexistingFailures();
  Status SetPreexistingFailures(const std::vector<toolchains::ProtectedTest>& tests);

 private:
  Database& db_;
};

}  // namespace l2mac::control_unit
