#include "agents/toolchains/profile.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/glob.hpp"

namespace l2mac::toolchains {
namespace embedded {
std::string_view FindEmbedded(std::string_view name);
}  // namespace embedded

namespace {

using nlohmann::json;

Status ProfileError(const std::string& origin, const std::string& where,
                    const std::string& message) {
  return Status::InvalidArgument(origin + ": " + where + " " + message);
}

Result<std::vector<std::string>> StringList(const json& object, const char* key,
                                            const std::string& origin, const std::string& where) {
  std::vector<std::string> list;
  if (!object.contains(key)) return list;
  const json& value = object.at(key);
  if (!value.is_array()) {
    return ProfileError(origin, where + "." + key, "must be a list of strings");
  }
  for (const json& item : value) {
    if (!item.is_string()) {
      return ProfileError(origin, where + "." + key, "must be a list of strings");
    }
    list.push_back(item.get<std::string>());
  }
  return list;
}

// A list of globs (core/glob.hpp), each checked to compile.
Result<std::vector<std::string>> GlobList(const json& object, const char* key,
                                          const std::string& origin, const std::string& where) {
  L2MAC_ASSIGN_OR_RETURN(std::vector<std::string> list, StringList(object, key, origin, where));
  for (size_t i = 0; i < list.size(); ++i) {
    auto glob = Glob::Compile(list[i]);
    if (!glob.ok()) {
      return ProfileError(origin, where + "." + key + "[" + std::to_string(i) + "]",
                          "is not a usable glob: " + glob.status().message());
    }
  }
  return list;
}

Status RejectUnknown(const json& object, const std::vector<std::string>& known,
                     const std::string& origin, const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
      return ProfileError(origin, where + "." + key, "is not a known key (known: " + list + ")");
    }
  }
  return Status::Ok();
}

Result<ProfileStep> ParseStep(const json& object, const std::string& origin,
                              const std::string& where) {
  if (!object.is_object()) return ProfileError(origin, where, "must be an object");
  L2MAC_RETURN_IF_ERROR(
      RejectUnknown(object,
                    {"name", "builtin", "command", "files", "per_file", "requires_files",
                     "unless_files", "parser", "pass_exit_codes"},
                    origin, where));
  ProfileStep step;
  if (!object.contains("name") || !object.at("name").is_string()) {
    return ProfileError(origin, where + ".name", "must be a string");
  }
  step.name = object.at("name").get<std::string>();
  if (object.contains("builtin")) {
    if (!object.at("builtin").is_string()) {
      return ProfileError(origin, where + ".builtin", "must be a string");
    }
    step.builtin = object.at("builtin").get<std::string>();
    static const std::vector<std::string> kBuiltins = {
        "python-syntax",  "pyflakes",           "pytest",
        "markdown-files", "markdown-structure", "markdown-length"};
    if (std::find(kBuiltins.begin(), kBuiltins.end(), step.builtin) == kBuiltins.end()) {
      return ProfileError(origin, where + ".builtin",
                          "must be one of python-syntax, pyflakes, pytest, markdown-files, "
                          "markdown-structure, markdown-length");
    }
  }
  L2MAC_ASSIGN_OR_RETURN(step.command, StringList(object, "command", origin, where));
  if (step.builtin.empty() == step.command.empty()) {
    return ProfileError(origin, where, "needs exactly one of \"builtin\" and \"command\"");
  }
  L2MAC_ASSIGN_OR_RETURN(step.files, GlobList(object, "files", origin, where));
  L2MAC_ASSIGN_OR_RETURN(step.requires_files, GlobList(object, "requires_files", origin, where));
  L2MAC_ASSIGN_OR_RETURN(step.unless_files, GlobList(object, "unless_files", origin, where));
  if (object.contains("per_file")) {
    if (!object.at("per_file").is_boolean()) {
      return ProfileError(origin, where + ".per_file", "must be true or false");
    }
    step.per_file = object.at("per_file").get<bool>();
  }
  if (object.contains("parser")) {
    if (!object.at("parser").is_string()) {
      return ProfileError(origin, where + ".parser", "must be a string");
    }
    auto parser = ParseResultParserName(object.at("parser").get<std::string>());
    if (!parser.ok()) return ProfileError(origin, where + ".parser", parser.status().message());
    step.parser = *parser;
  }
  if (object.contains("pass_exit_codes")) {
    const json& codes = object.at("pass_exit_codes");
    if (!codes.is_array() || codes.empty() ||
        !std::all_of(codes.begin(), codes.end(),
                     [](const json& c) { return c.is_number_integer(); })) {
      return ProfileError(origin, where + ".pass_exit_codes", "must be a list of integers");
    }
    step.pass_exit_codes = codes.get<std::vector<int>>();
  }
  return step;
}

