#include "filestore/store_transfer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "core/process.hpp"
#include "filestore/disk_io.hpp"
#include "filestore/path.hpp"
#include "filestore/piped_process.hpp"

namespace l2mac::filestore {
namespace {

Status CheckEmptyFolder(const std::filesystem::path& dir, const char* what) {
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) return Status::Ok();
  if (!std::filesystem::is_directory(dir, error) || !std::filesystem::is_empty(dir, error)) {
    return Status::FailedPrecondition("cannot export " + std::string(what) + " into '" +
                                      dir.string() +
                                      "': it exists and is not an empty folder; "
                                      "pass a new or empty folder");
  }
  return Status::Ok();
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A fast-import path: C-style quoted so any byte but NUL is safe.
std::string QuotePath(const std::string& path) {
  std::string out = "\"";
  for (char c : path) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// An identity git accepts: no '<', '>' or newlines.
std::string Ident(const std::string& author, int64_t time_ms) {
  std::string name;
  for (char c : author) {
    if (c != '<' && c != '>' && c != '\n') name += c;
  }
  if (name.find_first_not_of(' ') == std::string::npos) name = "l2mac";
  return name + " <l2mac@localhost> " + std::to_string(time_ms / 1000) + " +0000";
}

std::vector<std::string> GitEnvironment() {
  std::vector<std::string> env = CleanEnvironment();
  // Reproducible and independent of the user's git configuration.
  env.emplace_back("GIT_CONFIG_NOSYSTEM=1");
  env.emplace_back("GIT_CONFIG_GLOBAL=/dev/null");
  env.emplace_back("GIT_TERMINAL_PROMPT=0");
  return env;
}

Result<std::string> RunGit(const std::vector<std::string>& args, size_t max_output = 1 << 20) {
  ProcessOptions options;
  options.argv = {"git"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = GitEnvironment();
  options.timeout = std::chrono::minutes(5);
  options.max_output_bytes = max_output;
  Result<ProcessResult> result = RunProcess(options);
  if (!result.ok()) {
    return Status::NotFound("cannot run git (" + result.status().message() +
                            "); install git (Debian: apt-get install git)");
  }
  if (!result->succeeded()) {
    return Status::FailedPrecondition("`git " + args.front() + "` failed (" + result->Describe() +
                                      "): " + result->output);
  }
  return std::move(result->output);
}

// Reads a regular file below `root` without following a symlink in its last component;
// nullopt for a symlink (anywhere in the path) or special file. A file above `max_bytes`
// is not read: nullopt, with its size in `*too_large_bytes`.
Result<std::optional<std::string>> ReadRegularFile(const std::filesystem::path& root,
                                                   const std::string& path, uint64_t max_bytes,
                                                   uint64_t* too_large_bytes) {
  Status no_symlink = CheckNoSymlinkOnDisk(root, path);
  if (no_symlink.code() == StatusCode::kPermissionDenied) return std::optional<std::string>();
  L2MAC_RETURN_IF_ERROR(no_symlink);
  std::string full = (root / path).string();
  int fd = ::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ELOOP) return std::optional<std::string>();
    return Status::IoError("cannot read '" + full + "': " + std::strerror(errno) +
                           "; check its permissions");
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return std::optional<std::string>();
  }
  if (static_cast<uint64_t>(info.st_size) > max_bytes) {
    ::close(fd);
    *too_large_bytes = static_cast<uint64_t>(info.st_size);
    return std::optional<std::string>();
  }
  std::string content(static_cast<size_t>(info.st_size), '\0');
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::read(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  content.resize(done);
  return std::optional<std::string>(std::move(content));
}

}  // namespace

Result<size_t> ExportDirectory(FileStore& store, int64_t commit, const std::filesystem::path& dir) {
  L2MAC_RETURN_IF_ERROR(CheckEmptyFolder(dir, "files"));
  L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> files, store.List(commit, ""));
  std::map<std::string, std::string> folded;
  for (const FileInfo& info : files) {
    // Every prefix folder too: "A/x" and "a/y" collide on the folder.
    std::string key = Lower(info.path);
    for (size_t slash = 0;; ++slash) {
      slash = key.find('/', slash);
      std::string part = slash == std::string::npos ? key : key.substr(0, slash);
      std::string original = slash == std::string::npos ? info.path : info.path.substr(0, slash);
      auto [it, inserted] = folded.emplace(part, original);
      if (!inserted && it->second != original) {
        return Status::FailedPrecondition(
            "cannot export: '" + it->second + "' and '" + original +
            "' differ only in letter case and would overwrite each other on a case-insensitive "
            "file system; rename one of them in the store first");
      }
      if (slash == std::string::npos) break;
    }
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return Status::IoError("cannot create '" + dir.string() + "': " + error.message() +
                           "; check the parent folder's permissions");
  }
  size_t written = 0;
  L2MAC_RETURN_IF_ERROR(
      store.ForEachFile(commit, "", [&](const FileInfo& info, std::string_view content) {
        ++written;
        return WriteOnDisk(dir, info.path, content, false);
      }));
  return written;
}

Result<GitExportReport> ExportGit(FileStore& store, const std::filesystem::path& repo) {
  L2MAC_RETURN_IF_ERROR(CheckEmptyFolder(repo, "a git repository"));
  L2MAC_ASSIGN_OR_RETURN(std::vector<CommitRecord> commits, store.AllCommits());
  L2MAC_ASSIGN_OR_RETURN(auto branches, store.Branches());
  L2MAC_RETURN_IF_ERROR(RunGit({"init", "-q", "-b", "main", repo.string()}).status());
  L2MAC_ASSIGN_OR_RETURN(auto importer, PipedProcess::Start({"git", "-C", repo.string(),
                                                             "fast-import", "--quiet", "--done"},
                                                            GitEnvironment()));
  GitExportReport report;
  // Marks: commit N is :N; blobs get marks above every commit id.
  int64_t next_mark = commits.empty() ? 1 : commits.back().info.id + 1;
  std::unordered_map<std::string, int64_t> blob_marks;
  for (const CommitRecord& record : commits) {
    for (const auto& [path, hash] : record.changes) {
      if (!hash || blob_marks.count(*hash) != 0) continue;
      L2MAC_ASSIGN_OR_RETURN(std::string content, store.ReadBlob(*hash));
      int64_t mark = next_mark++;
      blob_marks[*hash] = mark;
      L2MAC_RETURN_IF_ERROR(importer->Write("blob\nmark :" + std::to_string(mark) + "\ndata " +
                                            std::to_string(content.size()) + "\n"));
      L2MAC_RETURN_IF_ERROR(importer->Write(content));
      L2MAC_RETURN_IF_ERROR(importer->Write("\n"));
      ++report.blobs;
    }
    const CommitInfo& info = record.info;
    std::string message = info.message.empty() ? "(no message)" : info.message;
    if (message.back() != '\n') message += '\n';
    std::string header = "commit refs/heads/main\nmark :" + std::to_string(info.id) + "\nauthor " +
                         Ident(info.author, info.time_ms) + "\ncommitter " +
                         Ident(info.author, info.time_ms) + "\ndata " +
                         std::to_string(message.size()) + "\n" + message;
    // Without "from", a commit continues the ref's last commit; a root commit needs a
    // fresh start, hence the explicit reset.
    if (info.parent) {
      header += "from :" + std::to_string(*info.parent) + "\n";
    } else {
      header = "reset refs/heads/main\n\n" + header;
    }
    if (info.second_parent) header += "merge :" + std::to_string(*info.second_parent) + "\n";
    L2MAC_RETURN_IF_ERROR(importer->Write(header));
    for (const auto& [path, hash] : record.changes) {
      std::string line =
          hash ? "M 100644 :" + std::to_string(blob_marks[*hash]) + " " + QuotePath(path) + "\n"
               : "D " + QuotePath(path) + "\n";
      L2MAC_RETURN_IF_ERROR(importer->Write(line));
    }
    L2MAC_RETURN_IF_ERROR(importer->Write("\n"));
    ++report.commits;
  }
  // Each store branch becomes a git branch ("main" last, so it ends where the store's is).
  std::string refs;
  for (const auto& [name, commit] : branches) {
    if (name == kMainBranch) continue;
    refs += "reset refs/heads/" + name + "\nfrom :" + std::to_string(commit) + "\n\n";
  }
  auto main = branches.find(std::string(kMainBranch));
  if (main != branches.end()) {
    refs += "reset refs/heads/main\nfrom :" + std::to_string(main->second) + "\n\n";
  }
  L2MAC_RETURN_IF_ERROR(importer->Write(refs + "done\n"));
  L2MAC_RETURN_IF_ERROR(importer->Finish().status());
  if (main != branches.end()) {
    L2MAC_RETURN_IF_ERROR(RunGit({"-C", repo.string(), "reset", "-q", "--hard", "main"}).status());
  }
  return report;
}

Result<ImportReport> ImportDirectory(FileStore& store, const std::filesystem::path& dir,
                                     const std::string& author, const std::string& message,
                                     const ImportOptions& options) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return Status::NotFound("cannot import '" + dir.string() +
                            "': it is not a folder; pass the folder of an existing codebase");
  }
  // A temporary, empty repository whose work tree is `dir`: git applies every .gitignore
  // below `dir` (and `dir`'s own .git/info/exclude when it is a repository).
  std::filesystem::path temp = std::filesystem::temp_directory_path() /
                               ("l2mac-import-" + std::to_string(::getpid()) + "-" +
                                std::to_string(reinterpret_cast<uintptr_t>(&error)));
  L2MAC_RETURN_IF_ERROR(RunGit({"init", "-q", "--bare", temp.string()}).status());
  std::vector<std::string> args = {
      "--git-dir=" + temp.string(), "--work-tree=" + dir.string(), "ls-files", "-z", "--others",
      "--exclude-standard"};
  std::filesystem::path exclude = dir / ".git" / "info" / "exclude";
  if (std::filesystem::is_regular_file(exclude, error)) {
    args.push_back("--exclude-from=" + exclude.string());
  }
  Result<std::string> listed = RunGit(args, size_t{256} << 20);
  std::filesystem::remove_all(temp, error);
  if (!listed.ok()) return listed.status();

  ImportReport report;
  std::set<std::string> seen;
  L2MAC_ASSIGN_OR_RETURN(auto txn, store.Begin());
  std::string_view rest(*listed);
  while (!rest.empty()) {
    size_t nul = rest.find('\0');
    std::string path(rest.substr(0, nul));
    rest.remove_prefix(nul == std::string_view::npos ? rest.size() : nul + 1);
    // l2mac's own state is never content.
    if (path.empty() || path.rfind(".l2mac/", 0) == 0) continue;
    Result<std::string> normalized = NormalizePath(path);
    if (!normalized.ok() || path.back() == '/') {
      report.skipped.push_back(path);
      continue;
    }
    // Without skip_too_large, a file above the limit is read and refused by the write.
    uint64_t too_large_bytes = 0;
    const uint64_t max_bytes = options.skip_too_large ? store.options().max_file_bytes
                                                      : std::numeric_limits<uint64_t>::max();
    L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> content,
                           ReadRegularFile(dir, *normalized, max_bytes, &too_large_bytes));
    if (!content && too_large_bytes > 0) {
      report.too_large.push_back({*normalized, too_large_bytes});
      seen.insert(*normalized);  // left as the store has it, not removed
      continue;
    }
    if (!content) {
      report.skipped.push_back(*normalized);
      continue;
    }
    L2MAC_ASSIGN_OR_RETURN(std::optional<std::string> before, txn->Read(*normalized));
    if (before && *before == *content) {
      seen.insert(*normalized);
      continue;
    }
    L2MAC_RETURN_IF_ERROR(txn->Write(*normalized, std::move(*content)));
    (before ? report.modified : report.added).push_back(*normalized);
    seen.insert(*normalized);
  }
  L2MAC_ASSIGN_OR_RETURN(std::vector<FileInfo> existing, store.List(txn->base(), ""));
  for (const FileInfo& info : existing) {
    if (seen.count(info.path) != 0) continue;
    L2MAC_RETURN_IF_ERROR(txn->Delete(info.path));
    report.removed.push_back(info.path);
  }
  for (auto* list : {&report.added, &report.modified, &report.skipped}) {
    std::sort(list->begin(), list->end());
  }
  std::sort(report.too_large.begin(), report.too_large.end(),
            [](const ImportReport::TooLarge& a, const ImportReport::TooLarge& b) {
              return a.path < b.path;
            });
  L2MAC_ASSIGN_OR_RETURN(report.commit, txn->Commit(message, author));
  return report;
}

}  // namespace l2mac::filestore
