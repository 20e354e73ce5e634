// Toolchain profiles: how the gate checks one language, as data.
//
// A profile says which files make a language present (detect globs), and the steps that
// check it: a command (with placeholders) or a built-in check, the files it needs, and the
// parser that turns its output into findings (file, line, message). The built-in table is
// agents/toolchains/profiles/builtin.json, compiled in; the user's configuration section
// "toolchains" replaces a profile by name, adds new ones, or disables one with
// {"enabled": false}.
//
// Globs are core/glob.hpp's dialect: a pattern without '/' matches a file's name anywhere
// ("*.py"); with '/' it matches the whole relative path ("test/*.js", "src/**/*.c"); a
// leading '/' anchors it at the snapshot's root ("/CMakeLists.txt"). Every glob is checked
// when the profiles are parsed.
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/status.hpp"

namespace l2mac::toolchains {

// How a step's output becomes findings.
enum class ResultParser {
  kExitCode,    // no findings: the exit status and the elided log
  kCompiler,    // "file:line[:col]: [error:] message" lines (gcc, clang, go vet, tsc)
  kNodeCheck,   // node --check: "file:line" then "SyntaxError: message"
  kJunitXml,    // JUnit XML
  kTap,         // TAP ("not ok N - name" with a YAML block)
  kCtest,       // ctest --output-on-failure
  kGoTestJson,  // go test -json
  kCargo,       // cargo check/test
};

Result<ResultParser> ParseResultParserName(const std::string& name);

struct ProfileStep {
  std::string name;
  // Either a built-in check ("python-syntax", "pyflakes", "pytest", "markdown-files",
  // "markdown-structure") or a command. Placeholders in the command: {root} (the snapshot),
  // {home} (l2mac's $HOME), {file} (per_file steps), {files} (expands to every matched file).
  std::string builtin;
  std::vector<std::string> command;
  std::vector<std::string> files;           // the files {file}/{files} stand for
  bool per_file = false;                    // run once per matched file
  std::vector<std::string> requires_files;  // runs only when one of these exists
  std::vector<std::string> unless_files;    // skipped when one of these exists
  ResultParser parser = ResultParser::kExitCode;
  std::vector<int> pass_exit_codes = {0};
};

struct ToolchainProfile {
  std::string name;
  std::string domain = "codebase";  // "codebase" or "book"
  std::vector<std::string> detect;  // globs; the profile runs when a touched file matches
  bool always = false;              // runs for its domain whatever was touched
  // A missing tool is an error (the gate cannot run) rather than a skipped check.
  bool required = false;
  std::vector<std::string> env;  // NAME=value added to the step's environment
  std::vector<ProfileStep> steps;
};

// The built-in table.
const std::vector<ToolchainProfile>& BuiltinProfiles();

// Parses a {"name": {profile}, ...} object; `origin` names it in errors.
Result<std::vector<ToolchainProfile>> ParseProfiles(const nlohmann::json& object,
                                                    const std::string& origin);

// The built-in table with the user's "toolchains" section applied (replace, add, disable).
Result<std::vector<ToolchainProfile>> ProfilesFromConfig(const ConfigSection& section);

// True when `relative_path` (with '/' separators) matches `pattern` (see above); false for a
// pattern that is not a usable glob.
bool MatchesGlob(const std::string& pattern, const std::string& relative_path);
bool MatchesAnyGlob(const std::vector<std::string>& patterns, const std::string& relative_path);

}  // namespace l2mac::toolchains