Result<ToolchainProfile> ParseProfile(const std::string& name, const json& object,
                                      const std::string& origin, const std::string& where) {
  if (!object.is_object()) return ProfileError(origin, where, "must be an object");
  L2MAC_RETURN_IF_ERROR(
      RejectUnknown(object, {"domain", "detect", "always", "required", "env", "steps", "enabled"},
                    origin, where));
  ToolchainProfile profile;
  profile.name = name;
  if (object.contains("domain")) {
    const json& domain = object.at("domain");
    if (!domain.is_string() || (domain != "codebase" && domain != "book")) {
      return ProfileError(origin, where + ".domain", "must be \"codebase\" or \"book\"");
    }
    profile.domain = domain.get<std::string>();
  }
  L2MAC_ASSIGN_OR_RETURN(profile.detect, GlobList(object, "detect", origin, where));
  L2MAC_ASSIGN_OR_RETURN(profile.env, StringList(object, "env", origin, where));
  for (const std::string& entry : profile.env) {
    if (entry.find('=') == std::string::npos || entry.front() == '=') {
      return ProfileError(origin, where + ".env", "entries must be NAME=value");
    }
  }
  for (const char* key : {"always", "required"}) {
    if (!object.contains(key)) continue;
    if (!object.at(key).is_boolean()) {
      return ProfileError(origin, where + "." + key, "must be true or false");
    }
    (std::string(key) == "always" ? profile.always : profile.required) = object.at(key).get<bool>();
  }
  if (!object.contains("steps") || !object.at("steps").is_array() || object.at("steps").empty()) {
    return ProfileError(origin, where + ".steps", "must be a non-empty list of steps");
  }
  const json& steps = object.at("steps");
  for (size_t i = 0; i < steps.size(); ++i) {
    L2MAC_ASSIGN_OR_RETURN(
        ProfileStep step, ParseStep(steps[i], origin, where + ".steps[" + std::to_string(i) + "]"));
    profile.steps.push_back(std::move(step));
  }
  if (profile.detect.empty() && !profile.always) {
    return ProfileError(origin, where + ".detect",
                        "must list the file globs that make the language present");
  }
  return profile;
}

}  // namespace

Result<ResultParser> ParseResultParserName(const std::string& name) {
  static const std::vector<std::pair<std::string, ResultParser>> kNames = {
      {"exit-code", ResultParser::kExitCode},
      {"compiler", ResultParser::kCompiler},
      {"node-check", ResultParser::kNodeCheck},
      {"junit-xml", ResultParser::kJunitXml},
      {"tap", ResultParser::kTap},
      {"ctest", ResultParser::kCtest},
      {"go-test-json", ResultParser::kGoTestJson},
      {"cargo", ResultParser::kCargo}};
  for (const auto& [key, parser] : kNames) {
    if (key == name) return parser;
  }
  return Status::InvalidArgument(
      "must be one of exit-code, compiler, node-check, junit-xml, tap, ctest, go-test-json, "
      "cargo");
}

Result<std::vector<ToolchainProfile>> ParseProfiles(const nlohmann::json& object,
                                                    const std::string& origin) {
  if (!object.is_object()) {
    return Status::InvalidArgument(origin + ": toolchains must be an object of profiles");
  }
  std::vector<ToolchainProfile> profiles;
  for (const auto& [name, value] : object.items()) {
    L2MAC_ASSIGN_OR_RETURN(ToolchainProfile profile,
                           ParseProfile(name, value, origin, "toolchains." + name));
    profiles.push_back(std::move(profile));
  }
  return profiles;
}

const std::vector<ToolchainProfile>& BuiltinProfiles() {
  static const std::vector<ToolchainProfile> profiles = [] {
    const std::string_view text = embedded::FindEmbedded("builtin.json");
    auto parsed = ParseProfiles(json::parse(text), "built-in toolchain profiles");
    // The table ships with the binary and is covered by tests: a failure is a build bug.
    if (!parsed.ok()) throw std::logic_error(parsed.status().message());
    // Python first: the order checks run and appear in reports.
    std::stable_sort(parsed->begin(), parsed->end(),
                     [](const ToolchainProfile& a, const ToolchainProfile& b) {
                       return (a.name == "python") > (b.name == "python");
                     });
    return std::move(parsed).value();
  }();
  return profiles;
}

Result<std::vector<ToolchainProfile>> ProfilesFromConfig(const ConfigSection& section) {
  std::vector<ToolchainProfile> profiles = BuiltinProfiles();
  if (!section.present()) return profiles;
  const json& object = section.json();
  if (!object.is_object()) {
    return Status::InvalidArgument(section.key_path() + " must be an object of profiles");
  }
  for (const auto& [name, value] : object.items()) {
    auto existing = std::find_if(profiles.begin(), profiles.end(),
                                 [&](const ToolchainProfile& p) { return p.name == name; });
    if (value.is_object() && value.contains("enabled")) {
      if (!value.at("enabled").is_boolean()) {
        return section.Error(name + ".enabled", "must be true or false");
      }
      if (!value.at("enabled").get<bool>()) {
        if (existing != profiles.end()) profiles.erase(existing);
        continue;
      }
      if (value.size() == 1) continue;  // {"enabled": true}: keep the built-in
    }
    json copy = value;
    if (copy.is_object()) copy.erase("enabled");
    auto parsed = ParseProfile(name, copy, "the configuration", section.key_path() + "." + name);
    if (!parsed.ok()) return section.Error(name, parsed.status().message());
    if (existing != profiles.end()) {
      *existing = std::move(parsed).value();
    } else {
      profiles.push_back(std::move(parsed).value());
    }
  }
  return profiles;
}

bool MatchesGlob(const std::string& pattern, const std::string& relative_path) {
  return GlobMatch(pattern, relative_path);
}

bool MatchesAnyGlob(const std::vector<std::string>& patterns, const std::string& relative_path) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return MatchesGlob(p, relative_path); });
}

}  // namespace l2mac::toolchains
