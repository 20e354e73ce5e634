#include "core/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace l2mac {
namespace {

std::string JoinKeyPath(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string joined;
  for (std::string_view name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

const char* JsonTypeName(const nlohmann::json& value) { return value.type_name(); }

}  // namespace

const std::vector<std::string_view>& KnownConfigSections() {
  static const std::vector<std::string_view> kSections = {
      "model", "prices", "budget", "toolchains", "sandbox", "files", "judge", "analysis", "git",
  };
  return kSections;
}

const nlohmann::json& ConfigSection::json() const {
  static const nlohmann::json kNull;
  return object_ != nullptr ? *object_ : kNull;
}

std::vector<std::string> ConfigSection::Keys() const {
  std::vector<std::string> keys;
  if (object_ == nullptr) return keys;
  for (const auto& item : object_->items()) keys.push_back(item.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

Status ConfigSection::Error(std::string_view key, std::string_view message) const {
  return Status::InvalidArgument(
      fmt::format("{}: {} {}", file_, JoinKeyPath(key_path_, key), message));
}

const nlohmann::json* ConfigSection::Find(std::string_view key) const {
  if (object_ == nullptr) return nullptr;
  auto it = object_->find(std::string(key));
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

Status ConfigSection::RejectUnknownKeys(const std::vector<std::string_view>& known) const {
  if (object_ == nullptr) return Status::Ok();
  for (const auto& item : object_->items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      return Error(item.key(), fmt::format("is not a known setting; the known ones here are: {}",
                                           JoinNames(known)));
    }
  }
  return Status::Ok();
}

Result<std::optional<std::string>> ConfigSection::GetString(std::string_view key) const {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) {
    return Error(key, fmt::format("must be a string, not {}", JsonTypeName(*value)));
  }
  return std::optional<std::string>(value->get<std::string>());
}

Result<std::optional<double>> ConfigSection::GetNumber(std::string_view key) const {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return std::optional<double>();
  if (!value->is_number()) {
    return Error(key, fmt::format("must be a number, not {}", JsonTypeName(*value)));
  }
  return std::optional<double>(value->get<double>());
}

Result<std::optional<int64_t>> ConfigSection::GetInteger(std::string_view key) const {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return std::optional<int64_t>();
  if (value->is_number_integer()) return std::optional<int64_t>(value->get<int64_t>());
  if (value->is_number_float()) {
    double number = value->get<double>();
    if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) < 9.0e15) {
      return std::optional<int64_t>(static_cast<int64_t>(number));
    }
  }
  return Error(key, fmt::format("must be a whole number, not {}", value->dump()));
}

Result<std::optional<bool>> ConfigSection::GetBool(std::string_view key) const {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_boolean()) {
    return Error(key, fmt::format("must be true or false, not {}", value->dump()));
  }
  return std::optional<bool>(value->get<bool>());
}

Result<std::optional<std::vector<std::string>>> ConfigSection::GetStringList(
    std::string_view key) const {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return std::optional<std::vector<std::string>>();
  std::vector<std::string> list;
  if (value->is_array()) {
    for (const auto& element : *value) {
      if (!element.is_string()) break;
      list.push_back(element.get<std::string>());
    }
    if (list.size() == value->size()) return std::optional<std::vector<std::string>>(list);
  }
  return Error(key, "must be a list of strings, e.g. [\"a\", \"b\"]");
}

Result<ConfigSection> ConfigSection::GetSection(std::string_view key) const {
  const nlohmann::json* value = Find(key);
  std::string path = JoinKeyPath(key_path_, key);
  if (value == nullptr) return ConfigSection(nullptr, file_, path);
  if (!value->is_object()) {
    return Error(key, fmt::format("must be an object {{...}}, not {}", JsonTypeName(*value)));
  }
  return ConfigSection(value, file_, path);
}

Result<Config> Config::Parse(std::string_view text, std::string origin) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() gives the byte offset and what was expected; it never echoes the file.
    return Status::InvalidArgument(fmt::format(
        "{}: not valid JSON ({}); fix the file or point --config elsewhere", origin, e.what()));
  }
  if (!root.is_object()) {
    return Status::InvalidArgument(fmt::format(
        "{}: the configuration must be a JSON object {{...}}, not {}", origin, root.type_name()));
  }
  Config config;
  config.root_ = std::make_shared<const nlohmann::json>(std::move(root));
  config.origin_ = std::move(origin);
  return config;
}

Result<Config> Config::Load(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return Status::NotFound(
        fmt::format("{}: no such configuration file; create it or drop --config / "
                    "$L2MAC_CONFIG",
                    path.string()));
  }
  if (std::filesystem::is_directory(path, error)) {
    return Status::InvalidArgument(
        fmt::format("{}: is a folder; the configuration is a JSON file", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return Status::IoError(fmt::format("{}: cannot be read", path.string()));
  }
  return Parse(text.str(), path.string());
}

Result<Config> Config::LoadDefault(const std::optional<std::filesystem::path>& explicit_path) {
  if (explicit_path.has_value() && !explicit_path->empty()) return Load(*explicit_path);
  if (const char* from_env = std::getenv("L2MAC_CONFIG"); from_env != nullptr && *from_env) {
    return Load(from_env);
  }
  std::filesystem::path user_file;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg) {
    user_file = std::filesystem::path(xdg) / "l2mac" / "config.json";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home) {
    user_file = std::filesystem::path(home) / ".config" / "l2mac" / "config.json";
  }
  std::error_code error;
  if (!user_file.empty() && std::filesystem::exists(user_file, error)) return Load(user_file);
  return Config();
}

Result<ConfigSection> Config::Section(std::string_view name) const {
  if (root_ == nullptr) return ConfigSection(nullptr, origin_, std::string(name));
  ConfigSection top(root_.get(), origin_, "");
  return top.GetSection(name);
}

Status Config::RejectUnknownSections(const std::vector<std::string_view>& known) const {
  if (root_ == nullptr) return Status::Ok();
  return ConfigSection(root_.get(), origin_, "").RejectUnknownKeys(known);
}

}  // namespace l2mac
