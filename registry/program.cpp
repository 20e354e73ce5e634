#include "registry/program.hpp"

#include <functional>
#include <map>
#include <set>

namespace l2mac::registry {
namespace {

Result<std::string> RequireString(const nlohmann::json& object, const char* field,
                                  const std::string& where) {
  auto it = object.find(field);
  if (it == object.end()) return Status::InvalidArgument(where + " has no \"" + field + "\"");
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer() && std::string(field) == "id") return it->dump();
  return Status::InvalidArgument(where + ": \"" + field + "\" must be a string");
}

Status CheckNoCycle(const Program& program) {
  std::map<std::string, const Instruction*> by_id;
  for (const auto& instruction : program.instructions) by_id[instruction.id] = &instruction;
  enum class Mark { kNone, kVisiting, kDone };
  std::map<std::string, Mark> marks;
  std::vector<std::string> path;
  // Iterative DFS would be longer; programs are small (hundreds of instructions at most).
  std::function<Status(const std::string&)> visit = [&](const std::string& id) -> Status {
    Mark& mark = marks[id];
    if (mark == Mark::kDone) return Status::Ok();
    if (mark == Mark::kVisiting) {
      std::string cycle;
      bool in_cycle = false;
      for (const auto& step : path) {
        if (step == id) in_cycle = true;
        if (in_cycle) cycle += "'" + step + "' -> ";
      }
      return Status::InvalidArgument("the dependencies form a cycle: " + cycle + "'" + id +
                                     "'; remove one of these dependencies");
    }
    mark = Mark::kVisiting;
    path.push_back(id);
    for (const auto& dep : by_id[id]->depends_on) L2MAC_RETURN_IF_ERROR(visit(dep));
    path.pop_back();
    marks[id] = Mark::kDone;
    return Status::Ok();
  };
  for (const auto& instruction : program.instructions) {
    L2MAC_RETURN_IF_ERROR(visit(instruction.id));
  }
  return Status::Ok();
}

}  // namespace

Result<Program> ParseProgram(const nlohmann::json& json) {
  if (!json.is_object()) {
    return Status::InvalidArgument(
        "a prompt program must be a JSON object like {\"instructions\": [{\"id\": \"1\", "
        "\"text\": \"...\", \"depends_on\": []}]}");
  }
  auto list = json.find("instructions");
  if (list == json.end() || !list->is_array()) {
    return Status::InvalidArgument("a prompt program needs an \"instructions\" array");
  }
  if (list->empty()) return Status::InvalidArgument("the prompt program has no instructions");
  Program program;
  std::set<std::string> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    std::string where = "instruction #" + std::to_string(i + 1);
    if (!item.is_object()) return Status::InvalidArgument(where + " is not a JSON object");
    Instruction instruction;
    L2MAC_ASSIGN_OR_RETURN(instruction.id, RequireString(item, "id", where));
    if (instruction.id.empty()) return Status::InvalidArgument(where + " has an empty id");
    where = "instruction '" + instruction.id + "'";
    L2MAC_ASSIGN_OR_RETURN(instruction.text, RequireString(item, "text", where));
    if (instruction.text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Status::InvalidArgument(where + " has an empty text");
    }
    if (auto deps = item.find("depends_on"); deps != item.end() && !deps->is_null()) {
      if (!deps->is_array()) {
        return Status::InvalidArgument(where + ": \"depends_on\" must be an array of ids");
      }
      for (const auto& dep : *deps) {
        if (dep.is_string()) {
          instruction.depends_on.push_back(dep.get<std::string>());
        } else if (dep.is_number_integer()) {
          instruction.depends_on.push_back(dep.dump());
        } else {
          return Status::InvalidArgument(where + ": \"depends_on\" entries must be ids (strings)");
        }
      }
    }
    if (!ids.insert(instruction.id).second) {
      return Status::InvalidArgument("duplicate instruction id '" + instruction.id +
                                     "': every instruction needs its own id");
    }
    program.instructions.push_back(std::move(instruction));
  }
  for (const auto& instruction : program.instructions) {
    for (const auto& dep : instruction.depends_on) {
      if (dep == instruction.id) {
        return Status::InvalidArgument("instruction '" + instruction.id + "' depends on itself");
      }
      if (!ids.count(dep)) {
        return Status::InvalidArgument("instruction '" + instruction.id + "' depends on '" + dep +
                                       "', which is not in the program");
      }
    }
  }
  L2MAC_RETURN_IF_ERROR(CheckNoCycle(program));
  return program;
}

Result<Program> ParseProgramText(std::string_view text, const std::string& source) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Status::InvalidArgument(source + " is not valid JSON");
  }
  auto program = ParseProgram(json);
  if (!program.ok()) return program.status().WithContext(source);
  return program;
}

std::vector<Instruction> TopologicalOrder(const Program& program) {
  std::vector<Instruction> order;
  std::set<std::string> placed;
  std::vector<bool> done(program.instructions.size(), false);
  while (order.size() < program.instructions.size()) {
    bool progressed = false;
    for (size_t i = 0; i < program.instructions.size(); ++i) {
      if (done[i]) continue;
      const auto& instruction = program.instructions[i];
      bool ready = true;
      for (const auto& dep : instruction.depends_on) ready = ready && placed.count(dep);
      if (!ready) continue;
      order.push_back(instruction);
      placed.insert(instruction.id);
      done[i] = true;
      progressed = true;
      break;  // restart from the top to keep the original order where possible
    }
    if (!progressed) break;  // only on an invalid (cyclic) program
  }
  return order;
}

nlohmann::json ProgramToJson(const Program& program) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& instruction : program.instructions) {
    list.push_back({{"id", instruction.id},
                    {"text", instruction.text},
                    {"depends_on", instruction.depends_on}});
  }
  return {{"instructions", list}};
}

}  // namespace l2mac::registry
