#include "registry/program.hpp"

#include <cmath>
#include <map>
#include <queue>
#include <set>

namespace l2mac::registry {
namespace {

// The largest per-instruction max_turns, the same bound as --max-turns.
constexpr int64_t kMaxTurnsCap = 100000;

Result<std::string> RequireString(const nlohmann::json& object, const char* field,
                                  const std::string& where) {
  auto it = object.find(field);
  if (it == object.end()) return Status::InvalidArgument(where + " has no \"" + field + "\"");
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer() && std::string(field) == "id") return it->dump();
  return Status::InvalidArgument(where + ": \"" + field + "\" must be a string");
}

// A whole number in [1, max] in `field`, or 0 when the field is absent or null.
Result<int64_t> OptionalPositiveInteger(const nlohmann::json& object, const char* field,
                                        const std::string& where, int64_t max) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return int64_t{0};
  const std::string problem = where + ": \"" + field + "\" must be a whole number from 1 to " +
                              std::to_string(max) + " (or left out for no cap), not " + it->dump();
  if (it->is_number_unsigned() || it->is_number_integer()) {
    // Non-negative literals parse as unsigned, so both kinds are read.
    const bool in_range =
        it->is_number_unsigned()
            ? it->get<uint64_t>() >= 1 && it->get<uint64_t>() <= static_cast<uint64_t>(max)
            : it->get<int64_t>() >= 1 && it->get<int64_t>() <= max;
    if (!in_range) {
      return Status::InvalidArgument(problem);
    }
    return it->get<int64_t>();
  }
  if (it->is_number_float()) {
    // 2000.0 is a whole number too (a planner may write one).
    const double value = it->get<double>();
    if (std::isfinite(value) && value == std::floor(value) && value >= 1 &&
        value <= static_cast<double>(max)) {
      return static_cast<int64_t>(value);
    }
  }
  return Status::InvalidArgument(problem);
}

// A positive finite number in `field`, or 0 when the field is absent or null.
Result<double> OptionalPositiveNumber(const nlohmann::json& object, const char* field,
                                      const std::string& where) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return 0.0;
  if (it->is_number()) {
    const double value = it->get<double>();
    if (std::isfinite(value) && value > 0 && value <= 1e9) return value;
  }
  return Status::InvalidArgument(where + ": \"" + field +
                                 "\" must be a positive number of US dollars (or left out for "
                                 "no cap), not " +
                                 it->dump());
}

Status CheckNoCycle(const Program& program) {
  std::vector<Instruction> order = TopologicalOrder(program);
  if (order.size() == program.instructions.size()) return Status::Ok();
  // Every instruction left out of the order is on a cycle or depends on one. Walking
  // dependencies among them from any one must come back to an instruction already seen.
  std::set<std::string> placed;
  for (const auto& instruction : order) placed.insert(instruction.id);
  std::map<std::string, const Instruction*> left;
  for (const auto& instruction : program.instructions) {
    if (!placed.count(instruction.id)) left[instruction.id] = &instruction;
  }
  std::vector<std::string> path;
  std::map<std::string, size_t> seen_at;
  std::string current = left.begin()->first;
  while (!seen_at.count(current)) {
    seen_at[current] = path.size();
    path.push_back(current);
    for (const auto& dep : left[current]->depends_on) {
      if (left.count(dep)) {
        current = dep;
        break;
      }
    }
  }
  std::string cycle;
  for (size_t i = seen_at[current]; i < path.size(); ++i) cycle += "'" + path[i] + "' -> ";
  return Status::InvalidArgument("the dependencies form a cycle: " + cycle + "'" + current +
                                 "'; remove one of these dependencies");
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
  L2MAC_ASSIGN_OR_RETURN(program.requirements, ParseRequirements(json));
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
    L2MAC_ASSIGN_OR_RETURN(instruction.max_tokens,
                           OptionalPositiveInteger(item, "max_tokens", where, int64_t{1} << 50));
    L2MAC_ASSIGN_OR_RETURN(instruction.max_cost_usd,
                           OptionalPositiveNumber(item, "max_cost_usd", where));
    L2MAC_ASSIGN_OR_RETURN(int64_t max_turns,
                           OptionalPositiveInteger(item, "max_turns", where, kMaxTurnsCap));
    instruction.max_turns = static_cast<int>(max_turns);
    L2MAC_ASSIGN_OR_RETURN(instruction.covers, ParseCovers(item, where));
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
  L2MAC_RETURN_IF_ERROR(CheckCoverage(program.requirements, program.instructions));
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
  // Kahn's algorithm, always taking the ready instruction that came first in the program.
  const size_t n = program.instructions.size();
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < n; ++i) position[program.instructions[i].id] = i;
  std::vector<size_t> waiting_on(n, 0);
  std::vector<std::vector<size_t>> dependents(n);
  for (size_t i = 0; i < n; ++i) {
    for (const auto& dep : program.instructions[i].depends_on) {
      auto it = position.find(dep);
      if (it == position.end()) continue;  // invalid program; ParseProgram rejects it
      dependents[it->second].push_back(i);
      ++waiting_on[i];
    }
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (waiting_on[i] == 0) ready.push(i);
  }
  std::vector<Instruction> order;
  order.reserve(n);
  while (!ready.empty()) {
    size_t next = ready.top();
    ready.pop();
    order.push_back(program.instructions[next]);
    for (size_t dependent : dependents[next]) {
      if (--waiting_on[dependent] == 0) ready.push(dependent);
    }
  }
  return order;  // shorter than the program only when it has a cycle
}

nlohmann::json InstructionCapsToJson(const Instruction& instruction) {
  nlohmann::json caps = nlohmann::json::object();
  if (instruction.max_tokens > 0) caps["max_tokens"] = instruction.max_tokens;
  if (instruction.max_cost_usd > 0) caps["max_cost_usd"] = instruction.max_cost_usd;
  if (instruction.max_turns > 0) caps["max_turns"] = instruction.max_turns;
  return caps;
}

nlohmann::json ProgramToJson(const Program& program) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& instruction : program.instructions) {
    nlohmann::json item = {
        {"id", instruction.id}, {"text", instruction.text}, {"depends_on", instruction.depends_on}};
    item.update(InstructionCapsToJson(instruction));
    if (!instruction.covers.empty()) item["covers"] = instruction.covers;
    list.push_back(std::move(item));
  }
  nlohmann::json json = {{"instructions", list}};
  // Only when there are some, so a program without requirements reads as it always did.
  if (!program.requirements.empty())
    json["requirements"] = RequirementsToJson(program.requirements);
  return json;
}

}  // namespace l2mac::registry
