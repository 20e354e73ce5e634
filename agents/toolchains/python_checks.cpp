#include "agents/toolchains/python_checks.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <system_error>

#include <fstream>
#include <sstream>

#include "agents/toolchains/output_normalizer.hpp"
#include "agents/toolchains/result_parsers.hpp"
#include "agents/toolchains/test_results.hpp"
#include "core/process.hpp"

namespace l2mac::toolchains {
namespace {

// Compiles each file named on the command line and prints one line per failure, followed
// by the offending source line when Python knows it. Exit status 1 when any file failed.
constexpr const char* kSyntaxCheckScript = R"PY(
import sys
failures = 0
for path in sys.argv[1:]:
    try:
        with open(path, 'rb') as handle:
            source = handle.read()
        compile(source, path, 'exec', dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        failures += 1
        line = getattr(error, 'lineno', None) or 0
        column = getattr(error, 'offset', None) or 0
        message = getattr(error, 'msg', None) or str(error)
        print('%s:%d:%d: %s: %s' % (path, line, column, type(error).__name__, message))
        text = getattr(error, 'text', None)
        if isinstance(text, str) and text.strip():
            print('    ' + text.strip())
    except Exception as error:
        failures += 1
        print('%s:0:0: %s: %s' % (path, type(error).__name__, error))
sys.exit(1 if failures else 0)
)PY";

constexpr std::string_view kTimeoutAdvice =
    "A timeout counts as a failure. Look for infinite loops, blocking I/O, input() calls or "
    "network calls in the code and the tests.";

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string_view Trim(std::string_view text) {
  const size_t start = text.find_first_not_of(" \t\r\n=");
  if (start == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r\n=");
  return text.substr(start, end - start + 1);
}

// The last line that is not blank.
std::string_view LastLine(std::string_view text) {
  std::vector<std::string_view> lines = SplitLines(text);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!Trim(*it).empty()) return *it;
  }
  return {};
}

// The checked code's temporary files (pytest's tmp_path among them) go to a hidden folder
// inside the snapshot, removed with it, never to the user's temporary folder.
std::vector<std::string> PythonEnvironment(const std::filesystem::path& snapshot) {
  std::vector<std::string> env;
  for (auto& variable : CleanEnvironment()) {
    if (variable.rfind("TMPDIR=", 0) != 0) env.push_back(std::move(variable));
  }
  std::filesystem::path tmp = snapshot / ".tmp";
  std::error_code ec;
  std::filesystem::create_directories(tmp, ec);
  if (!ec) env.push_back("TMPDIR=" + tmp.string());
  env.push_back("PYTHONDONTWRITEBYTECODE=1");
  env.push_back("PYTHONUNBUFFERED=1");
  env.push_back("PYTHONPATH=" + snapshot.string());
  return env;
}

// pytest's closing line ("==== 1 failed, 2 passed in 0.12s ====") as "1 failed, 2 passed".
std::string PytestCounts(std::string_view output) {
  std::string_view last = Trim(LastLine(output));
  const size_t in = last.rfind(" in ");
  if (in != std::string_view::npos && EndsWith(last, "s")) last = last.substr(0, in);
  if (last.find("passed") == std::string_view::npos &&
      last.find("failed") == std::string_view::npos &&
      last.find("error") == std::string_view::npos &&
      last.find("skipped") == std::string_view::npos &&
      last.find("no tests ran") == std::string_view::npos) {
    return "";
  }
  return std::string(last);
}

// From pytest's first FAILURES or ERRORS banner to the end; the whole output when there is
// none. The progress lines before it say nothing the summary does not.
std::string_view PytestFailureSection(std::string_view output) {
  size_t pos = 0;
  for (std::string_view line : SplitLines(output)) {
    if (StartsWith(line, "=") && (line.find(" FAILURES ") != std::string_view::npos ||
                                  line.find(" ERRORS ") != std::string_view::npos)) {
      return output.substr(pos);
    }
    pos += line.size() + 1;
  }
  return output;
}

// In verbose mode pytest prints a test's id before running it and its result after; a last
// line with an id and no result names the test that was running when the clock ran out.
std::string RunningTest(std::string_view output) {
  std::string_view last = Trim(LastLine(output));
  if (last.find("::") == std::string_view::npos) return "";
  for (std::string_view result : {"PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS"}) {
    if (last.find(result) != std::string_view::npos) return "";
  }
  return std::string(last);
}

Result<SandboxResult> RunInSandbox(const GateOptions& options, std::vector<std::string> argv,
                                   const std::filesystem::path& snapshot, size_t max_output) {
  SandboxCommand command;
  command.argv = std::move(argv);
  command.root = snapshot;
  command.env = PythonEnvironment(snapshot);
  command.timeout = options.timeout;
  command.max_output_bytes = max_output;
  command.cancel = options.cancel;
  command.root_handed_over = options.snapshot_handed_over;
  L2MAC_ASSIGN_OR_RETURN(SandboxResult run, options.sandbox->Run(command));
  // Only excerpts and line counts are read from the output below: none needs the folder.
  run.output = NormalizeCheckOutput(run.output, snapshot);
  return run;
}

bool TimedOut(const SandboxResult& run) { return run.end == SandboxEnd::kTimedOut; }

// pyflakes messages that are errors rather than style: a name used but never defined.
// ("unable to detect undefined names", after a star import, is not one.)
bool IsPyflakesError(std::string_view line) {
  return line.find("undefined name '") != std::string_view::npos ||
         line.find("referenced before assignment") != std::string_view::npos;
}

std::string DescribePytestExit(int exit_code) {
  switch (exit_code) {
    case 1:
      return "Some tests failed";
    case 2:
      return "pytest was interrupted, usually because a test file could not be imported "
             "(collection error)";
    case 3:
      return "pytest hit an internal error";
    case 4:
      return "pytest was called wrongly (usage error), e.g. by a bad pytest.ini or conftest.py";
    default:
      return "pytest failed";
  }
}

}  // namespace

