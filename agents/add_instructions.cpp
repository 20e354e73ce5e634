#include "agents/add_instructions.hpp"

namespace l2mac::agents {
namespace {

using nlohmann::json;

bool IdCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

Result<std::vector<std::string>> IdList(const json& entry, const char* field,
                                        const std::string& where,
                                        const AddInstructionsLimits& limits) {
  std::vector<std::string> ids;
  auto it = entry.find(field);
  if (it == entry.end() || it->is_null()) return ids;
  if (!it->is_array()) {
    return Status::InvalidArgument(where + ": \"" + field + "\" must be an array of ids");
  }
  if (it->size() > limits.max_list_entries) {
    return Status::InvalidArgument(where + ": \"" + field + "\" lists " +
                                   std::to_string(it->size()) + " ids; at most " +
                                   std::to_string(limits.max_list_entries));
  }
  for (const auto& id : *it) {
    if (!id.is_string() || id.get_ref<const std::string&>().size() > limits.max_id_bytes) {
      return Status::InvalidArgument(where + ": \"" + field +
                                     "\" must hold ids (strings of at most " +
                                     std::to_string(limits.max_id_bytes) + " bytes)");
    }
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

}  // namespace

Result<std::vector<registry::Instruction>> ParseAddedInstructions(
    const json& arguments, const AddInstructionsLimits& limits) {
  auto list = arguments.find("instructions");
  if (list == arguments.end() || !list->is_array() || list->empty()) {
    return Status::InvalidArgument(
        "add_instructions needs \"instructions\": a non-empty array of {\"id\", \"text\", "
        "\"depends_on\", \"covers\"}");
  }
  if (list->size() > limits.max_per_call) {
    return Status::InvalidArgument("add_instructions got " + std::to_string(list->size()) +
                                   " instructions; at most " + std::to_string(limits.max_per_call) +
                                   " per call: add only the steps that must follow");
  }
  std::vector<registry::Instruction> added;
  size_t position = 0;
  for (const auto& entry : *list) {
    ++position;
    std::string where = "instruction " + std::to_string(position) + " of add_instructions";
    if (!entry.is_object()) return Status::InvalidArgument(where + " is not an object");
    registry::Instruction instruction;
    auto id = entry.find("id");
    if (id == entry.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
      return Status::InvalidArgument(where + " needs an \"id\" (a string)");
    }
    instruction.id = id->get<std::string>();
    if (instruction.id.size() > limits.max_id_bytes) {
      return Status::InvalidArgument(where + ": its id is longer than " +
                                     std::to_string(limits.max_id_bytes) + " bytes");
    }
    for (char c : instruction.id) {
      if (!IdCharacter(c)) {
        return Status::InvalidArgument(where + ": its id '" + instruction.id +
                                       "' may hold only letters, digits, '-', '_' and '.'");
      }
    }
    where = "added instruction '" + instruction.id + "'";
    auto text = entry.find("text");
    if (text == entry.end() || !text->is_string()) {
      return Status::InvalidArgument(where + " needs a \"text\" (a string)");
    }
    instruction.text = text->get<std::string>();
    if (instruction.text.size() > limits.max_text_bytes) {
      return Status::InvalidArgument(where + ": its text has " +
                                     std::to_string(instruction.text.size()) + " bytes; at most " +
                                     std::to_string(limits.max_text_bytes));
    }
    L2MAC_ASSIGN_OR_RETURN(instruction.depends_on, IdList(entry, "depends_on", where, limits));
    L2MAC_ASSIGN_OR_RETURN(instruction.covers, IdList(entry, "covers", where, limits));
    added.push_back(std::move(instruction));
  }
  return added;
}

}  // namespace l2mac::agents
