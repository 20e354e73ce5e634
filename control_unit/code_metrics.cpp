#include "control_unit/code_metrics.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>

#include "agents/toolchains/gate.hpp"
#include "core/process.hpp"

namespace l2mac::control_unit {
namespace {

namespace fs = std::filesystem;

bool Skipped(const fs::path& name) {
  const std::string text = name.string();
  return text.empty() || text[0] == '.' || text == "__pycache__";
}

// Non-blank lines of a file already known to be within the size bound.
int64_t NonBlankLines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  int64_t count = 0;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r\f\v") != std::string::npos) ++count;
  }
  return count;
}

// Whether `argv` followed by --version runs and exits 0.
bool Runs(std::vector<std::string> argv) {
  argv.push_back("--version");
  ProcessOptions options;
  options.argv = std::move(argv);
  options.env = CleanEnvironment();
  options.timeout = std::chrono::seconds(20);
  options.max_output_bytes = 4096;
  auto run = RunProcess(options);
  return run.ok() && run->succeeded();
}

}  // namespace

std::vector<std::string> FindPyflakes() {
  // Probed once per process: the installed tools do not change during an evaluation.
  static const std::vector<std::string> found = [] {
    std::vector<std::vector<std::string>> candidates;
    if (auto python = toolchains::FindPythonWithPytest(); python.ok()) {
      candidates.push_back({*python, "-m", "pyflakes"});
    }
    candidates.push_back({"python3", "-m", "pyflakes"});
    candidates.push_back({"pyflakes3"});
    candidates.push_back({"pyflakes"});
    for (const auto& candidate : candidates) {
      if (Runs(candidate)) return candidate;
    }
    return std::vector<std::string>();
  }();
  return found;
}

Result<CodeMetrics> MeasureCode(const fs::path& dir, const CodeMetricsOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound("'" + dir.string() + "' is not a folder");
  }
  CodeMetrics metrics;
  std::vector<std::string> files;  // relative to dir, sorted below
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    if (Skipped(entry.path().filename())) {
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    // Symbolic links are not followed: the output's own files only.
    if (entry.is_symlink(ec) || !entry.is_regular_file(ec)) continue;
    if (entry.path().extension() != ".py") continue;
    if (files.size() >= options.max_files || entry.file_size(ec) > options.max_file_bytes) {
      ++metrics.skipped;
      continue;
    }
    files.push_back(fs::relative(entry.path(), dir, ec).generic_string());
    metrics.loc += NonBlankLines(entry.path());
  }
  if (ec)
    return Status::IoError("cannot list the files of '" + dir.string() + "': " + ec.message());
  std::sort(files.begin(), files.end());
  metrics.python_files = static_cast<int64_t>(files.size());
  if (files.empty()) {
    metrics.lint_errors = 0;
    return metrics;
  }

  std::vector<std::string> argv = options.pyflakes.empty() ? FindPyflakes() : options.pyflakes;
  if (argv.empty()) {
    metrics.lint_note = "pyflakes is not installed (apt-get install python3-pyflakes)";
    return metrics;
  }
  argv.push_back("--");
  for (const auto& file : files) argv.push_back(file);
  ProcessOptions run_options;
  run_options.argv = std::move(argv);
  run_options.cwd = dir.string();
  run_options.env = CleanEnvironment();
  run_options.env.push_back("PYTHONDONTWRITEBYTECODE=1");
  run_options.timeout = options.lint_timeout;
  run_options.max_output_bytes = options.max_lint_output_bytes;
  run_options.cancel = options.cancel;
  auto run = RunProcess(run_options);
  if (!run.ok()) {
    metrics.lint_note = "pyflakes could not be started: " + run.status().message();
    return metrics;
  }
  if (run->cancelled) return Status::Cancelled("interrupted while pyflakes ran");
  if (run->timed_out || run->output_truncated) {
    metrics.lint_note = run->timed_out ? "pyflakes " + run->Describe()
                                       : "pyflakes printed more than the bound allows";
    return metrics;
  }
  // pyflakes exits 1 when it reports anything; a message is a line "path:line:...".
  const std::set<std::string> known(files.begin(), files.end());
  int64_t count = 0;
  size_t start = 0;
  const std::string& out = run->output;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    const size_t colon = line.find(':');
    if (colon != std::string::npos && known.count(line.substr(0, colon)) &&
        colon + 1 < line.size() && std::isdigit(static_cast<unsigned char>(line[colon + 1]))) {
      ++count;
      if (metrics.lint_messages.size() < options.max_lint_messages) {
        metrics.lint_messages.push_back(line);
      }
    }
    start = end + 1;
  }
  if (count == 0 && !run->succeeded()) {
    metrics.lint_note = "pyflakes failed (" + run->Describe() + ") without naming a file";
    return metrics;
  }
  metrics.lint_errors = count;
  return metrics;
}

}  // namespace l2mac::control_unit
