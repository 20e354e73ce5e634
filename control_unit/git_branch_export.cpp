#include "control_unit/git_branch_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "control_unit/temp_dir.hpp"
#include "core/text.hpp"

namespace l2mac::control_unit {
namespace {

using registry::InstructionRecord;
using registry::InstructionStatus;

constexpr const char* kMetaKey = "git_export";
constexpr const char* kTrailerStore = "L2mac-Store-Commit: ";
constexpr const char* kTrailerInstruction = "L2mac-Instruction: ";
constexpr const char* kTrailerFolder = "L2mac-Folder: ";
// Arguments per git call when paths are passed on the command line: far below ARG_MAX
// even for paths of the store's greatest length.
constexpr size_t kPathsPerCall = 50;
constexpr size_t kMaxExcludeBytes = 1 << 20;

const std::vector<std::string>& CommitIdentity() {
  static const std::vector<std::string> kIdentity = {
      "GIT_AUTHOR_NAME=l2mac", "GIT_AUTHOR_EMAIL=l2mac@localhost", "GIT_COMMITTER_NAME=l2mac",
      "GIT_COMMITTER_EMAIL=l2mac@localhost"};
  return kIdentity;
}

// "." for the work tree's root, else the prefix without its final '/'.
std::string FolderLabel(const std::string& prefix) {
  return prefix.empty() ? std::string(".") : prefix.substr(0, prefix.size() - 1);
}

std::string LastLine(const std::string& text) {
  std::string_view trimmed = TrimWhitespace(text);
  const size_t newline = trimmed.rfind('\n');
  return std::string(newline == std::string_view::npos ? trimmed : trimmed.substr(newline + 1));
}

// The tracked paths `git status --porcelain=v1 -z` lists (both sides of a rename).
std::vector<std::string> StatusPaths(const std::string& output) {
  std::vector<std::string> paths;
  size_t start = 0;
  bool next_is_origin = false;
  while (start < output.size()) {
    size_t end = output.find('\0', start);
    if (end == std::string::npos) end = output.size();
    std::string entry = output.substr(start, end - start);
    start = end + 1;
    if (next_is_origin) {
      paths.push_back(entry);
      next_is_origin = false;
      continue;
    }
    if (entry.size() < 4 || entry[2] != ' ') continue;
    paths.push_back(entry.substr(3));
    next_is_origin = entry[0] == 'R' || entry[0] == 'C' || entry[1] == 'R' || entry[1] == 'C';
  }
  return paths;
}

std::string OneLine(std::string_view text) {
  std::string line(text.substr(0, text.find('\n')));
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return std::string(TrimWhitespace(line));
}

Status WriteWhole(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) return Status::IoError("cannot write " + path.string());
  return Status::Ok();
}

}  // namespace