std::string FormatSeconds(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buffer;
}

Result<std::vector<std::string>> ListPythonFiles(const std::filesystem::path& snapshot) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code error;
  fs::recursive_directory_iterator it(snapshot, fs::directory_options::skip_permission_denied,
                                      error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    std::error_code type_error;
    if (it->is_directory(type_error)) {
      if (StartsWith(name, ".") || name == "__pycache__") it.disable_recursion_pending();
      continue;
    }
    if (StartsWith(name, ".") || !EndsWith(name, ".py") || !it->is_regular_file(type_error)) {
      continue;
    }
    files.push_back(it->path().lexically_relative(snapshot).generic_string());
  }
  if (error) {
    return Status::IoError("cannot list the Python files in the snapshot " + snapshot.string() +
                           ": " + error.message() + "; check that it exists and is readable");
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool IsPythonTestFile(const std::string& relative_path) {
  const std::string name = std::filesystem::path(relative_path).filename().string();
  return EndsWith(name, ".py") && (StartsWith(name, "test_") || EndsWith(name, "_test.py"));
}

Result<CheckOutcome> RunPythonSyntaxCheck(const std::string& python,
                                          const std::filesystem::path& snapshot,
                                          const std::vector<std::string>& files,
                                          const GateOptions& options) {
  std::vector<std::string> argv = {python, "-c", kSyntaxCheckScript};
  argv.insert(argv.end(), files.begin(), files.end());
  Result<SandboxResult> run = RunInSandbox(options, std::move(argv), snapshot,
                                           std::max<size_t>(options.max_report_bytes * 4, 65536));
  if (!run.ok()) return run.status().WithContext("python syntax check");

  CheckOutcome outcome;
  outcome.name = "python syntax";
  if (run->succeeded()) {
    outcome.passed = true;
    return outcome;
  }
  if (TimedOut(*run)) {
    outcome.timed_out = true;
    outcome.summary = "timed out after " + FormatSeconds(options.timeout);
    outcome.detail = "The syntax check of " + std::to_string(files.size()) +
                     " Python files did not finish within " + FormatSeconds(options.timeout) +
                     ". " + std::string(kTimeoutAdvice) + " pytest was not run.";
    return outcome;
  }
  size_t failed_files = 0;
  for (std::string_view line : SplitLines(run->output)) {
    if (!line.empty() && line.front() != ' ') ++failed_files;
  }
  if (run->exit_code != 1 || failed_files == 0) {
    outcome.summary = run->Describe();
    outcome.detail = "The Python syntax check itself failed (" + run->Describe() +
                     "); pytest was not run. Its output:\n" +
                     ElideMiddle(run->output, options.max_report_bytes);
    return outcome;
  }
  outcome.summary = std::to_string(failed_files) +
                    (failed_files == 1 ? " file with errors" : " files with errors");
  outcome.detail = std::to_string(failed_files) +
                   (failed_files == 1 ? " Python file does" : " Python files do") +
                   " not compile; pytest was not run. Fix these first:\n" +
                   ElideMiddle(run->output, options.max_report_bytes);
  return outcome;
}

Result<CheckOutcome> RunPytest(const std::string& python, const std::filesystem::path& snapshot,
                               const GateOptions& options, std::vector<TestResult>* tests) {
  const std::filesystem::path junit = snapshot / ".l2mac-junit.xml";
  std::vector<std::string> argv = {
      python,       "-m", "pytest",   "-v", "--tb=short",         "-p", "no:cacheprovider",
      "--color=no", "-o", "addopts=", "-o", "junit_family=xunit1"};
  // The snapshot is the whole project: no configuration or conftest.py from the folders
  // around it (the output folder, the user's home) may change how its tests run.
  argv.push_back("--rootdir=" + snapshot.string());
  argv.push_back("--confcutdir=" + snapshot.string());
  argv.push_back("--junitxml=" + junit.string());
  if (!options.test_paths.empty()) argv.push_back("--");
  for (const auto& path : options.test_paths) argv.push_back(path);
  Result<SandboxResult> run = RunInSandbox(
      options, std::move(argv), snapshot, std::max<size_t>(options.max_report_bytes * 16, 1 << 20));
  if (!run.ok()) return run.status().WithContext("pytest");
  std::string junit_xml;
  {
    std::ifstream in(junit, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    junit_xml = text.str();
  }
  std::error_code ignored;
  std::filesystem::remove(junit, ignored);
  if (tests != nullptr) {
    for (TestResult& test : ParseJunitTestResults(junit_xml, snapshot.string())) {
      tests->push_back(std::move(test));
    }
  }

  if (run->exit_code == 1 && run->output.find("No module named pytest") != std::string::npos) {
    return Status::FailedPrecondition(
        "the Python interpreter " + python +
        " cannot import pytest: install it with `apt-get install python3-pytest` or set "
        "L2MAC_PYTHON to an interpreter that has pytest");
  }
  CheckOutcome outcome;
  outcome.name = "pytest";
  const std::string counts = PytestCounts(run->output);
  if (run->succeeded()) {
    outcome.passed = true;
    outcome.summary = counts;
    return outcome;
  }
  if (!TimedOut(*run) && run->term_signal == 0 && run->exit_code == 5) {
    outcome.passed = true;
    outcome.summary = "no tests collected";
    outcome.detail = "no tests collected";
    return outcome;
  }
  if (TimedOut(*run)) {
    outcome.timed_out = true;
    outcome.summary = "timed out after " + FormatSeconds(options.timeout);
    outcome.detail = "The tests did not finish within " + FormatSeconds(options.timeout) +
                     " and were stopped. " + std::string(kTimeoutAdvice);
    const std::string running = RunningTest(run->output);
    if (!running.empty()) outcome.detail += "\nThe test running when it was stopped: " + running;
    outcome.detail +=
        "\nOutput before it was stopped:\n" + ElideMiddle(run->output, options.max_report_bytes);
    return outcome;
  }
  const std::string what =
      run->term_signal != 0 ? "pytest was " + run->Describe() : DescribePytestExit(run->exit_code);
  outcome.summary = counts.empty() ? run->Describe() : counts;
  // The per-test results from the JUnit report first, then pytest's own account (short
  // tracebacks), cut in the middle when long.
  std::vector<Finding> failures = ParseJunitXml(junit_xml, snapshot.string());
  // Their messages quote tracebacks with the snapshot's paths (normalized here, not in the
  // XML, where a placeholder's '<' would break the markup).
  for (Finding& failure : failures)
    failure.message = NormalizeCheckOutput(failure.message, snapshot);
  const std::string findings = FormatFindings(failures, 20);
  outcome.detail = what + " (" + run->Describe() + "):\n";
  if (!findings.empty()) outcome.detail += "Failing tests: " + findings + "\npytest output:\n";
  outcome.detail +=
      ElideMiddle(std::string(PytestFailureSection(run->output)), options.max_report_bytes);
  return outcome;
}

Result<CheckOutcome> RunPyflakes(const std::string& python, const std::filesystem::path& snapshot,
                                 const std::vector<std::string>& files,
                                 const GateOptions& options) {
  std::vector<std::string> argv = {python, "-m", "pyflakes"};
  argv.insert(argv.end(), files.begin(), files.end());
  Result<SandboxResult> run = RunInSandbox(options, std::move(argv), snapshot,
                                           std::max<size_t>(options.max_report_bytes * 4, 65536));
  if (!run.ok()) return run.status().WithContext("pyflakes");
  CheckOutcome outcome;
  outcome.name = "pyflakes";
  if (run->output.find("No module named pyflakes") != std::string::npos) {
    outcome.passed = true;
    outcome.summary = "skipped: pyflakes is not installed";
    return outcome;
  }
  if (TimedOut(*run)) {
    outcome.timed_out = true;
    outcome.summary = "timed out after " + FormatSeconds(options.timeout);
    outcome.detail = "pyflakes did not finish within " + FormatSeconds(options.timeout) + ".";
    return outcome;
  }
  std::string errors;
  size_t count = 0;
  for (std::string_view line : SplitLines(run->output)) {
    if (!IsPyflakesError(line)) continue;
    ++count;
    errors += "- " + std::string(line) + "\n";
  }
  if (count == 0) {
    outcome.passed = true;
    return outcome;
  }
  outcome.summary = std::to_string(count) + (count == 1 ? " undefined name" : " undefined names");
  outcome.detail = std::to_string(count) + (count == 1 ? " name is" : " names are") +
                   " used but never defined (pyflakes); pytest was not run:\n" +
                   ElideMiddle(errors, options.max_report_bytes);
  return outcome;
}

}  // namespace l2mac::toolchains
