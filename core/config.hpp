// The user's configuration file: one JSON object whose top-level sections are owned by
// the modules that read them ("model", "prices", "toolchains", "sandbox", ...).
//
// Config only parses the file and finds sections; each owner validates its own section
// through ConfigSection, so an error always names the file, the key path and the fix
// ("/home/a/.config/l2mac/config.json: model.timeout_seconds must be a number"). Unknown
// top-level sections and unknown keys are errors, not silently ignored: a typo in a
// budget or a sandbox limit must not pass unnoticed.
//
// The file never holds secrets by design: keys are named by the environment variable
// that holds them ("api_key_env"), so a config can be shared and logged safely.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace l2mac {

// A read-only view of one object in the configuration, with typed getters that report
// errors by key path. Holds a pointer into the Config it came from: it must not outlive it.
class ConfigSection {
 public:
  // An empty section (every getter returns nullopt).
  ConfigSection() = default;
  ConfigSection(const nlohmann::json* object, std::string file, std::string key_path)
      : object_(object), file_(std::move(file)), key_path_(std::move(key_path)) {}

  bool present() const { return object_ != nullptr; }
  const std::string& key_path() const { return key_path_; }
  // The raw JSON of the section (null when absent), for owners that map it themselves.
  const nlohmann::json& json() const;
  // The keys present, sorted.
  std::vector<std::string> Keys() const;

  // An error when any key is not in `known`; the message lists the known keys.
  Status RejectUnknownKeys(const std::vector<std::string_view>& known) const;

  Result<std::optional<std::string>> GetString(std::string_view key) const;
  Result<std::optional<double>> GetNumber(std::string_view key) const;
  Result<std::optional<int64_t>> GetInteger(std::string_view key) const;
  Result<std::optional<bool>> GetBool(std::string_view key) const;
  Result<std::optional<std::vector<std::string>>> GetStringList(std::string_view key) const;
  // A nested object; an empty section when the key is absent, an error when it is not an
  // object.
  Result<ConfigSection> GetSection(std::string_view key) const;

  // "file: key_path.key message", for errors the owner detects itself (a value out of
  // range, say).
  Status Error(std::string_view key, std::string_view message) const;

 private:
  const nlohmann::json* Find(std::string_view key) const;

  const nlohmann::json* object_ = nullptr;
  std::string file_;
  std::string key_path_;
};

class Config {
 public:
  // An empty configuration: every section is absent.
  Config() = default;

  // Parses `path`. Errors: kNotFound when it does not exist, kInvalidArgument when it is
  // not a JSON object (the message gives line and column), kIoError when unreadable.
  static Result<Config> Load(const std::filesystem::path& path);
  static Result<Config> Parse(std::string_view text, std::string origin);

  // Where the configuration comes from, first match wins:
  //   1. `explicit_path` (the --config flag): must exist;
  //   2. $L2MAC_CONFIG: must exist;
  //   3. $XDG_CONFIG_HOME/l2mac/config.json, else ~/.config/l2mac/config.json: used when
  //      present.
  // Returns an empty Config when nothing is configured.
  static Result<Config> LoadDefault(const std::optional<std::filesystem::path>& explicit_path);

  // The file it was read from; empty for an empty Config.
  const std::string& origin() const { return origin_; }

  // A top-level section; absent sections give an empty ConfigSection.
  Result<ConfigSection> Section(std::string_view name) const;

  // An error naming the first top-level key not in `known`. The CLI calls this with every
  // section the program understands.
  Status RejectUnknownSections(const std::vector<std::string_view>& known) const;

 private:
  // Heap-held so ConfigSection pointers stay valid when the Config is moved.
  std::shared_ptr<const nlohmann::json> root_;
  std::string origin_;
};

// Every top-level section l2mac reads, for Config::RejectUnknownSections. Owners add
// their section name here when they add one.
const std::vector<std::string_view>& KnownConfigSections();

}  // namespace l2mac