Result<GitBranchTarget> CheckGitBranch(const std::filesystem::path& out_dir,
                                       const std::string& branch,
                                       const std::set<std::string>& own_paths) {
  if (branch.empty() || branch[0] == '-' || branch.size() > 200) {
    return Status::InvalidArgument("--git-branch '" + TruncateUtf8(branch, 200) +
                                   "' is not a usable branch name: give a name like l2mac/feature");
  }
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::absolute(out_dir, ec).lexically_normal();
  if (ec) return Status::IoError("cannot resolve the output folder " + out_dir.string());
  // DIR may not exist yet: git runs in its nearest existing ancestor.
  std::filesystem::path existing = dir;
  std::filesystem::path rest;
  while (!std::filesystem::is_directory(existing, ec)) {
    if (!existing.has_relative_path()) break;
    rest = rest.empty() ? existing.filename() : existing.filename() / rest;
    existing = existing.parent_path();
  }
  GitCommand probe(existing);
  L2MAC_ASSIGN_OR_RETURN(ProcessResult toplevel, probe.Run({"rev-parse", "--show-toplevel"}));
  if (!toplevel.succeeded() || LastLine(toplevel.output).empty()) {
    return Status::FailedPrecondition(
        "--git-branch: the output folder " + dir.string() +
        " is not inside a git work tree: run `git init` there (or in a folder above it), or "
        "run without --git-branch");
  }
  const std::filesystem::path top = std::filesystem::canonical(LastLine(toplevel.output), ec);
  if (ec) return Status::IoError("cannot resolve git's work tree " + LastLine(toplevel.output));
  const std::filesystem::path inside =
      (std::filesystem::canonical(existing, ec) / rest).lexically_normal().lexically_relative(top);
  if (ec || inside.empty())
    return Status::IoError("cannot place " + dir.string() + " in " + top.string());
  std::string prefix;
  for (const auto& part : inside) {
    const std::string name = part.string();
    if (name == "..") {
      return Status::FailedPrecondition("--git-branch: the output folder " + dir.string() +
                                        " is not inside the work tree " + top.string());
    }
    if (name == ".git" && prefix.empty()) {
      return Status::FailedPrecondition("--git-branch: the output folder " + dir.string() +
                                        " is inside the repository's .git folder");
    }
    if (name == "." || name.empty()) continue;
    prefix += name + "/";
  }
  GitBranchTarget target{top, prefix, branch};
  GitCommand git(top);

  L2MAC_ASSIGN_OR_RETURN(ProcessResult format, git.Run({"check-ref-format", "--branch", branch}));
  if (!format.succeeded()) {
    return Status::InvalidArgument("--git-branch '" + branch +
                                   "' is not a valid git branch name (git check-ref-format): "
                                   "give a name like l2mac/feature");
  }
  L2MAC_ASSIGN_OR_RETURN(std::string worktrees, git.Output({"worktree", "list", "--porcelain"}));
  std::string worktree;
  for (std::string_view line : SplitLines(worktrees)) {
    if (line.rfind("worktree ", 0) == 0) worktree = std::string(line.substr(9));
    if (line == "branch refs/heads/" + branch) {
      return Status::FailedPrecondition(
          "--git-branch: branch " + branch + " is checked out in " + worktree +
          "; l2mac moves its branch without touching any work tree, so it must be a branch "
          "no work tree has checked out: give another name, or check out another branch");
    }
  }

  std::vector<std::string> status_args = {"--no-optional-locks",
                                          "-c",
                                          "core.safecrlf=false",
                                          "status",
                                          "--porcelain=v1",
                                          "-z",
                                          "--untracked-files=no",
                                          "--ignore-submodules=all",
                                          "--"};
  status_args.push_back(prefix.empty() ? std::string(".") : ":(literal)" + FolderLabel(prefix));
  L2MAC_ASSIGN_OR_RETURN(ProcessResult status, git.Run(status_args));
  if (!status.succeeded()) return Status::IoError(GitFailureText(status_args, status));
  std::vector<std::string> dirty;
  for (const std::string& path : StatusPaths(status.output)) {
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string relative = path.substr(prefix.size());
    if (relative.rfind(".l2mac/", 0) == 0 || own_paths.count(relative) > 0) continue;
    dirty.push_back(path);
  }
  if (!dirty.empty() || status.output_truncated) {
    std::string listed;
    for (size_t i = 0; i < dirty.size() && i < 5; ++i) listed += (i ? ", " : "") + dirty[i];
    if (dirty.size() > 5 || status.output_truncated) listed += ", ...";
    return Status::FailedPrecondition(
        "--git-branch: tracked files in the output folder have uncommitted changes (" + listed +
        "); l2mac writes into that folder, so commit or stash them first (`git stash`), then "
        "run again");
  }
  return target;
}

Result<std::set<std::string>> StoreHeadPaths(filestore::FileStore& store) {
  std::set<std::string> paths;
  L2MAC_ASSIGN_OR_RETURN(int64_t head, store.Head());
  if (head == 0) return paths;
  L2MAC_ASSIGN_OR_RETURN(auto files, store.List(head));
  for (auto& file : files) paths.insert(std::move(file.path));
  return paths;
}

Status CheckGitBranchForFolder(const std::filesystem::path& out_dir, const std::string& branch) {
  std::set<std::string> own;
  const FolderState state = InspectFolder(out_dir);
  if (state == FolderState::kHoldsWork || state == FolderState::kNothingDone) {
    // Unreadable here means the run reports it itself, with its own advice.
    auto view = Workspace::Open(out_dir, OpenMode::kReadOnlyView);
    if (view.ok()) {
      auto paths = StoreHeadPaths((*view)->store());
      if (paths.ok()) own = std::move(paths).value();
    }
  }
  return CheckGitBranch(out_dir, branch, own).status();
}

