#include "agents/toolchains/test_protection.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace l2mac::toolchains {
namespace {

constexpr size_t kMaxFindingsListed = 20;

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whether `text` holds `word` as a whole word (neither neighbour a word character).
bool ContainsWord(const std::string& text, const std::string& word) {
  if (word.empty()) return false;
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !IsWordChar(text[at - 1]);
    const size_t end = at + word.size();
    const bool ends = end >= text.size() || !IsWordChar(text[end]);
    if (starts && ends) return true;
  }
  return false;
}

bool JoinsPath(char c) { return IsWordChar(c) || c == '/' || c == '.' || c == '-'; }

// A path in prose: "tests/test_app.py." ends a sentence, "tests/test_app.py.bak" is
// another file, "tests/test_app.py::test_x" one test of it.
bool ContainsPath(const std::string& text, const std::string& path) {
  if (path.empty()) return false;
  for (size_t at = text.find(path); at != std::string::npos; at = text.find(path, at + 1)) {
    if (at > 0 && JoinsPath(text[at - 1])) continue;
    size_t end = at + path.size();
    if (text.compare(end, 2, "::") == 0) continue;  // a test in the file, not the file
    if (end < text.size() && text[end] == '.') ++end;
    if (end < text.size() && JoinsPath(text[end])) continue;
    return true;
  }
  return false;
}

bool OnlyLowercaseLetters(const std::string& name) {
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::islower(static_cast<unsigned char>(c)); });
}

std::string ProfileAndId(const std::string& profile, const std::string& id) {
  return profile + '\n' + id;
}

Finding WeakenedFinding(const ProtectedTest& test, const std::string& message) {
  Finding finding;
  // The id already starts with the file for pytest and node tests.
  if (test.id.rfind(test.file, 0) != 0) finding.file = test.file;
  finding.test = test.id;
  finding.message = message;
  return finding;
}

std::string Plural(int count, const std::string& one, const std::string& many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

}  // namespace

bool InstructionNamesTest(const std::string& instruction_text, const ProtectedTest& test) {
  if (test.id != test.name && ContainsWord(instruction_text, test.id)) return true;
  if (ContainsPath(instruction_text, test.file)) return true;
  if (test.name.empty()) return false;
  if (!OnlyLowercaseLetters(test.name)) {
    return ContainsWord(instruction_text, test.name);
  }
  for (const char* quote : {"`", "'", "\""}) {
    if (instruction_text.find(quote + test.name + quote) != std::string::npos) return true;
  }
  return false;
}

std::vector<Finding> FindWeakenedTests(const std::vector<ProtectedTest>& protected_tests,
                                       const std::vector<ProfileTests>& runs,
                                       const std::string& instruction_text) {
  std::map<std::string, const ProfileTests*> run_of;
  std::map<std::string, const TestResult*> reported;
  for (const ProfileTests& run : runs) {
    run_of[run.profile] = &run;
    for (const TestResult& test : run.tests) reported[ProfileAndId(run.profile, test.id)] = &test;
  }
  std::vector<Finding> findings;
  for (const ProtectedTest& test : protected_tests) {
    auto run = run_of.find(test.profile);
    if (run != run_of.end() && run->second->collection == TestCollection::kUnavailable) continue;
    if (InstructionNamesTest(instruction_text, test)) continue;
    auto result = reported.find(ProfileAndId(test.profile, test.id));
    if (result == reported.end()) {
      if (run != run_of.end() && run->second->collection == TestCollection::kPartial) continue;
      findings.push_back(WeakenedFinding(
          test,
          "passed at the last commit and is no longer collected: it was deleted, renamed, or "
          "deselected (by conftest.py, pytest.ini, package.json, CMakeLists.txt, go.mod, "
          "Cargo.toml, or a test file renamed out of the runner's file patterns)"));
      continue;
    }
    const TestResult& now = *result->second;
    if (now.outcome == TestOutcome::kSkipped) {
      findings.push_back(WeakenedFinding(test, "passed at the last commit and is now skipped"));
      continue;
    }
    if (now.outcome == TestOutcome::kXfailed) {
      findings.push_back(WeakenedFinding(
          test, "passed at the last commit and is now marked as expected to fail (xfail/todo)"));
      continue;
    }
    if (test.assertions > 0 && now.assertions >= 0 && now.assertions < test.assertions) {
      findings.push_back(WeakenedFinding(
          test, "had " + Plural(test.assertions, "assertion", "assertions") +
                    " at the last commit and has " + std::to_string(now.assertions) +
                    " now: assertions of a protected test may be changed but not removed"));
    }
  }
  return findings;
}

