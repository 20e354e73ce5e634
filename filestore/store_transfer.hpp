// Moving a FileStore's content in and out: export of a commit to a folder, export of the
// whole history to a git repository (one git commit per store commit, through a real
// `git fast-import`), and import of an existing folder as a new commit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::filestore {

// Writes the files of `commit` into `dir`, which must be missing or empty. Refuses
// (kFailedPrecondition, before writing anything) paths that differ only in case, since
// they would overwrite each other on a case-insensitive file system. Returns the count.
Result<size_t> ExportDirectory(FileStore& store, int64_t commit, const std::filesystem::path& dir);

struct GitExportReport {
  size_t commits = 0;
  size_t blobs = 0;
};

// Creates the git repository `repo` (missing or empty folder) with branch "main" checked
// out, and streams every commit of the store into it with `git fast-import`; each branch
// of the store becomes a git branch. Needs `git` on PATH (kNotFound otherwise).
Result<GitExportReport> ExportGit(FileStore& store, const std::filesystem::path& repo);

struct ImportReport {
  int64_t commit = 0;  // the new head (unchanged when nothing differed)
  std::vector<std::string> added;
  std::vector<std::string> modified;
  std::vector<std::string> removed;  // in the store but no longer in the folder
  std::vector<std::string> skipped;  // symlinks, special files, invalid or reserved paths
  // Files above the store's size limit, left out (only with ImportOptions::skip_too_large).
  struct TooLarge {
    std::string path;
    uint64_t bytes = 0;
  };
  std::vector<TooLarge> too_large;
};

struct ImportOptions {
  // A file above StoreOptions::max_file_bytes is listed in ImportReport::too_large and left
  // out, rather than failing the import (`l2mac run` on a folder of existing code).
  bool skip_too_large = false;
};

// Makes the head of "main" mirror the regular files of `dir`, leaving out what its
// .gitignore files (and .git/info/exclude) ignore, as one commit by `author`. Files are
// listed with `git ls-files --others --exclude-standard` against a temporary empty
// repository, so git's own ignore rules apply whether or not `dir` is a repository.
// Symlinks are skipped, never followed. A file above the store's size limit fails the
// import (kResourceExhausted) before anything is committed, unless options.skip_too_large
// (its size is read first; it is never loaded). A folder with nothing to import and
// nothing to remove commits nothing (ImportReport::commit is the unchanged head).
Result<ImportReport> ImportDirectory(FileStore& store, const std::filesystem::path& dir,
                                     const std::string& author, const std::string& message,
                                     const ImportOptions& options = {});

}  // namespace l2mac::filestore
