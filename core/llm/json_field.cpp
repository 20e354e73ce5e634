#include "core/llm/json_field.hpp"

#include <fmt/format.h>

namespace l2mac::llm {

std::string DescribeJsonType(const nlohmann::json& value) {
  std::string_view type_name = value.type_name();
  if (type_name == "null") return "null";
  if (!type_name.empty() &&
      std::string_view("aeiou").find(type_name.front()) != std::string_view::npos) {
    return fmt::format("an {}", type_name);
  }
  return fmt::format("a {}", type_name);
}

Status FieldTypeError(std::string_view path, const nlohmann::json& value,
                      std::string_view expected) {
  return Status::InvalidArgument(
      fmt::format("`{}` is {}, expected {}", path, DescribeJsonType(value), expected));
}

Status MissingFieldError(std::string_view path, std::string_view expected) {
  return Status::InvalidArgument(fmt::format("`{}` is missing, expected {}", path, expected));
}

Result<std::string> OptionalStringField(const nlohmann::json& object, const char* key,
                                        std::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return FieldTypeError(path, *it, "a string");
  return it->get<std::string>();
}

Result<int64_t> OptionalIntField(const nlohmann::json& object, const char* key,
                                 std::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return int64_t{0};
  if (!it->is_number_integer()) return FieldTypeError(path, *it, "an integer");
  return it->get<int64_t>();
}

std::string Excerpt(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  // Back off continuation bytes (10xxxxxx) so a multi-byte character is not split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

std::string JsonErrorDetail(const std::exception& error) {
  std::string_view what = error.what();
  if (what.starts_with("[json.exception.")) {
    size_t close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return std::string(what);
}

}  // namespace l2mac::llm
