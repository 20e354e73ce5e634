// What `l2mac eval` measures on an output folder's files, as they are on disk: lines of
// code and pyflakes' findings (the L2MAC paper's LOC and "# errors" columns).
//
// Lines of code: the non-blank lines of every `.py` file under the folder, skipping the
// state folder `.l2mac`, every other file or folder whose name starts with a dot, and
// `__pycache__`. Bounded: at most `max_files` files are read, each at most
// `max_file_bytes` (a larger file is not counted, and `skipped` says so).
//
// Lint errors: pyflakes run as a subprocess on those files (from the folder, with the clean
// environment of core/process.hpp), bounded in time and output; every message it prints
// about a file counts (unused imports and names included, unlike the gate, which refuses
// only undefined names). The interpreter is the one the gate uses when it has pyflakes,
// else `pyflakes3` or `pyflakes` from PATH; when none is found, or pyflakes does not
// finish in time, the lint count is unknown and `lint_note` says why.
//
// Stateless functions; thread-safe (each call runs its own subprocess).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/cancel_token.hpp"
#include "core/status.hpp"

namespace l2mac::control_unit {

struct CodeMetricsOptions {
  size_t max_files = 10000;
  uintmax_t max_file_bytes = 4u << 20;
  std::chrono::milliseconds lint_timeout{120000};
  size_t max_lint_output_bytes = 4u << 20;
  size_t max_lint_messages = 20;  // kept as examples; all are counted
  // The pyflakes command (argv prefix, e.g. {"/usr/bin/python3", "-m", "pyflakes"}); empty:
  // found as described above.
  std::vector<std::string> pyflakes;
  const CancelToken* cancel = nullptr;  // borrowed; may be null
};

struct CodeMetrics {
  int64_t python_files = 0;
  int64_t loc = 0;
  int64_t skipped = 0;                     // files over the size bound, or past max_files
  std::optional<int64_t> lint_errors;      // unknown when pyflakes could not run
  std::vector<std::string> lint_messages;  // the first few, paths relative to the folder
  std::string lint_note;                   // why lint_errors is unknown ("" when it is known)
};

// Errors: kNotFound when `dir` is not a folder; kCancelled when `cancel` was cancelled
// during pyflakes.
Result<CodeMetrics> MeasureCode(const std::filesystem::path& dir,
                                const CodeMetricsOptions& options = {});

// The pyflakes command MeasureCode uses by default; empty when none is installed.
std::vector<std::string> FindPyflakes();

}  // namespace l2mac::control_unit
