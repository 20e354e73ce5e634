// --git-branch NAME: each committed instruction becomes one commit on branch NAME of the
// git repository that holds the output folder DIR.
//
// The commits are built with git's plumbing against a temporary index (read-tree,
// hash-object, update-index, write-tree, commit-tree) and the branch is moved with a
// compare-and-swap update-ref, so the user's HEAD, index, work tree and other branches are
// never touched; the branch starts at HEAD when it does not exist (a root commit in a
// repository without commits). Each commit holds exactly the paths its instruction changed,
// as the store holds them, under DIR's path in the repository, on top of the branch's
// previous tree; author and committer are "l2mac", and the message names the instruction
// (id and the first line of its text) with trailers that let a resume recognise it.
//
// Resume: the last exported store commit and git commit are kept in the run's metadata
// (`git_export`), written after each update-ref. ExportPending exports every committed
// instruction past it, so an instruction committed just before a kill is exported at the
// resume, and a kill between update-ref and that write is recognised from the branch tip's
// trailers: nothing is lost or exported twice.
//
// Threads: a GitBranchExport borrows the Workspace and is used from the run's thread only.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "control_unit/git_command.hpp"
#include "control_unit/workspace.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

// Where a run's commits go: the work tree holding DIR and DIR's place in it.
struct GitBranchTarget {
  std::filesystem::path top;  // the work tree's root (git rev-parse --show-toplevel)
  std::string prefix;         // DIR relative to `top` with a final '/'; "" when DIR is `top`
  std::string branch;         // NAME, without refs/heads/
};

// Everything --git-branch needs before a run starts or resumes: git is installed (else
// kUnavailable), NAME is a valid branch name that no work tree has checked out (else
// kInvalidArgument / kFailedPrecondition), DIR (which may not exist yet) is inside a git
// work tree (else kFailedPrecondition), and no tracked file under DIR differs from HEAD in
// the work tree or the index (else kFailedPrecondition listing them), except `own_paths`:
// store paths l2mac itself wrote into DIR (the run's head on a resume). Each error says
// what to do. Writes nothing.
Result<GitBranchTarget> CheckGitBranch(const std::filesystem::path& out_dir,
                                       const std::string& branch,
                                       const std::set<std::string>& own_paths);

// The same checks for the command line's early refusal: `own_paths` are read from the run
// DIR holds, if any (read-only, no lock).
Status CheckGitBranchForFolder(const std::filesystem::path& out_dir, const std::string& branch);

// The paths of the store's head: what l2mac wrote into DIR.
Result<std::set<std::string>> StoreHeadPaths(filestore::FileStore& store);

// One exported instruction.
struct GitExported {
  std::string instruction;
  std::string commit;  // the git commit's id
};

class GitBranchExport {
 public:
  // `secrets` (e.g. the API key's value) are replaced by "[redacted]" wherever they would
  // appear in a commit message.
  GitBranchExport(Workspace& workspace, GitBranchTarget target, std::vector<std::string> secrets);

  // Adds ".l2mac/" to the repository's info/exclude unless a line says so already, so the
  // state folder never shows as untracked.
  Status ExcludeStateFolder();

  // Exports, oldest first, every committed instruction not yet on the branch. A git
  // failure (kIoError) leaves the rest for the next call or the resume.
  Result<std::vector<GitExported>> ExportPending();

  const GitBranchTarget& target() const { return target_; }

 private:
  struct Recorded {
    int64_t store_commit = 0;
    std::string git_commit;
  };
  Result<Recorded> LoadRecord();
  Status SaveRecord(const Recorded& record);
  // The branch's tip, "" when the branch does not exist.
  Result<std::string> BranchTip();
  // Adopts the tip when it is the export a kill kept from being recorded.
  Result<Recorded> Reconcile(Recorded recorded, const std::string& tip,
                             const std::vector<registry::InstructionRecord>& committed);
  Result<std::string> ExportOne(const registry::InstructionRecord& record,
                                const std::string& parent, const std::filesystem::path& scratch);
  std::string Message(const registry::InstructionRecord& record) const;

  Workspace& workspace_;
  GitBranchTarget target_;
  std::vector<std::string> secrets_;
  GitCommand git_;
};

}  // namespace l2mac::control_unit
