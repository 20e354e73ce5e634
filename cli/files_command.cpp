#include "cli/files_command.hpp"

#include <ctime>
#include <filesystem>
#include <iostream>

#include "cli/exit_codes.hpp"
#include "control_unit/workspace.hpp"
#include "core/sqlite.hpp"
#include "core/text.hpp"
#include "filestore/file_store.hpp"
#include "filestore/store_history.hpp"
#include "filestore/store_queries.hpp"
#include "filestore/store_transfer.hpp"

namespace l2mac::cli {

struct FilesFlags {
  std::string dir;
  std::string at;  // --at COMMIT (id, branch, NAME~N); empty: head of main
  // ls
  std::string prefix;
  // cat / blame / outline / log
  std::string path;
  std::string lines;  // "A:B"
  // log
  size_t limit = 50;
  // diff
  std::string from;
  std::string to;
  // search
  std::string pattern;
  bool regex = false;
  bool ignore_case = false;
  std::vector<std::string> globs;
  // export / import
  std::string target;
  bool git = false;
  std::string source;
  std::string message = "import";

  CLI::App* ls = nullptr;
  CLI::App* cat = nullptr;
  CLI::App* log = nullptr;
  CLI::App* diff = nullptr;
  CLI::App* blame = nullptr;
  CLI::App* search = nullptr;
  CLI::App* outline = nullptr;
  CLI::App* export_cmd = nullptr;
  CLI::App* import_cmd = nullptr;
  CLI::App* checkout = nullptr;
};

namespace {

using filestore::FileStore;

int Fail(const Status& status) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return ExitCodeFor(status, false);
}

void AddAt(CLI::App& command, FilesFlags& flags) {
  command.add_option("--at", flags.at,
                     "the commit to read: a number from `log`, a branch, or NAME~N (N commits "
                     "before); default: the head of main");
}

// The store of DIR. With `create`, a folder without one gets a new, empty store.
struct OpenStore {
  std::unique_ptr<Database> db;
  std::unique_ptr<FileStore> store;
};

Result<OpenStore> Open(const std::string& dir, bool create) {
  std::filesystem::path state = control_unit::Workspace::StatePath(dir);
  std::error_code error;
  if (!std::filesystem::exists(state, error)) {
    if (!create) {
      return Status::NotFound(dir + " has no l2mac file store (" + state.string() +
                              " is missing): pass the output folder of an l2mac run, or "
                              "create a store with `l2mac files " +
                              dir + " import`");
    }
    std::filesystem::create_directories(state.parent_path(), error);
    if (error) {
      return Status::IoError("cannot create " + state.parent_path().string() + ": " +
                             error.message() + "; check the folder's permissions");
    }
  }
  OpenStore open;
  L2MAC_ASSIGN_OR_RETURN(open.db, Database::Open(state.string()));
  L2MAC_ASSIGN_OR_RETURN(open.store, FileStore::Open(*open.db));
  return open;
}

Result<int64_t> ResolveAt(FileStore& store, const std::string& at) {
  if (at.empty()) return store.Head();
  return store.Resolve(at);
}

std::string FormatTime(int64_t time_ms) {
  std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &utc);
  return std::string(text) + " UTC";
}

Status CheckNotBusy(const std::string& dir) {
  if (!control_unit::Workspace::IsBusy(dir)) return Status::Ok();
  return Status::FailedPrecondition("an l2mac run is working in " + dir +
                                    " right now; wait for it to finish or stop it first");
}

Status Ls(FileStore& store, const FilesFlags& flags) {
  L2MAC_ASSIGN_OR_RETURN(int64_t commit, ResolveAt(store, flags.at));
  L2MAC_ASSIGN_OR_RETURN(auto files, store.List(commit, flags.prefix));
  for (const auto& info : files) {
    std::cout << info.path << "\t" << Plural(info.lines, "line") << "\t"
              << Plural(info.size, "byte") << "\n";
  }
  return Status::Ok();
}