GitBranchExport::GitBranchExport(Workspace& workspace, GitBranchTarget target,
                                 std::vector<std::string> secrets)
    : workspace_(workspace),
      target_(std::move(target)),
      secrets_(std::move(secrets)),
      git_(target_.top) {}

Status GitBranchExport::ExcludeStateFolder() {
  L2MAC_ASSIGN_OR_RETURN(std::string where,
                         git_.Output({"rev-parse", "--git-path", "info/exclude"}));
  std::filesystem::path path = LastLine(where);
  if (path.is_relative()) path = target_.top / path;
  std::error_code ec;
  std::string content;
  if (std::filesystem::exists(path, ec)) {
    if (std::filesystem::file_size(path, ec) > kMaxExcludeBytes) {
      return Status::FailedPrecondition(path.string() +
                                        " is over 1 MiB; add the line .l2mac/ "
                                        "to it yourself");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream read;
    read << in.rdbuf();
    content = read.str();
  }
  for (std::string_view line : SplitLines(content)) {
    std::string_view trimmed = TrimWhitespace(line);
    if (trimmed == ".l2mac/" || trimmed == ".l2mac") return Status::Ok();
  }
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (!content.empty() && content.back() != '\n') out << '\n';
  out << "# l2mac's state folders (--git-branch)\n.l2mac/\n";
  out.close();
  if (!out) return Status::IoError("cannot add .l2mac/ to " + path.string());
  return Status::Ok();
}

Result<GitBranchExport::Recorded> GitBranchExport::LoadRecord() {
  Recorded recorded;
  L2MAC_ASSIGN_OR_RETURN(auto stored, workspace_.GetMeta(kMetaKey));
  if (!stored) return recorded;
  auto json = nlohmann::json::parse(*stored, nullptr, false);
  if (!json.is_object() || !json.value("store_commit", nlohmann::json()).is_number_integer() ||
      !json.value("git_commit", nlohmann::json()).is_string()) {
    return DamagedState(workspace_.dir(), "its record of the last git export");
  }
  // Another branch's record says nothing about this one.
  if (json.value("branch", std::string()) != target_.branch) return recorded;
  recorded.store_commit = json["store_commit"].get<int64_t>();
  recorded.git_commit = json["git_commit"].get<std::string>();
  return recorded;
}

Status GitBranchExport::SaveRecord(const Recorded& record) {
  nlohmann::json json = {{"branch", target_.branch},
                         {"store_commit", record.store_commit},
                         {"git_commit", record.git_commit}};
  return workspace_.SetMeta(kMetaKey, json.dump());
}

Result<std::string> GitBranchExport::BranchTip() {
  const std::vector<std::string> args = {"rev-parse", "--verify", "--quiet",
                                         "refs/heads/" + target_.branch + "^{commit}"};
  L2MAC_ASSIGN_OR_RETURN(ProcessResult tip, git_.Run(args));
  if (tip.succeeded()) return LastLine(tip.output);
  if (tip.exit_code == 1 && !tip.timed_out && tip.term_signal == 0) return std::string();
  return Status::IoError(GitFailureText(args, tip));
}

Result<GitBranchExport::Recorded> GitBranchExport::Reconcile(
    Recorded recorded, const std::string& tip, const std::vector<InstructionRecord>& committed) {
  if (tip.empty() || tip == recorded.git_commit) return recorded;
  L2MAC_ASSIGN_OR_RETURN(std::string text, git_.Output({"cat-file", "commit", tip}));
  std::string parent;
  int64_t store_commit = 0;
  std::string instruction;
  std::string folder;
  bool in_headers = true;
  for (std::string_view line : SplitLines(text)) {
    if (in_headers) {
      if (line.empty()) in_headers = false;
      if (parent.empty() && line.rfind("parent ", 0) == 0) parent = std::string(line.substr(7));
      continue;
    }
    auto value = [&](const char* key) -> std::optional<std::string> {
      const std::string_view k(key);
      if (line.substr(0, k.size()) != k) return std::nullopt;
      return std::string(TrimWhitespace(line.substr(k.size())));
    };
    if (auto v = value(kTrailerStore)) {
      store_commit = std::strtoll(v->c_str(), nullptr, 10);
    } else if (auto i = value(kTrailerInstruction)) {
      instruction = *i;
    } else if (auto f = value(kTrailerFolder)) {
      folder = *f;
    }
  }
  // Only the export a kill kept from being recorded: the next one, of this folder, made
  // on top of the recorded tip, naming an instruction this run committed at that commit.
  if (folder != FolderLabel(target_.prefix) || store_commit <= recorded.store_commit) {
    return recorded;
  }
  if (!recorded.git_commit.empty() && parent != recorded.git_commit) return recorded;
  for (const auto& record : committed) {
    if (record.commit_id == store_commit && record.instruction.id == instruction) {
      Recorded adopted{store_commit, tip};
      L2MAC_RETURN_IF_ERROR(SaveRecord(adopted));
      return adopted;
    }
  }
  return recorded;
}

std::string GitBranchExport::Message(const InstructionRecord& record) const {
  // Secrets go before anything is cut: a cut through a key would leave its prefix behind.
  auto redact = [this](std::string text) {
    for (const std::string& secret : secrets_) {
      if (secret.empty()) continue;
      for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
        text.replace(at, secret.size(), "[redacted]");
      }
    }
    return text;
  };
  const std::string& id = record.instruction.id;
  std::string message = TruncateUtf8(
      redact("l2mac: instruction " + OneLine(id) + ": " + OneLine(record.instruction.text)), 100);
  std::string summary(TrimWhitespace(record.summary));
  if (!summary.empty()) message += "\n\n" + TruncateUtf8(redact(summary), 2000);
  message += fmt::format("\n\n{}{}\n{}{}\n{}{}\n", kTrailerInstruction, OneLine(id), kTrailerStore,
                         record.commit_id, kTrailerFolder, FolderLabel(target_.prefix));
  return redact(std::move(message));
}

