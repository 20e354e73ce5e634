// Edits the user makes in the output folder between runs: at the start of a run they are
// imported into the store as one commit (author "user"), so every instruction reads and
// builds on them, and tests the user changed are no longer held to what passed before.
// A file changed outside l2mac that cannot be imported is left as it is, with a warning.
//
// Borrows the run's workspace and event emitter; the run's one thread only.
#pragma once

#include <string>
#include <vector>

#include "control_unit/event_emitter.hpp"
#include "control_unit/run_options.hpp"
#include "control_unit/workspace.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::control_unit {

class UserEdits {
 public:
  UserEdits(Workspace& workspace, EventEmitter& events, const GateSetup& gate)
      : workspace_(workspace), events_(events), gate_(gate) {}

  // Brings the output folder up to date with the head, then commits the user's edits
  // found there (one notice per imported file).
  Status Import();

  // After a materialization: a warning, once per file and run, for each file the user
  // changed that the materialization left as it is.
  void NoteKept(const filestore::MaterializeReport& report);

  // The files noted so far, for the run's report.
  const std::vector<std::string>& kept() const { return kept_; }

 private:
  Workspace& workspace_;
  EventEmitter& events_;
  const GateSetup& gate_;
  std::vector<std::string> kept_;
};

}  // namespace l2mac::control_unit
