// A JSON Schema (draft 2020-12) validator for the subset docs/events.schema.json uses
// (header-only test support): $ref to "#/$defs/NAME", oneOf, type, const, enum, required,
// properties, additionalProperties (a boolean), items, minimum; and the annotations
// $schema, $id, title, description, $defs. A keyword outside the subset is an error, so
// the schema cannot start using one this validator would silently ignore.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace l2mac::scenario {

class SchemaSubsetValidator {
 public:
  explicit SchemaSubsetValidator(nlohmann::json root) : root_(std::move(root)) {}

  // Every violation of `value` against the root schema, each naming its JSON path; empty
  // when it is valid.
  std::vector<std::string> Validate(const nlohmann::json& value) const {
    std::vector<std::string> errors;
    Check(root_, value, "$", errors);
    return errors;
  }

 private:
  using json = nlohmann::json;

  static bool HasType(const json& value, const std::string& type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "integer") return value.is_number_integer();
    if (type == "number") return value.is_number();
    if (type == "boolean") return value.is_boolean();
    if (type == "null") return value.is_null();
    return false;
  }

  const json& Resolve(const std::string& ref, std::vector<std::string>& errors) const {
    static const json kNothing = false;
    const std::string prefix = "#/$defs/";
    if (ref.rfind(prefix, 0) != 0 || !root_.contains("$defs") ||
        !root_["$defs"].contains(ref.substr(prefix.size()))) {
      errors.push_back("schema: unresolvable $ref " + ref);
      return kNothing;
    }
    return root_["$defs"][ref.substr(prefix.size())];
  }

  void Check(const json& schema, const json& value, const std::string& path,
             std::vector<std::string>& errors) const {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) errors.push_back(path + ": no value is allowed here");
      return;
    }
    for (const auto& [keyword, argument] : schema.items()) {
      if (keyword == "$schema" || keyword == "$id" || keyword == "title" ||
          keyword == "description" || keyword == "$defs") {
        continue;
      } else if (keyword == "$ref") {
        Check(Resolve(argument.get<std::string>(), errors), value, path, errors);
      } else if (keyword == "oneOf") {
        int matches = 0;
        std::vector<std::string> closest;  // the errors of the option that came closest
        for (const json& option : argument) {
          std::vector<std::string> option_errors;
          Check(option, value, path, option_errors);
          if (option_errors.empty()) ++matches;
          if (closest.empty() || option_errors.size() < closest.size()) closest = option_errors;
        }
        if (matches != 1) {
          std::string why;
          if (matches == 0) {
            for (const auto& error : closest) why += "; closest: " + error;
          }
          errors.push_back(path + ": matches " + std::to_string(matches) +
                           " of the oneOf schemas instead of exactly one" + why);
        }
      } else if (keyword == "type") {
        if (!HasType(value, argument.get<std::string>())) {
          errors.push_back(path + ": is not of type " + argument.get<std::string>());
        }
      } else if (keyword == "const") {
        if (value != argument) errors.push_back(path + ": is not " + argument.dump());
      } else if (keyword == "enum") {
        bool found = false;
        for (const json& allowed : argument) found = found || value == allowed;
        if (!found)
          errors.push_back(path + ": " + value.dump() + " is not one of " + argument.dump());
      } else if (keyword == "required") {
        if (!value.is_object()) continue;
        for (const json& name : argument) {
          if (!value.contains(name.get<std::string>())) {
            errors.push_back(path + ": lacks the required field " + name.get<std::string>());
          }
        }
      } else if (keyword == "properties") {
        if (!value.is_object()) continue;
        for (const auto& [name, sub] : argument.items()) {
          if (value.contains(name)) Check(sub, value[name], path + "." + name, errors);
        }
      } else if (keyword == "additionalProperties") {
        if (!value.is_object() || argument.get<bool>()) continue;
        for (const auto& [name, ignored] : value.items()) {
          if (!schema.contains("properties") || !schema["properties"].contains(name)) {
            errors.push_back(path + ": has the undocumented field " + name);
          }
        }
      } else if (keyword == "items") {
        if (!value.is_array()) continue;
        for (size_t i = 0; i < value.size(); ++i) {
          Check(argument, value[i], path + "[" + std::to_string(i) + "]", errors);
        }
      } else if (keyword == "minimum") {
        if (value.is_number() && value.get<double>() < argument.get<double>()) {
          errors.push_back(path + ": " + value.dump() + " is below " + argument.dump());
        }
      } else {
        errors.push_back("schema: the keyword " + keyword + " is outside the supported subset");
      }
    }
  }

  json root_;
};

}  // namespace l2mac::scenario