Status Cat(FileStore& store, const FilesFlags& flags) {
  L2MAC_ASSIGN_OR_RETURN(int64_t commit, ResolveAt(store, flags.at));
  if (!flags.lines.empty()) {
    size_t colon = flags.lines.find(':');
    int64_t first = 0;
    int64_t last = 0;
    try {
      first = std::stoll(flags.lines.substr(0, colon));
      last = colon == std::string::npos ? first : std::stoll(flags.lines.substr(colon + 1));
    } catch (const std::exception&) {
      return Status::InvalidArgument("--lines '" + flags.lines +
                                     "' is not a range like 10:40 (first:last line)");
    }
    L2MAC_ASSIGN_OR_RETURN(std::string text,
                           filestore::ReadLines(store, commit, flags.path, first, last));
    std::cout << text;
    return Status::Ok();
  }
  L2MAC_ASSIGN_OR_RETURN(auto content, store.Read(commit, flags.path));
  if (!content) {
    return Status::NotFound("file '" + flags.path + "' does not exist at commit " +
                            std::to_string(commit) + "; list the files with `l2mac files " +
                            flags.dir + " ls`");
  }
  std::cout << *content;
  return Status::Ok();
}

Status Log(FileStore& store, const FilesFlags& flags) {
  L2MAC_ASSIGN_OR_RETURN(int64_t commit, ResolveAt(store, flags.at));
  std::vector<filestore::CommitInfo> commits;
  if (flags.path.empty()) {
    L2MAC_ASSIGN_OR_RETURN(commits, store.LogFrom(commit, flags.limit));
  } else {
    L2MAC_ASSIGN_OR_RETURN(commits, filestore::PathLog(store, commit, flags.path, flags.limit));
  }
  for (const auto& info : commits) {
    std::cout << "commit " << info.id;
    if (info.second_parent) {
      std::cout << " (merge of " << info.parent.value_or(0) << " and " << *info.second_parent
                << ")";
    }
    std::cout << "\nauthor: " << info.author << "\ndate:   " << FormatTime(info.time_ms) << "\n    "
              << info.message << "\n";
    for (const auto& path : info.changed_paths) std::cout << "    " << path << "\n";
    std::cout << "\n";
  }
  return Status::Ok();
}

Status Diff(FileStore& store, const FilesFlags& flags) {
  int64_t to = 0;
  int64_t from = 0;
  if (!flags.at.empty()) {
    if (!flags.from.empty() || !flags.to.empty()) {
      return Status::InvalidArgument(
          "give either --at COMMIT (what that commit changed) or FROM [TO], not both");
    }
    L2MAC_ASSIGN_OR_RETURN(to, store.Resolve(flags.at));
  } else if (flags.to.empty()) {
    L2MAC_ASSIGN_OR_RETURN(to, store.Head());
  } else {
    L2MAC_ASSIGN_OR_RETURN(to, store.Resolve(flags.to));
  }
  if (flags.from.empty()) {
    // Default: what the `to` commit changed relative to its parent.
    L2MAC_ASSIGN_OR_RETURN(auto history, store.LogFrom(to, 1));
    from = history.empty() ? 0 : history[0].parent.value_or(0);
  } else {
    L2MAC_ASSIGN_OR_RETURN(from, store.Resolve(flags.from));
  }
  L2MAC_ASSIGN_OR_RETURN(std::string diff, filestore::DiffCommits(store, from, to, flags.path));
  std::cout << diff;
  return Status::Ok();
}

Status Blame(FileStore& store, const FilesFlags& flags) {
  L2MAC_ASSIGN_OR_RETURN(int64_t commit, ResolveAt(store, flags.at));
  L2MAC_ASSIGN_OR_RETURN(auto lines, filestore::Blame(store, commit, flags.path));
  size_t width = 0;
  for (const auto& line : lines) width = std::max(width, line.author.size());
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string author = lines[n].author;
    author.resize(width, ' ');
    std::cout << lines[n].commit << "\t" << author << "\t" << (n + 1) << ": " << lines[n].text
              << "\n";
  }
  return Status::Ok();
}

Status Search(FileStore& store, const FilesFlags& flags) {
  L2MAC_ASSIGN_OR_RETURN(int64_t commit, ResolveAt(store, flags.at));
  filestore::SearchOptions options;
  options.regex = flags.regex;
  options.ignore_case = flags.ignore_case;
  options.globs = flags.globs;
  options.max_results = flags.limit;
  L2MAC_ASSIGN_OR_RETURN(auto hits, filestore::SearchStore(store, commit, flags.pattern, options));
  for (const auto& hit : hits) std::cout << hit.path << ":" << hit.line << ": " << hit.text << "\n";
  return Status::Ok();
}

