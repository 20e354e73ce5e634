#include "core/llm/json_diff.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/llm/json_field.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;

constexpr size_t kContext = 40;
constexpr size_t kShown = 120;

std::string Shown(const json& value) {
  return Excerpt(value.dump(-1, ' ', false, json::error_handler_t::replace), kShown);
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::optional<std::string> Diff(const json& recorded, const json& now, const std::string& path) {
  const std::string where = path.empty() ? "(the whole request)" : path;
  // Numbers compare by value: a parsed 1 (unsigned) equals a generated 1 (signed).
  if (recorded.type() != now.type() && !(recorded.is_number() && now.is_number())) {
    return fmt::format("{}: recorded {} {}, now {} {}", where, DescribeJsonType(recorded),
                       Shown(recorded), DescribeJsonType(now), Shown(now));
  }
  if (recorded.is_object()) {
    for (const auto& [key, value] : recorded.items()) {
      auto other = now.find(key);
      if (other == now.end()) return fmt::format("{}: recorded, now missing", Join(path, key));
      if (auto difference = Diff(value, *other, Join(path, key))) return difference;
    }
    for (const auto& [key, value] : now.items()) {
      if (!recorded.contains(key)) {
        return fmt::format("{}: not recorded, now {}", Join(path, key), Shown(value));
      }
    }
    return std::nullopt;
  }
  if (recorded.is_array()) {
    const size_t common = std::min(recorded.size(), now.size());
    for (size_t i = 0; i < common; ++i) {
      if (auto difference = Diff(recorded[i], now[i], fmt::format("{}[{}]", path, i))) {
        return difference;
      }
    }
    if (recorded.size() != now.size()) {
      return fmt::format("{}: recorded {} items, now {}", where, recorded.size(), now.size());
    }
    return std::nullopt;
  }
  if (recorded == now) return std::nullopt;
  if (recorded.is_string()) {
    const std::string& a = recorded.get_ref<const std::string&>();
    const std::string& b = now.get_ref<const std::string&>();
    size_t at = 0;
    while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
    // Back up to a character boundary so the excerpt is valid UTF-8.
    size_t from = at > kContext ? at - kContext : 0;
    while (from > 0 && (static_cast<unsigned char>(a[from]) & 0xC0) == 0x80) --from;
    const char* ellipsis = from > 0 ? "..." : "";
    return fmt::format("{} (from character {}): recorded \"{}{}\", now \"{}{}\"", where, at,
                       ellipsis, Excerpt(std::string_view(a).substr(from), kShown), ellipsis,
                       Excerpt(std::string_view(b).substr(from), kShown));
  }
  return fmt::format("{}: recorded {}, now {}", where, Shown(recorded), Shown(now));
}

}  // namespace

std::optional<std::string> FirstJsonDifference(const json& recorded, const json& now) {
  return Diff(recorded, now, "");
}

}  // namespace l2mac::llm
