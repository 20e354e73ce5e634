#include "registry/requirements.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "registry/program.hpp"

namespace l2mac::registry {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string BadIdMessage(const std::string& where, const nlohmann::json& value) {
  std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
  if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
  return where + ": requirement id \"" + shown +
         "\" is not valid: use a letter followed by letters and digits, at most " +
         std::to_string(kMaxRequirementIdBytes) +
         " characters (keep the spec's own ids like F1 when they have that form, else R1, R2, "
         "...)";
}

}  // namespace

bool IsRequirementId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequirementIdBytes) return false;
  if (!std::isalpha(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80;
  });
}

Result<std::vector<Requirement>> ParseRequirements(const nlohmann::json& program) {
  std::vector<Requirement> requirements;
  auto list = program.find("requirements");
  if (list == program.end() || list->is_null()) return requirements;
  if (!list->is_array()) {
    return Status::InvalidArgument(
        "\"requirements\" must be an array like [{\"id\": \"F1\", \"text\": \"...\"}]");
  }
  if (list->size() > kMaxRequirements) {
    return Status::InvalidArgument("the program lists " + std::to_string(list->size()) +
                                   " requirements; at most " + std::to_string(kMaxRequirements) +
                                   " are allowed: merge related ones");
  }
  std::map<std::string, std::string> seen;  // lower-case id -> id as written
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    const std::string where = "requirement #" + std::to_string(i + 1);
    if (!item.is_object()) {
      return Status::InvalidArgument(where +
                                     " is not a JSON object like {\"id\": \"F1\", "
                                     "\"text\": \"...\"}");
    }
    auto id = item.find("id");
    if (id == item.end() || !id->is_string() || !IsRequirementId(id->get<std::string>())) {
      return Status::InvalidArgument(
          BadIdMessage(where, id == item.end() ? nlohmann::json("") : *id));
    }
    Requirement requirement{id->get<std::string>(), ""};
    auto text = item.find("text");
    if (text == item.end() || !text->is_string() ||
        text->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos) {
      return Status::InvalidArgument("requirement '" + requirement.id +
                                     "' needs a non-empty \"text\" saying what the spec asks");
    }
    requirement.text = text->get<std::string>();
    if (requirement.text.size() > kMaxRequirementTextBytes) {
      return Status::InvalidArgument("requirement '" + requirement.id + "' has a text of " +
                                     std::to_string(requirement.text.size()) + " bytes; at most " +
                                     std::to_string(kMaxRequirementTextBytes) +
                                     " are allowed: summarize it, or split it in two");
    }
    auto [it, inserted] = seen.emplace(Lower(requirement.id), requirement.id);
    if (!inserted) {
      return Status::InvalidArgument("duplicate requirement id '" + requirement.id + "' (also '" +
                                     it->second +
                                     "'; ids are compared regardless of case): give each "
                                     "requirement its own id");
    }
    requirements.push_back(std::move(requirement));
  }
  return requirements;
}

Result<std::vector<std::string>> ParseCovers(const nlohmann::json& instruction,
                                             const std::string& where) {
  std::vector<std::string> covers;
  auto list = instruction.find("covers");
  if (list == instruction.end() || list->is_null()) return covers;
  if (!list->is_array()) {
    return Status::InvalidArgument(where +
                                   ": \"covers\" must be an array of requirement ids like "
                                   "[\"F1\", \"F2\"]");
  }
  if (list->size() > kMaxRequirements) {
    return Status::InvalidArgument(where + ": \"covers\" lists more than " +
                                   std::to_string(kMaxRequirements) + " ids");
  }
  for (const auto& id : *list) {
    if (!id.is_string() || !IsRequirementId(id.get<std::string>())) {
      return Status::InvalidArgument(BadIdMessage(where, id));
    }
    std::string text = id.get<std::string>();
    if (std::find(covers.begin(), covers.end(), text) == covers.end()) covers.push_back(text);
  }
  return covers;
}

Status CheckCoverage(const std::vector<Requirement>& requirements,
                     const std::vector<Instruction>& instructions) {
  std::set<std::string> known;
  for (const auto& requirement : requirements) known.insert(requirement.id);
  std::set<std::string> covered;
  for (const auto& instruction : instructions) {
    for (const auto& id : instruction.covers) {
      if (requirements.empty()) {
        return Status::InvalidArgument(
            "instruction '" + instruction.id + "' covers '" + id +
            "', but the program lists no requirements: add a \"requirements\" array "
            "([{\"id\": \"" +
            id + "\", \"text\": \"...\"}]) or leave \"covers\" out");
      }
      if (!known.count(id)) {
        std::string ids;
        for (size_t i = 0; i < requirements.size() && i < 20; ++i) {
          ids += (i ? ", " : "") + requirements[i].id;
        }
        if (requirements.size() > 20) ids += ", ...";
        return Status::InvalidArgument("instruction '" + instruction.id + "' covers '" + id +
                                       "', which is not a requirement of the program (they "
                                       "are " +
                                       ids + "): use one of those ids, or add the requirement");
      }
      covered.insert(id);
    }
  }
  std::vector<std::string> uncovered;
  for (const auto& requirement : requirements) {
    if (!covered.count(requirement.id)) uncovered.push_back(requirement.id);
  }
  if (uncovered.empty()) return Status::Ok();
  std::string list;
  for (size_t i = 0; i < uncovered.size() && i < 20; ++i) list += (i ? ", " : "") + uncovered[i];
  if (uncovered.size() > 20) {
    list += " and " + std::to_string(uncovered.size() - 20) + " more";
  }
  return Status::InvalidArgument(
      std::string(uncovered.size() == 1 ? "requirement " : "requirements ") + list +
      (uncovered.size() == 1 ? " is" : " are") +
      " covered by no instruction: add each id to the \"covers\" of the instruction that "
      "implements it, or add an instruction for it");
}

nlohmann::json RequirementsToJson(const std::vector<Requirement>& requirements) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& requirement : requirements) {
    list.push_back({{"id", requirement.id}, {"text", requirement.text}});
  }
  return list;
}

}  // namespace l2mac::registry
