#include "agents/toolchains/gate.hpp"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "agents/toolchains/book_checks.hpp"
#include "agents/toolchains/output_normalizer.hpp"
#include "agents/toolchains/python_checks.hpp"
#include "agents/toolchains/result_parsers.hpp"
#include "agents/toolchains/test_bodies.hpp"
#include "agents/toolchains/test_protection.hpp"
#include "core/glob.hpp"
#include "core/process.hpp"

namespace l2mac::toolchains {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxFindingsListed = 20;

bool Skipped(const std::string& name) {
  return name.empty() || name.front() == '.' || name == "__pycache__" || name == "node_modules";
}

// Every regular file of the snapshot, relative, sorted; hidden entries, __pycache__ and
// node_modules left out (the gate's own build folders are hidden).
Result<std::vector<std::string>> ListFiles(const fs::path& root) {
  std::vector<std::string> files;
  std::error_code error;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code type_error;
    if (Skipped(it->path().filename().string())) {
      if (it->is_directory(type_error)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(type_error)) {
      files.push_back(it->path().lexically_relative(root).generic_string());
    }
  }
  if (error) {
    return Status::IoError("cannot list the files of the snapshot " + root.string() + ": " +
                           error.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Each pattern compiled once for all the files: a store holds thousands. A pattern Glob
// refuses matches nothing, as in MatchesAnyGlob.
std::vector<Glob> CompiledGlobs(const std::vector<std::string>& patterns) {
  std::vector<Glob> globs;
  for (const std::string& pattern : patterns) {
    Result<Glob> glob = Glob::Compile(pattern);
    if (glob.ok()) globs.push_back(std::move(*glob));
  }
  return globs;
}

bool MatchesAny(const std::vector<Glob>& globs, const std::string& file) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const Glob& glob) { return glob.Matches(file); });
}

std::vector<std::string> Matching(const std::vector<std::string>& patterns,
                                  const std::vector<std::string>& files) {
  const std::vector<Glob> globs = CompiledGlobs(patterns);
  std::vector<std::string> matched;
  for (const std::string& file : files) {
    if (MatchesAny(globs, file)) matched.push_back(file);
  }
  return matched;
}

bool AnyMatching(const std::vector<std::string>& patterns, const std::vector<std::string>& files) {
  const std::vector<Glob> globs = CompiledGlobs(patterns);
  return std::any_of(files.begin(), files.end(),
                     [&](const std::string& file) { return MatchesAny(globs, file); });
}

std::string Expand(std::string text, const fs::path& root) {
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  const char* home = std::getenv("HOME");
  replace("{root}", root.string());
  replace("{home}", home != nullptr ? home : "/nonexistent");
  return text;
}

std::string EnvValue(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& entry : env) {
    if (entry.rfind(name + "=", 0) == 0) return entry.substr(name.size() + 1);
  }
  return "";
}

