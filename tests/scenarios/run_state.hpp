// Reading what a run left behind, for assertions: the files of an output folder and the
// rows of its state database (DIR/.l2mac/state.db). Header-only test support.
//
// Open the database only while no l2mac process works in the folder. Errors come back as
// Status/Result so a test can assert on them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/sqlite.hpp"
#include "core/status.hpp"

namespace l2mac::scenario {

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes `content` to `path`, creating parent folders. False on failure.
inline bool WriteText(const std::filesystem::path& path, const std::string& content) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out);
}

// The regular files under `dir` as relative path -> content, skipping l2mac's own
// `.l2mac` folder and the caches Python leaves behind (__pycache__, .pytest_cache).
// Symlinks are listed with the content "symlink -> <target>" and not followed.
inline std::map<std::string, std::string> ReadTree(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::string relative = it->path().lexically_relative(dir).generic_string();
    if (it->is_symlink(ec)) {
      files[relative] = "symlink -> " + fs::read_symlink(it->path(), ec).string();
      continue;
    }
    if (it->is_directory(ec)) {
      if (name == ".l2mac" || name == "__pycache__" || name == ".pytest_cache") {
        it.disable_recursion_pending();
      }
      continue;
    }
    files[relative] = ReadText(it->path());
  }
  return files;
}

// Paths of the files in a tree, for readable assertion messages.
inline std::vector<std::string> Paths(const std::map<std::string, std::string>& tree) {
  std::vector<std::string> paths;
  for (const auto& [path, content] : tree) paths.push_back(path);
  return paths;
}

// The files (recursively, including `.l2mac`) under `dir` whose bytes contain `needle`.
inline std::vector<std::string> FilesContaining(const std::filesystem::path& dir,
                                                std::string_view needle) {
  namespace fs = std::filesystem;
  std::vector<std::string> hits;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    if (ReadText(it->path()).find(needle) != std::string::npos) {
      hits.push_back(it->path().string());
    }
  }
  return hits;
}

inline std::filesystem::path StateDbPath(const std::filesystem::path& out_dir) {
  return out_dir / ".l2mac" / "state.db";
}

// Opens the run's state database; kNotFound when the folder holds no run (Open would
// otherwise create an empty database).
inline Result<std::unique_ptr<Database>> OpenStateDb(const std::filesystem::path& out_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(StateDbPath(out_dir), ec)) {
    return Status::NotFound("no state database in " + out_dir.string());
  }
  return Database::Open(StateDbPath(out_dir).string());
}

// The first column of every row `sql` returns, as text.
inline Result<std::vector<std::string>> QueryColumn(Database& db, const std::string& sql) {
  L2MAC_ASSIGN_OR_RETURN(Statement query, db.Prepare(sql));
  std::vector<std::string> values;
  while (true) {
    L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    values.push_back(query.ColumnText(0));
  }
  return values;
}

// The integer in the first column of the first row `sql` returns.
inline Result<int64_t> QueryInt(Database& db, const std::string& sql) {
  L2MAC_ASSIGN_OR_RETURN(Statement query, db.Prepare(sql));
  L2MAC_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no row from: " + sql);
  return query.ColumnInt(0);
}

// `sql` on the state database of the run in `out_dir`, first column as text; the error's
// text as the only element when the query cannot run (so assertions show it).
inline std::vector<std::string> QueryRun(const std::filesystem::path& out_dir,
                                         const std::string& sql) {
  auto db = OpenStateDb(out_dir);
  if (!db.ok()) return {"error: " + db.status().ToString()};
  auto values = QueryColumn(**db, sql);
  if (!values.ok()) return {"error: " + values.status().ToString()};
  return *values;
}

// The integer result of `sql` on the run's state database, or -1 when it cannot be read.
inline int64_t QueryRunInt(const std::filesystem::path& out_dir, const std::string& sql) {
  auto db = OpenStateDb(out_dir);
  if (!db.ok()) return -1;
  auto value = QueryInt(**db, sql);
  return value.ok() ? *value : -1;
}

// The result of PRAGMA integrity_check on the run's state database ("ok" when sound).
inline std::string IntegrityCheck(const std::filesystem::path& out_dir) {
  auto rows = QueryRun(out_dir, "PRAGMA integrity_check");
  std::string joined;
  for (const auto& row : rows) joined += (joined.empty() ? "" : "\n") + row;
  return joined;
}

// instruction id -> status, from the `instructions` table.
inline std::map<std::string, std::string> InstructionStatuses(
    const std::filesystem::path& out_dir) {
  std::map<std::string, std::string> statuses;
  for (const auto& row : QueryRun(out_dir, "SELECT id || '=' || status FROM instructions")) {
    size_t eq = row.find('=');
    if (eq == std::string::npos) {
      statuses["?"] = row;
    } else {
      statuses[row.substr(0, eq)] = row.substr(eq + 1);
    }
  }
  return statuses;
}

}  // namespace l2mac::scenario