std::optional<CheckOutcome> CheckProtectedTests(const std::vector<ProtectedTest>& protected_tests,
                                                const std::vector<ProfileTests>& runs,
                                                const std::string& instruction_text) {
  CheckOutcome outcome;
  outcome.name = "protected tests";
  const std::vector<Finding> findings = FindWeakenedTests(protected_tests, runs, instruction_text);
  int unchecked = 0;
  for (const ProtectedTest& test : protected_tests) {
    for (const ProfileTests& run : runs) {
      if (run.profile == test.profile && run.collection == TestCollection::kUnavailable) {
        ++unchecked;
      }
    }
  }
  if (findings.empty()) {
    if (unchecked == 0) return std::nullopt;
    outcome.passed = true;
    const int held = static_cast<int>(protected_tests.size()) - unchecked;
    outcome.summary = std::to_string(held) + " kept, " + std::to_string(unchecked) +
                      " not checked (their runner is unavailable)";
    return outcome;
  }
  outcome.summary = std::to_string(findings.size()) + " weakened";
  outcome.detail =
      "Tests that passed at the last commit are protected: each must still be collected and "
      "pass, and keep its assertions. Protected tests may not be skipped, removed or weakened "
      "unless the instruction names them (by name or file). Undo these changes to the tests "
      "and make the code pass them instead:\n" +
      FormatFindings(findings, kMaxFindingsListed);
  return outcome;
}

std::vector<ProtectedTest> NextProtectedTests(const std::vector<ProfileTests>& runs,
                                              const std::vector<ProtectedTest>& previous) {
  std::map<std::string, ProtectedTest> next;
  std::map<std::string, const ProfileTests*> run_of;
  std::set<std::string> reported;
  for (const ProfileTests& run : runs) {
    run_of[run.profile] = &run;
    for (const TestResult& test : run.tests) {
      const std::string key = ProfileAndId(run.profile, test.id);
      reported.insert(key);
      if (test.outcome != TestOutcome::kPassed) continue;
      next[key] = ProtectedTest{run.profile, test.id, test.name, test.file, test.assertions};
    }
  }
  for (const ProtectedTest& test : previous) {
    auto run = run_of.find(test.profile);
    if (run == run_of.end()) continue;  // not collected, and the gate passed: released
    const std::string key = ProfileAndId(test.profile, test.id);
    const bool unjudged =
        run->second->collection == TestCollection::kUnavailable ||
        (run->second->collection == TestCollection::kPartial && reported.count(key) == 0);
    if (unjudged) next.emplace(key, test);
  }
  std::vector<ProtectedTest> list;
  list.reserve(next.size());
  for (auto& [key, test] : next) list.push_back(std::move(test));
  return list;
}

std::vector<ProtectedTest> WithoutTestsEditedByUser(const std::vector<ProtectedTest>& tests,
                                                    const std::vector<std::string>& paths,
                                                    const std::vector<ToolchainProfile>& profiles) {
  std::set<std::string> edited(paths.begin(), paths.end());
  std::set<std::string> profiles_edited;
  for (const ToolchainProfile& profile : profiles) {
    for (const std::string& path : paths) {
      if (MatchesAnyGlob(profile.detect, path)) profiles_edited.insert(profile.name);
    }
  }
  std::vector<ProtectedTest> kept;
  for (const ProtectedTest& test : tests) {
    if (edited.count(test.file) > 0) continue;
    if (test.file.empty() && profiles_edited.count(test.profile) > 0) continue;
    kept.push_back(test);
  }
  return kept;
}

}  // namespace l2mac::toolchains