Status Outline(FileStore& store, const FilesFlags& flags) {
  L2MAC_ASSIGN_OR_RETURN(int64_t commit, ResolveAt(store, flags.at));
  L2MAC_ASSIGN_OR_RETURN(auto items, filestore::OutlineFile(store, commit, flags.path));
  for (const auto& item : items) {
    std::cout << std::string(static_cast<size_t>(item.depth) * 2, ' ') << item.line << ": "
              << item.kind << " " << item.name << "\n";
  }
  return Status::Ok();
}

Status Export(FileStore& store, const FilesFlags& flags) {
  if (flags.git) {
    if (!flags.at.empty()) {
      return Status::InvalidArgument(
          "--at does not apply to --git: the git export holds every commit and branch");
    }
    L2MAC_ASSIGN_OR_RETURN(auto report, filestore::ExportGit(store, flags.target));
    std::cout << "exported " << Plural(static_cast<int64_t>(report.commits), "commit") << " ("
              << Plural(static_cast<int64_t>(report.blobs), "file version")
              << ") to the git repository " << flags.target << "\n";
    return Status::Ok();
  }
  L2MAC_ASSIGN_OR_RETURN(int64_t commit, ResolveAt(store, flags.at));
  L2MAC_ASSIGN_OR_RETURN(size_t count, filestore::ExportDirectory(store, commit, flags.target));
  std::cout << "exported " << Plural(static_cast<int64_t>(count), "file") << " of commit " << commit
            << " to " << flags.target << "\n";
  return Status::Ok();
}

Status Import(FileStore& store, const FilesFlags& flags) {
  L2MAC_RETURN_IF_ERROR(CheckNotBusy(flags.dir));
  std::string source = flags.source.empty() ? flags.dir : flags.source;
  L2MAC_ASSIGN_OR_RETURN(auto report,
                         filestore::ImportDirectory(store, source, "user", flags.message));
  std::cout << "imported " << source << " as commit " << report.commit << ": "
            << report.added.size() << " added, " << report.modified.size() << " modified, "
            << report.removed.size() << " removed";
  if (!report.skipped.empty()) {
    std::cout << ", " << report.skipped.size() << " skipped (symlinks or invalid paths):";
    for (const auto& path : report.skipped) std::cout << " " << path;
  }
  std::cout << "\n";
  return Status::Ok();
}

Status Checkout(FileStore& store, const FilesFlags& flags) {
  L2MAC_RETURN_IF_ERROR(CheckNotBusy(flags.dir));
  L2MAC_ASSIGN_OR_RETURN(auto report, store.Materialize(flags.dir));
  std::cout << Plural(static_cast<int64_t>(report.written.size()), "file") << " written, "
            << report.removed.size() << " removed\n";
  for (const auto& path : report.kept_user_edits) {
    std::cout << "kept your edit of " << path << " (not overwritten; `l2mac files " << flags.dir
              << " import` records it in the store)\n";
  }
  return Status::Ok();
}

}  // namespace