Result<std::string> GitBranchExport::ExportOne(const InstructionRecord& record,
                                               const std::string& parent,
                                               const std::filesystem::path& scratch) {
  filestore::FileStore& store = workspace_.store();
  const std::filesystem::path index = scratch / "index";
  std::error_code ec;
  std::filesystem::remove(index, ec);
  const std::vector<std::string> env = {"GIT_INDEX_FILE=" + index.string()};
  if (parent.empty()) {
    L2MAC_RETURN_IF_ERROR(git_.Output({"read-tree", "--empty"}, env).status());
  } else {
    L2MAC_RETURN_IF_ERROR(git_.Output({"read-tree", parent}, env).status());
  }
  L2MAC_ASSIGN_OR_RETURN(auto log, store.LogFrom(record.commit_id, 1));
  if (log.empty() || log[0].id != record.commit_id) {
    return DamagedState(workspace_.dir(), "commit " + std::to_string(record.commit_id) +
                                              " of instruction " + record.instruction.id);
  }
  std::vector<std::string> written;
  std::vector<std::string> removed;
  std::vector<std::string> blob_files;
  for (const std::string& path : log[0].changed_paths) {
    L2MAC_ASSIGN_OR_RETURN(auto content, store.Read(record.commit_id, path));
    if (!content) {
      removed.push_back(target_.prefix + path);
      continue;
    }
    const std::filesystem::path file = scratch / ("blob-" + std::to_string(written.size()));
    L2MAC_RETURN_IF_ERROR(WriteWhole(file, *content));
    written.push_back(target_.prefix + path);
    blob_files.push_back(file.string());
  }
  for (size_t begin = 0; begin < written.size(); begin += kPathsPerCall) {
    const size_t end = std::min(written.size(), begin + kPathsPerCall);
    // --no-filters: the bytes as the store holds them, whatever the attributes say.
    std::vector<std::string> hash = {"hash-object", "-w", "--no-filters", "--"};
    hash.insert(hash.end(), blob_files.begin() + static_cast<std::ptrdiff_t>(begin),
                blob_files.begin() + static_cast<std::ptrdiff_t>(end));
    L2MAC_ASSIGN_OR_RETURN(std::string ids, git_.Output(hash, env));
    std::vector<std::string_view> lines = SplitLines(ids);
    if (lines.size() != end - begin) {
      return Status::IoError("git hash-object returned " + std::to_string(lines.size()) +
                             " ids for " + std::to_string(end - begin) + " files");
    }
    std::vector<std::string> update = {"update-index", "--add"};
    for (size_t i = begin; i < end; ++i) {
      update.insert(update.end(),
                    {"--cacheinfo", "100644", std::string(lines[i - begin]), written[i]});
    }
    L2MAC_RETURN_IF_ERROR(git_.Output(update, env).status());
  }
  for (size_t begin = 0; begin < removed.size(); begin += kPathsPerCall) {
    const size_t end = std::min(removed.size(), begin + kPathsPerCall);
    std::vector<std::string> update = {"update-index", "--force-remove", "--"};
    update.insert(update.end(), removed.begin() + static_cast<std::ptrdiff_t>(begin),
                  removed.begin() + static_cast<std::ptrdiff_t>(end));
    L2MAC_RETURN_IF_ERROR(git_.Output(update, env).status());
  }
  L2MAC_ASSIGN_OR_RETURN(std::string tree, git_.Output({"write-tree"}, env));
  const std::filesystem::path message_file = scratch / "message";
  L2MAC_RETURN_IF_ERROR(WriteWhole(message_file, Message(record)));
  std::vector<std::string> commit = {"commit-tree", LastLine(tree), "--no-gpg-sign", "-F",
                                     message_file.string()};
  if (!parent.empty()) commit.insert(commit.end(), {"-p", parent});
  std::vector<std::string> identity = env;
  identity.insert(identity.end(), CommitIdentity().begin(), CommitIdentity().end());
  L2MAC_ASSIGN_OR_RETURN(std::string id, git_.Output(commit, identity));
  return LastLine(id);
}

