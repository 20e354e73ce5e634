// The l2mac executable's exit statuses. Documented in docs/CLI.md and `l2mac --help`;
// scripts depend on them, so values never change meaning.
#pragma once

#include "core/status.hpp"

namespace l2mac::cli {

enum ExitCode : int {
  kExitOk = 0,           // the run completed: every instruction committed
  kExitInternal = 1,     // a bug in l2mac
  kExitUsage = 2,        // bad command line (or none: a bare `l2mac`), or no model configured
  kExitBadInput = 3,     // malformed spec, prompt program, transcript, prompts or config
  kExitModel = 4,        // the model could not be used: auth, not found, unreachable
  kExitIncomplete = 5,   // the run ended with failed (or skipped) instructions
  kExitWorkspace = 6,    // the output folder: holds a run already, has none, is busy, cannot
                         // be created, or its state database is from a newer l2mac
  kExitIo = 7,           // the file system failed, or the state database is damaged
  kExitEnvironment = 8,  // a tool the checks need is missing (e.g. Python with pytest)
  kExitGit = 9,          // --git-branch refused: git missing, the folder not in a git work
                         // tree, its tracked files changed, or the branch name unusable
  // Stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report an interrupted command);
  // `l2mac resume` continues.
  kExitInterrupted = 130,
};

// The exit status for an error that stopped a command. `model_failed` says whether the
// model provider reported the failure.
int ExitCodeFor(const Status& status, bool model_failed);

}  // namespace l2mac::cli