FilesCommand AddFilesCommand(CLI::App& app) {
  FilesCommand files;
  files.flags = std::make_shared<FilesFlags>();
  FilesFlags& f = *files.flags;
  files.command = app.add_subcommand(
      "files",
      "Inspect and move the versioned file store of an output folder: list, read, history, "
      "diff, blame, search, export (folder or git), import, checkout.");
  CLI::App& cmd = *files.command;
  cmd.add_option("DIR", f.dir, "the output folder (holding .l2mac/state.db)")->required();
  cmd.require_subcommand(1);

  f.ls = cmd.add_subcommand("ls", "List files with their line counts and sizes.");
  f.ls->add_option("PREFIX", f.prefix, "only paths starting with this");
  AddAt(*f.ls, f);

  f.cat = cmd.add_subcommand("cat", "Print a file, or a numbered line range with --lines.");
  f.cat->add_option("PATH", f.path, "the file's path in the store")->required();
  f.cat->add_option("--lines", f.lines, "FIRST:LAST, printed with line numbers");
  AddAt(*f.cat, f);

  f.log = cmd.add_subcommand("log", "Show the history, newest first, or that of one file.");
  f.log->add_option("PATH", f.path, "only commits that changed this file");
  f.log->add_option("-n,--limit", f.limit, "at most this many commits")->capture_default_str();
  AddAt(*f.log, f);

  f.diff = cmd.add_subcommand(
      "diff", "Unified diff between two commits (default: what the head commit changed).");
  f.diff->add_option("FROM", f.from, "the older commit (default: TO's parent)");
  f.diff->add_option("TO", f.to, "the newer commit (default: the head of main)");
  f.diff->add_option("--path", f.path, "only paths starting with this");
  f.diff->add_option("--at", f.at,
                     "what this commit changed against its parent: a number from `log`, a branch "
                     "(e.g. attempt/3/2, a failed attempt's files), or NAME~N; instead of FROM TO");

  f.blame = cmd.add_subcommand("blame", "Show which commit and instruction wrote each line.");
  f.blame->add_option("PATH", f.path, "the file's path in the store")->required();
  AddAt(*f.blame, f);

  f.search = cmd.add_subcommand("search", "Find lines holding a literal (or a regex).");
  f.search->add_option("PATTERN", f.pattern, "the text to find")->required();
  f.search->add_flag("-E,--regex", f.regex,
                     "PATTERN is a regular expression in RE2 syntax (linear time; no "
                     "backreferences or lookaround)");
  f.search->add_flag("-i,--ignore-case", f.ignore_case, "ignore letter case");
  f.search->add_option("-g,--glob", f.globs,
                       "only paths matching: '*.py' (a name, in any folder), 'src/**/*.py' "
                       "(a path from the root); repeatable");
  f.search->add_option("-n,--limit", f.limit, "at most this many lines")->capture_default_str();
  AddAt(*f.search, f);

  f.outline =
      cmd.add_subcommand("outline",
                         "List the functions, classes and headings of a Python, C/C++, JS/TS or "
                         "Markdown file.");
  f.outline->add_option("PATH", f.path, "the file's path in the store")->required();
  AddAt(*f.outline, f);

  f.export_cmd = cmd.add_subcommand(
      "export",
      "Write a commit's files to a new folder, or the whole history to a new git "
      "repository (--git; one git commit per store commit, branches kept).");
  f.export_cmd->add_option("TARGET", f.target, "a new or empty folder")->required();
  f.export_cmd->add_flag("--git", f.git, "create a git repository with the full history");
  AddAt(*f.export_cmd, f);

  f.import_cmd = cmd.add_subcommand(
      "import",
      "Record a folder's files (default: DIR itself, e.g. your edits) as a new commit "
      "by \"user\", honouring .gitignore; creates the store if DIR has none.");
  f.import_cmd->add_option("SOURCE", f.source, "the folder to import (default: DIR)");
  f.import_cmd->add_option("-m,--message", f.message, "the commit message")->capture_default_str();

  f.checkout = cmd.add_subcommand(
      "checkout",
      "Make DIR show the head of the store again: rewrite changed or deleted files; "
      "files you edited are kept and reported, never overwritten.");
  for (CLI::App* sub : {f.ls, f.cat, f.log, f.diff, f.blame, f.search, f.outline, f.export_cmd,
                        f.import_cmd, f.checkout}) {
    sub->footer(
        "Exit status: 0 ok; 2 usage; 3 bad argument; 6 no store, unknown commit or file, or "
        "target not empty; 7 file system or database error.");
  }
  return files;
}

int RunFilesCommand(const FilesCommand& files) {
  const FilesFlags& f = *files.flags;
  bool creates = f.import_cmd->parsed();
  auto open = Open(f.dir, creates);
  if (!open.ok()) return Fail(open.status());
  FileStore& store = *open->store;
  Status status = Status::Internal("no files subcommand was given");
  if (*f.ls)
    status = Ls(store, f);
  else if (*f.cat)
    status = Cat(store, f);
  else if (*f.log)
    status = Log(store, f);
  else if (*f.diff)
    status = Diff(store, f);
  else if (*f.blame)
    status = Blame(store, f);
  else if (*f.search)
    status = Search(store, f);
  else if (*f.outline)
    status = Outline(store, f);
  else if (*f.export_cmd)
    status = Export(store, f);
  else if (*f.import_cmd)
    status = Import(store, f);
  else if (*f.checkout)
    status = Checkout(store, f);
  if (!status.ok()) return Fail(status);
  return kExitOk;
}

}  // namespace l2mac::cli