Result<std::vector<GitExported>> GitBranchExport::ExportPending() {
  std::vector<GitExported> exported;
  L2MAC_ASSIGN_OR_RETURN(auto all, workspace_.registry().All());
  std::vector<InstructionRecord> committed;
  for (auto& record : all) {
    if (record.status == InstructionStatus::kCommitted && record.commit_id > 0) {
      committed.push_back(std::move(record));
    }
  }
  std::sort(committed.begin(), committed.end(),
            [](const auto& a, const auto& b) { return a.commit_id < b.commit_id; });
  L2MAC_ASSIGN_OR_RETURN(Recorded recorded, LoadRecord());
  L2MAC_ASSIGN_OR_RETURN(std::string tip, BranchTip());
  L2MAC_ASSIGN_OR_RETURN(recorded, Reconcile(std::move(recorded), tip, committed));
  auto first = std::find_if(committed.begin(), committed.end(), [&](const auto& record) {
    return record.commit_id > recorded.store_commit;
  });
  if (first == committed.end()) return exported;

  std::string parent = tip;
  if (parent.empty()) {
    // A new branch starts at HEAD; in a repository without commits, with a root commit.
    const std::vector<std::string> args = {"rev-parse", "--verify", "--quiet", "HEAD^{commit}"};
    L2MAC_ASSIGN_OR_RETURN(ProcessResult head, git_.Run(args));
    if (head.succeeded()) {
      parent = LastLine(head.output);
    } else if (head.exit_code != 1 || head.timed_out || head.term_signal != 0) {
      return Status::IoError(GitFailureText(args, head));
    }
  }
  L2MAC_ASSIGN_OR_RETURN(TempDir scratch, TempDir::Create(workspace_.dir() / ".l2mac", "git-"));
  for (auto it = first; it != committed.end(); ++it) {
    L2MAC_ASSIGN_OR_RETURN(std::string commit, ExportOne(*it, parent, scratch.path()));
    // Compare-and-swap: the branch moves only from the tip this commit was built on (""
    // when it must not exist yet), so a concurrent change of it is never overwritten.
    L2MAC_RETURN_IF_ERROR(
        git_.Output({"update-ref", "-m", "l2mac: instruction " + OneLine(it->instruction.id),
                     "refs/heads/" + target_.branch, commit, tip})
            .status());
    L2MAC_RETURN_IF_ERROR(SaveRecord({it->commit_id, commit}));
    exported.push_back({it->instruction.id, commit});
    parent = commit;
    tip = commit;
  }
  return exported;
}

}  // namespace l2mac::control_unit