bool FindInPath(const std::string& program, const std::string& path_list) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  size_t start = 0;
  while (start <= path_list.size()) {
    size_t end = path_list.find(':', start);
    if (end == std::string::npos) end = path_list.size();
    const std::string candidate = path_list.substr(start, end - start) + "/" + program;
    struct stat info;
    if (end > start && ::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

// The environment of a profile's command: the parent's harmless variables, the snapshot
// as HOME and TMPDIR's parent, and what the profile adds.
std::vector<std::string> StepEnvironment(const ToolchainProfile& profile, const fs::path& root) {
  std::vector<std::string> env;
  for (std::string& entry : CleanEnvironment()) {
    if (entry.rfind("HOME=", 0) != 0 && entry.rfind("TMPDIR=", 0) != 0) env.push_back(entry);
  }
  std::error_code ignored;
  fs::create_directories(root / ".tmp", ignored);
  env.push_back("HOME=" + root.string());
  env.push_back("TMPDIR=" + (root / ".tmp").string());
  for (const std::string& entry : profile.env) env.push_back(Expand(entry, root));
  return env;
}

struct StepRun {
  bool ran = false;  // false: skipped, with `outcome` saying why (or nothing to say)
  CheckOutcome outcome;
  std::vector<TestResult> tests;  // what a test runner reported, passing or not
  bool tests_partial = false;     // its report may lack tests that exist (output cut short)
};

Result<StepRun> RunCommandStep(const ToolchainProfile& profile, const ProfileStep& step,
                               const fs::path& root, const std::vector<std::string>& files,
                               const GateOptions& options) {
  StepRun result;
  result.outcome.name = step.name;
  std::vector<std::string> targets;
  if (!step.files.empty()) {
    targets = Matching(step.files, files);
    if (targets.empty()) return result;
  }
  const std::vector<std::string> env = StepEnvironment(profile, root);
  const std::string tool = Expand(step.command.front(), root);
  if (!FindInPath(tool, EnvValue(env, "PATH"))) {
    if (profile.required) {
      return Status::FailedPrecondition("the " + profile.name + " checks need `" + tool +
                                        "`, which is not installed or not on PATH; install it "
                                        "or disable the profile in the configuration");
    }
    result.ran = true;
    result.outcome.passed = true;
    result.outcome.summary = "skipped: `" + tool + "` is not installed";
    return result;
  }

  std::vector<std::vector<std::string>> invocations;
  std::vector<std::string> invocation_files;  // the {file} of each, for per-file steps
  auto build = [&](const std::vector<std::string>& file_args, const std::string& file) {
    std::vector<std::string> argv;
    for (const std::string& arg : step.command) {
      if (arg == "{files}") {
        argv.insert(argv.end(), file_args.begin(), file_args.end());
      } else if (arg == "{file}") {
        argv.push_back(file);
      } else {
        argv.push_back(Expand(arg, root));
      }
    }
    return argv;
  };
  if (step.per_file) {
    for (const std::string& file : targets) {
      invocations.push_back(build({file}, file));
      invocation_files.push_back(file);
    }
  } else {
    invocations.push_back(build(targets, targets.empty() ? "" : targets.front()));
    invocation_files.emplace_back();
  }

  std::string output;
  std::string failed_run;
  bool timed_out = false;
  std::vector<Finding> findings;
  for (size_t i = 0; i < invocations.size(); ++i) {
    SandboxCommand command;
    command.argv = invocations[i];
    command.root = root;
    command.env = env;
    command.timeout = options.timeout;
    command.max_output_bytes = std::max<size_t>(options.max_report_bytes * 16, 1 << 20);
    command.cancel = options.cancel;
    command.root_handed_over = options.snapshot_handed_over;
    L2MAC_ASSIGN_OR_RETURN(SandboxResult run, options.sandbox->Run(command));
    for (TestResult& test :
         ParseTestResults(step.parser, run.output, root.string(), invocation_files[i])) {
      result.tests.push_back(std::move(test));
    }
    result.tests_partial = result.tests_partial || run.output_truncated;
    const bool passed = run.end == SandboxEnd::kExited &&
                        std::find(step.pass_exit_codes.begin(), step.pass_exit_codes.end(),
                                  run.exit_code) != step.pass_exit_codes.end();
    if (passed) continue;
    timed_out = timed_out || run.end == SandboxEnd::kTimedOut;
    if (failed_run.empty()) failed_run = run.Describe();
    for (Finding& f : ParseFindings(step.parser, run.output, root.string())) {
      f.message = NormalizeCheckOutput(f.message, root);
      findings.push_back(std::move(f));
    }
    // Normalized before it is cut, so the cut falls at the same place in every run.
    output += NormalizeCheckOutput(run.output, root);
    if (timed_out) break;
  }
  result.ran = true;
  CheckOutcome& outcome = result.outcome;
  if (failed_run.empty()) {
    outcome.passed = true;
    return result;
  }
  outcome.timed_out = timed_out;
  const std::string listed = FormatFindings(findings, kMaxFindingsListed);
  outcome.summary = timed_out          ? "timed out after " + FormatSeconds(options.timeout)
                    : findings.empty() ? failed_run
                                       : std::to_string(findings.size()) +
                                             (findings.size() == 1 ? " problem" : " problems");
  outcome.detail = "`" + step.name + "` failed (" + failed_run + ")";
  if (timed_out) {
    outcome.detail +=
        ". A timeout counts as a failure: look for infinite loops or blocking "
        "calls in the code and the tests";
  }
  outcome.detail += ".\n";
  if (!listed.empty()) {
    // The findings are the message; the log is context, kept short.
    outcome.detail += listed + "Output (middle elided):\n" +
                      ElideMiddle(output, std::min<size_t>(1500, options.max_report_bytes / 2));
  } else {
    outcome.detail += "Output (middle elided):\n" + ElideMiddle(output, options.max_report_bytes);
  }
  return result;
}

// The Python built-ins share an interpreter and the list of .py files.
class PythonSteps {
 public:
  // `files`: the snapshot's files (see GateOptions::files); `touched`: what the
  // instruction changed, empty for everything.
  PythonSteps(const fs::path& root, const GateOptions& options,
              const std::vector<std::string>& files, const std::vector<std::string>& touched)
      : root_(root), options_(options), all_files_(files), touched_(touched) {}

  Result<StepRun> Run(const std::string& builtin) {
    StepRun result;
    if (!files_) {
      if (options_.files) {
        files_.emplace();
        for (const std::string& file : all_files_) {
          if (file.size() > 3 && file.compare(file.size() - 3, 3, ".py") == 0) {
            files_->push_back(file);
          }
        }
      } else {
        L2MAC_ASSIGN_OR_RETURN(files_, ListPythonFiles(root_));
      }
      // Syntax and undefined names are matters of each file alone, so only the files the
      // instruction changed are checked again; the rest passed when they were committed.
      changed_ = *files_;
      if (!touched_.empty()) {
        const std::set<std::string> touched(touched_.begin(), touched_.end());
        std::erase_if(*changed_, [&](const std::string& file) { return !touched.count(file); });
      }
    }
    if (files_->empty()) return result;
    if (python_.empty()) {
      python_ = options_.python;
      if (python_.empty()) {
        L2MAC_ASSIGN_OR_RETURN(python_, FindPythonWithPytest());
      }
    }
    result.ran = true;
    if (builtin == "python-syntax" || builtin == "pyflakes") {
      if (changed_->empty()) {
        result.ran = false;
        return result;
      }
      if (builtin == "python-syntax") {
        L2MAC_ASSIGN_OR_RETURN(result.outcome,
                               RunPythonSyntaxCheck(python_, root_, *changed_, options_));
      } else {
        L2MAC_ASSIGN_OR_RETURN(result.outcome, RunPyflakes(python_, root_, *changed_, options_));
      }
    } else {
      if (!std::any_of(files_->begin(), files_->end(), IsPythonTestFile)) {
        result.ran = false;
        return result;
      }
      L2MAC_ASSIGN_OR_RETURN(result.outcome, RunPytest(python_, root_, options_, &result.tests));
      // run_tests may name some test files: the others did not run.
      result.tests_partial = !options_.test_paths.empty();
    }
    return result;
  }

 private:
  fs::path root_;
  const GateOptions& options_;
  const std::vector<std::string>& all_files_;
  const std::vector<std::string>& touched_;
  std::optional<std::vector<std::string>> files_;    // the .py files
  std::optional<std::vector<std::string>> changed_;  // those the instruction changed
  std::string python_;
};

// Whether a failed test step failed only by tests that already failed before the run
// (GateOptions::preexisting_failures) and have not passed since (not protected).
bool OnlyPreexistingFailures(const std::string& profile, const StepRun& run,
                             const GateOptions& options, size_t* failed) {
  // A report cut short may lack a failure; run_tests naming some files is partial too, but
  // what it reports is whole.
  if (options.preexisting_failures.empty() || run.outcome.timed_out ||
      (run.tests_partial && options.test_paths.empty())) {
    return false;
  }
  auto listed = [&](const std::vector<ProtectedTest>& tests, const std::string& id) {
    return std::any_of(tests.begin(), tests.end(), [&](const ProtectedTest& test) {
      return test.profile == profile && test.id == id;
    });
  };
  *failed = 0;
  for (const TestResult& test : run.tests) {
    if (test.outcome != TestOutcome::kFailed) continue;
    if (!listed(options.preexisting_failures, test.id) ||
        listed(options.protected_tests, test.id)) {
      return false;
    }
    ++*failed;
  }
  return *failed > 0;
}

// A profile with protected tests runs whatever was touched: any change may break them.
bool ProfileApplies(const ToolchainProfile& profile, const std::vector<std::string>& touched,
                    const std::vector<std::string>& files, bool has_protected_tests) {
  if (profile.always) return true;
  // The touched paths first: there are few, and the store may hold thousands of files.
  if (!touched.empty() && !has_protected_tests && !AnyMatching(profile.detect, touched)) {
    return false;
  }
  return AnyMatching(profile.detect, files);
}

// Finds each reported test's file and body, then adds the "protected tests" check when
// a protected test was weakened or could not be checked. Tests of a profile the gate does not know
// (removed from the configuration, or of another domain) cannot be judged.
void CheckTests(const std::filesystem::path& root, const std::vector<std::string>& files,
                const GateOptions& options, const std::vector<std::string>& profile_names,
                GateReport& report) {
  for (ProfileTests& run : report.test_runs) LocateTests(root, files, run.tests);
  if (options.protected_tests.empty()) return;
  std::set<std::string> unknown;
  for (const ProtectedTest& test : options.protected_tests) {
    if (std::find(profile_names.begin(), profile_names.end(), test.profile) ==
        profile_names.end()) {
      unknown.insert(test.profile);
    }
  }
  for (const std::string& profile : unknown) {
    report.test_runs.push_back(ProfileTests{profile, TestCollection::kUnavailable, {}});
  }
  std::optional<CheckOutcome> check =
      CheckProtectedTests(options.protected_tests, report.test_runs, options.instruction_text);
  if (!check) return;
  if (!check->passed) report.passed = false;
  report.checks.push_back(std::move(*check));
}

}  // namespace

Result<GateReport> RunGate(GateDomain domain, const std::filesystem::path& snapshot,
                           const std::vector<std::string>& touched, const GateOptions& options) {
  std::error_code error;
  if (!std::filesystem::is_directory(snapshot, error)) {
    return Status::NotFound("the gate's snapshot directory " + snapshot.string() +
                            " does not exist; materialize the store there before running the "
                            "gate");
  }
  const std::filesystem::path root = std::filesystem::absolute(snapshot, error);
  if (error) {
    return Status::IoError("cannot resolve the snapshot directory " + snapshot.string() + ": " +
                           error.message());
  }
  if (domain != GateDomain::kCodebase && domain != GateDomain::kBook) {
    return Status::InvalidArgument("unknown gate domain " +
                                   std::to_string(static_cast<int>(domain)) +
                                   "; use GateDomain::kCodebase or GateDomain::kBook");
  }
  GateOptions resolved = options;
  if (!resolved.sandbox) {
    L2MAC_ASSIGN_OR_RETURN(resolved.sandbox, Sandbox::Create(SandboxSettings{}));
  }
  if (resolved.profiles.empty()) resolved.profiles = BuiltinProfiles();
  const std::string domain_name = domain == GateDomain::kBook ? "book" : "codebase";

  std::vector<std::string> files;
  if (resolved.files) {
    // What ListFiles would find: no hidden entry, __pycache__ or node_modules on the way.
    for (const std::string& file : *resolved.files) {
      bool listed = true;
      for (const auto& part : fs::path(file)) listed = listed && !Skipped(part.string());
      if (listed) files.push_back(file);
    }
  } else {
    L2MAC_ASSIGN_OR_RETURN(files, ListFiles(root));
  }
  std::set<std::string> protected_profiles;
  for (const ProtectedTest& test : resolved.protected_tests)
    protected_profiles.insert(test.profile);
  GateReport report;
  std::vector<std::string> profile_names;
  PythonSteps python(root, resolved, files, touched);
  for (const ToolchainProfile& profile : resolved.profiles) {
    if (profile.domain != domain_name) continue;
    profile_names.push_back(profile.name);
    if (!ProfileApplies(profile, touched, files, protected_profiles.count(profile.name) > 0)) {
      continue;
    }
    ProfileTests tests{profile.name, TestCollection::kComplete, {}};
    for (const ProfileStep& step : profile.steps) {
      if (!step.requires_files.empty() && !AnyMatching(step.requires_files, files)) continue;
      if (!step.unless_files.empty() && AnyMatching(step.unless_files, files)) continue;
      StepRun run;
      if (step.builtin == "markdown-files") {
        run.ran = true;
        run.outcome = CheckMarkdownFiles(root, touched, resolved);
      } else if (step.builtin == "markdown-structure") {
        run.ran = true;
        run.outcome = CheckMarkdownStructure(root, touched, resolved);
      } else if (step.builtin == "markdown-length") {
        run.ran = true;
        run.outcome = CheckMarkdownLength(root, touched, resolved);
      } else if (!step.builtin.empty()) {
        L2MAC_ASSIGN_OR_RETURN(run, python.Run(step.builtin));
      } else {
        L2MAC_ASSIGN_OR_RETURN(run, RunCommandStep(profile, step, root, files, resolved));
      }
      if (!run.ran) continue;
      run.outcome.name = step.name;
      size_t preexisting = 0;
      if (!run.outcome.passed &&
          OnlyPreexistingFailures(profile.name, run, resolved, &preexisting)) {
        run.outcome.passed = true;
        run.outcome.detail.clear();
        run.outcome.summary = std::to_string(preexisting) + " pre-existing failure" +
                              (preexisting == 1 ? "" : "s") + ", not held against the run";
      }
      const bool passed = run.outcome.passed;
      const bool tool_missing =
          step.builtin.empty() && run.outcome.summary.rfind("skipped:", 0) == 0;
      report.checks.push_back(std::move(run.outcome));
      for (TestResult& test : run.tests) tests.tests.push_back(std::move(test));
      if (run.tests_partial) tests.collection = TestCollection::kPartial;
      if (!passed) {
        report.passed = false;
        tests.collection = TestCollection::kPartial;
        break;  // later steps of this profile would only repeat the failure
      }
      if (tool_missing) {
        tests.collection = TestCollection::kUnavailable;
        break;  // the profile's later steps need it too
      }
    }
    report.test_runs.push_back(std::move(tests));
  }
  CheckTests(root, files, resolved, profile_names, report);
  // What the steps composed around the outputs (normalized where they were read) may name
  // the snapshot too; the report the model reads never does.
  for (CheckOutcome& check : report.checks) {
    check.summary = NormalizeCheckOutput(check.summary, root);
    check.detail = NormalizeCheckOutput(check.detail, root);
  }
  return report;
}

}  // namespace l2mac::toolchains
