// A workspace: an output folder DIR whose files are the materialized head of the store,
// and DIR/.l2mac/state.db, the database holding everything needed to resume a run.
//
// Open() takes an exclusive lock (DIR/.l2mac/lock, released when the Workspace is
// destroyed or the process dies), so two l2mac processes never run in one folder.
// The Workspace owns the database and the module objects that borrow it. Not thread-safe:
// the thread that opened it uses it (the run's thread during a run).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "control_unit/event_log.hpp"
#include "control_unit/exchange_log.hpp"
#include "control_unit/requirement_coverage.hpp"
#include "control_unit/test_baseline.hpp"
#include "core/sqlite.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"
#include "registry/instruction_registry.hpp"

namespace l2mac::control_unit {

// A folder "holds a run" once the run's task is stored in its database.
enum class OpenMode {
  kCreate,        // a new run: DIR must not hold an unfinished one. A start-up that was
                  // killed before storing its task is reused, and so is a run that has
                  // nothing to lose (see FolderState::kNothingDone): it starts over. A
                  // finished run is continued with the new task (Workspace::continued()).
  kExisting,      // resume: DIR must hold a run
  kReadOnlyView,  // status and transcript: DIR must hold a run; no lock is taken
};

// What an output folder holds: decides the advice after a failure, and whether a new
// `l2mac run` may start over in it.
enum class FolderState {
  kNoRun,        // no state database, or one without a stored task
  kNothingDone,  // a run with no model reply recorded and nothing committed (e.g. its
                 // planning could not reach the model): a new run replaces it
  kHoldsWork,    // a run with recorded model replies or commits: `resume` continues it
  kUnreadable,   // the state database cannot be used (damaged, from a newer l2mac, busy)
};
FolderState InspectFolder(const std::filesystem::path& dir);

// kCorruption naming DIR's state database, saying that `what` in it is damaged and what
// the user can do.
Status DamagedState(const std::filesystem::path& dir, const std::string& what);

class Workspace {
 public:
  static Result<std::unique_ptr<Workspace>> Open(const std::filesystem::path& dir, OpenMode mode);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  Database& db() { return *db_; }
  filestore::FileStore& store() { return *store_; }
  registry::InstructionRegistry& registry() { return *registry_; }
  ExchangeLog& exchanges() { return *exchanges_; }
  TestBaseline& test_baseline() { return *test_baseline_; }
  RequirementCoverage& requirement_coverage() { return *requirement_coverage_; }
  EventLog& events() { return *events_; }

  // Whether Open(kCreate) found a run that had recorded nothing (a failed start) and
  // replaced it with an empty one. The run says so as a notice event (a library does not
  // log: see docs/EVENTS.md).
  bool started_over() const { return started_over_; }
  // Whether Open(kCreate) found a finished run (see Finished()): the new
  // task continues its store, its program growing by the new task's instructions.
  bool continued() const { return continued_; }

  // Whether the run has anything a new run would lose: a recorded model reply (superseded
  // ones included: they were paid for) or a commit not by "user" (an imported codebase
  // and the user's edits are on disk too, and a new run imports them again).
  Result<bool> HoldsWork();

  // Whether the run has finished with every instruction committed (run_meta "state" is
  // "finished"): a new `l2mac run` in the folder continues it with a new task. A run that
  // stopped, or left instructions failed or skipped, is continued by `resume` instead.
  Result<bool> Finished();

  // Run settings kept for resume and status (never secrets).
  Status SetMeta(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> GetMeta(const std::string& key);

  static std::filesystem::path StatePath(const std::filesystem::path& dir);
  // Whether an l2mac process holds the folder's lock right now (a live run).
  static bool IsBusy(const std::filesystem::path& dir);

  struct PassKey {
   private:
    PassKey() = default;
    friend class Workspace;
  };
  Workspace(PassKey, std::filesystem::path dir) : dir_(std::move(dir)) {}

 private:
  // Opens the database and the modules on it.
  Status OpenState();
  // Closes them, deletes the database and opens a new, empty one.
  Status ReplaceState();

  std::filesystem::path dir_;
  int lock_fd_ = -1;
  bool started_over_ = false;
  bool continued_ = false;
  // Declared before the objects that borrow it, so it is destroyed after them.
  std::unique_ptr<Database> db_;
  std::unique_ptr<filestore::FileStore> store_;
  std::unique_ptr<registry::InstructionRegistry> registry_;
  std::unique_ptr<ExchangeLog> exchanges_;
  std::unique_ptr<TestBaseline> test_baseline_;
  std::unique_ptr<RequirementCoverage> requirement_coverage_;
  std::unique_ptr<EventLog> events_;
};

}  // namespace l2mac::control_unit
