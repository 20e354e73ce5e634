// Work on an existing codebase: `l2mac run --out DIR` where DIR already holds files (and
// no run). Before planning, the files are imported as the run's base commit, and the
// project's checks run once on that base: the tests that pass become the protected
// baseline (control_unit/test_baseline.hpp), so every instruction must keep them passing,
// and the tests that already fail are recorded as pre-existing failures, which no gate
// holds against the run (GateOptions::preexisting_failures) and the report names.
//
// Both steps are recorded in the workspace database (run_meta "base", "base_checked")
// in the transaction of what they did, so a run killed between them finishes them when
// resumed, and neither is ever repeated.
//
// Borrows the run's parts; the run's one thread only.
#pragma once

#include <string>
#include <vector>

#include "control_unit/instruction_executor.hpp"
#include "control_unit/run_context.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

// When the store has no commit yet: imports the regular files of the output folder,
// honouring its .gitignore files (filestore::ImportDirectory; .l2mac/ and symlinks left
// out), as one commit by "user". Files above the store's size limit are left out and
// listed (notice and run_meta "base"); they stay on disk untouched. Nothing to import:
// nothing happens. One notice says what was imported.
Status ImportExistingCode(RunContext& run);

// After ImportExistingCode imported a base and until this has succeeded once: runs every
// check on the base (`executor.CheckHead()`), makes the tests that passed the protected
// baseline and records the ones that failed as pre-existing failures, with a notice
// naming them. Errors: the checks could not run (as for an instruction's checks).
Status CheckExistingTests(RunContext& run, InstructionExecutor& executor);

}  // namespace l2mac::control_unit
