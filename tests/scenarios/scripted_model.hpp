// A scripted model for the simulated model server, shared by the scenario and control-unit
// tests (header-only).
//
// The model is stateless: it picks each reply from the request's content alone (planner
// or worker, which instruction, how many assistant turns the context holds, whether the
// context was restarted with a summary). So one script answers a first run, a run killed
// and resumed, and a re-run identically, which is what makes kill/resume and replay
// comparisons exact. Tool-call ids are derived from the request too, so recorded
// transcripts are byte-for-byte reproducible.
//
// Threads: Answer() is const and keeps no state; the simulated server calls it under its
// own mutex. An `intercept` that keeps state must synchronize itself.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/llm/message.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::scenario {

using nlohmann::json;

// Read access to one chat-completions request body, as the simulated server received it.
class ModelRequest {
 public:
  explicit ModelRequest(json body) : body_(std::move(body)) {}

  const json& body() const { return body_; }

  // The messages array (an empty array when the body has none).
  const json& messages() const {
    static const json kEmpty = json::array();
    auto it = body_.find("messages");
    return it != body_.end() && it->is_array() ? *it : kEmpty;
  }

  // A message's text content; "" when it is null, absent or not a string.
  static std::string ContentOf(const json& message) {
    auto it = message.find("content");
    return it != message.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  static std::string RoleOf(const json& message) {
    auto it = message.find("role");
    return it != message.end() && it->is_string() ? it->get<std::string>() : std::string();
  }

  bool HasTools() const {
    auto it = body_.find("tools");
    return it != body_.end() && it->is_array() && !it->empty();
  }

  // The planner's context: its system message starts with "You are the planner".
  bool IsPlanner() const {
    const json& all = messages();
    return !all.empty() && RoleOf(all[0]) == "system" &&
           ContentOf(all[0]).rfind("You are the planner", 0) == 0;
  }

  // The judge's context: its system message starts with "You are the judge".
  bool IsJudge() const {
    const json& all = messages();
    return !all.empty() && RoleOf(all[0]) == "system" &&
           ContentOf(all[0]).rfind("You are the judge", 0) == 0;
  }

  // The failure analysis's context: its system message starts with "You are the failure
  // analyst" (agents/prompts/common/analysis.md).
  bool IsAnalysis() const {
    const json& all = messages();
    return !all.empty() && RoleOf(all[0]) == "system" &&
           ContentOf(all[0]).rfind("You are the failure analyst", 0) == 0;
  }

  // The requirement ids the judge is asked to score: the "- ID: text" lines of its first
  // user message under "# The requirements to score".
  std::vector<std::string> JudgedRequirementIds() const {
    std::vector<std::string> ids;
    for (const auto& message : messages()) {
      if (RoleOf(message) != "user") continue;
      std::string text = ContentOf(message);
      size_t start = text.find("# The requirements to score");
      if (start == std::string::npos) continue;
      size_t end = text.find("# Files in the store", start);
      size_t line = text.find("\n- ", start);
      while (line != std::string::npos && line < end) {
        size_t colon = text.find(':', line);
        if (colon == std::string::npos) break;
        ids.push_back(text.substr(line + 3, colon - line - 3));
        line = text.find("\n- ", colon);
      }
      break;
    }
    return ids;
  }

  // A request for a progress summary: no tools, and the last message is the user's
  // "Your context window is nearly full ...".
  bool IsSummaryRequest() const {
    const json& all = messages();
    return !HasTools() && !all.empty() && RoleOf(all.back()) == "user" &&
           ContentOf(all.back()).rfind("Your context window is nearly full", 0) == 0;
  }

  // The id in "# Your instruction (<id> of <n>)"; "" for requests outside an instruction.
  std::string InstructionId() const {
    static constexpr std::string_view kMarker = "# Your instruction (";
    for (const auto& message : messages()) {
      if (RoleOf(message) != "user") continue;
      std::string text = ContentOf(message);
      size_t start = text.find(kMarker);
      if (start == std::string::npos) continue;
      start += kMarker.size();
      size_t end = text.find(" of ", start);
      if (end == std::string::npos) continue;
      return text.substr(start, end - start);
    }
    return "";
  }

  // Assistant messages in the context: the index of the reply this request asks for.
  int AssistantTurns() const {
    int turns = 0;
    for (const auto& message : messages()) {
      if (RoleOf(message) == "assistant") ++turns;
    }
    return turns;
  }

  // The context was restarted: it holds the user message "Your context was restarted ...".
  bool Restarted() const { return !RestartMessage().empty(); }
  std::string RestartMessage() const {
    for (const auto& message : messages()) {
      if (RoleOf(message) == "user" &&
          ContentOf(message).rfind("Your context was restarted", 0) == 0) {
        return ContentOf(message);
      }
    }
    return "";
  }

  // Each tool message's content parsed as JSON (a JSON string holding the raw text when
  // it does not parse), in order.
  std::vector<json> ToolResults() const {
    std::vector<json> results;
    for (const auto& message : messages()) {
      if (RoleOf(message) != "tool") continue;
      std::string text = ContentOf(message);
      json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
      results.push_back(parsed.is_discarded() ? json(text) : parsed);
    }
    return results;
  }
  std::optional<json> LastToolResult() const {
    auto results = ToolResults();
    if (results.empty()) return std::nullopt;
    return results.back();
  }

  // Whether any message's text content contains `text`.
  bool Contains(std::string_view text) const {
    for (const auto& message : messages()) {
      if (ContentOf(message).find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  json body_;
};

// One reply of the script, built from the request it answers.
using Turn = std::function<sim::SimReply(const ModelRequest&)>;

// What the model does for one instruction. A request whose context holds N assistant
// messages gets turns[N] (after_restart[N] once the context was restarted); a summary
// request gets `summary` as text.
struct InstructionScript {
  std::vector<Turn> turns;
  std::vector<Turn> after_restart;
  std::string summary = "Progress summary: see the files in the store.";
};

// A tool-call id unique within a run and equal across re-runs: the instruction ("plan"
// for the planner), "r" after a restart, the turn and the call's position in the reply.
inline std::string CallIdFor(const ModelRequest& request, size_t position) {
  std::string scope = request.IsPlanner()    ? "plan"
                      : request.IsJudge()    ? "judge"
                      : request.IsAnalysis() ? "analysis"
                                             : request.InstructionId();
  return "call_" + scope + "_" + (request.Restarted() ? "r" : "") +
         std::to_string(request.AssistantTurns()) + "_" + std::to_string(position);
}

struct ToolUse {
  std::string name;
  json arguments;
};

// A reply calling these tools, in order.
inline Turn Tools(std::vector<ToolUse> uses) {
  return [uses = std::move(uses)](const ModelRequest& request) {
    std::vector<llm::ToolCall> calls;
    for (size_t i = 0; i < uses.size(); ++i) {
      calls.push_back(
          llm::ToolCall{CallIdFor(request, i), uses[i].name,
                        uses[i].arguments.dump(-1, ' ', false, json::error_handler_t::replace)});
    }
    return sim::ToolCallsReply(std::move(calls));
  };
}
inline Turn Tool(std::string name, json arguments) {
  return Tools({ToolUse{std::move(name), std::move(arguments)}});
}
inline ToolUse WriteFileUse(std::string path, std::string content) {
  return {"write_file", {{"path", std::move(path)}, {"content", std::move(content)}}};
}
inline Turn WriteFile(std::string path, std::string content) {
  return Tools({WriteFileUse(std::move(path), std::move(content))});
}
inline Turn EditFile(std::string path, std::string search, std::string replace) {
  return Tool(
      "edit_file",
      {{"path", std::move(path)}, {"search", std::move(search)}, {"replace", std::move(replace)}});
}
inline Turn StepComplete(std::string summary) {
  return Tool("step_complete", {{"summary", std::move(summary)}});
}
// A plain text answer, with no tool call.
inline Turn Text(std::string content) {
  return [content = std::move(content)](const ModelRequest&) { return sim::TextReply(content); };
}
// A tool call whose arguments text is sent verbatim (it may be invalid JSON).
inline Turn RawTool(std::string name, std::string raw_arguments) {
  return [name = std::move(name), raw = std::move(raw_arguments)](const ModelRequest& request) {
    return sim::ToolCallsReply({llm::ToolCall{CallIdFor(request, 0), name, raw}});
  };
}

// The reply to a request the script does not cover: HTTP 400, which is not retried, so a
// script that runs out fails the run at once with `why` in its error.
inline sim::SimReply NoReply(const std::string& why) {
  return sim::ErrorReply(400, "scripted model: " + why);
}

// What a script's failure analysis answers unless it sets ScriptedModel::analysis.
inline constexpr const char* kDefaultAnalysis =
    "Root cause: the failing check's output above names it (scripted analysis).";

// submit_verdict's arguments scoring every requirement the judge is asked about as
// implemented: the default judge of a script, so a run with requirements ends as it did
// before the judge existed.
inline json AllImplementedVerdict(const ModelRequest& request) {
  json list = json::array();
  for (const auto& id : request.JudgedRequirementIds()) {
    list.push_back({{"id", id}, {"score", "implemented"}, {"evidence", "scripted judge"}});
  }
  return {{"requirements", list}};
}

// The script of a whole run: the plan, each instruction's turns, and an optional hook.
struct ScriptedModel {
  json plan = json::object();  // submit_plan's arguments: {"instructions": [...]}
  std::map<std::string, InstructionScript> instructions;
  // Answers the judge's requests; empty: every requirement implemented at once.
  Turn judge;
  // Answers the failure analysis's requests; empty: kDefaultAnalysis as text.
  Turn analysis;
  // Sees every request first, with its 0-based index. A reply it returns is sent instead
  // of the script's (faults); it may also just act (e.g. kill the l2mac process).
  std::function<std::optional<sim::SimReply>(const ModelRequest&, size_t index)> intercept;

  sim::SimReply Answer(const json& body, size_t index) const {
    ModelRequest request(body);
    if (intercept) {
      if (auto reply = intercept(request, index)) return *reply;
    }
    if (request.IsPlanner()) {
      return sim::ToolCallsReply(
          {llm::ToolCall{CallIdFor(request, 0), "submit_plan",
                         plan.dump(-1, ' ', false, json::error_handler_t::replace)}});
    }
    if (request.IsAnalysis()) {
      return analysis ? analysis(request) : sim::TextReply(kDefaultAnalysis);
    }
    if (request.IsJudge()) {
      if (judge) return judge(request);
      return sim::ToolCallsReply({llm::ToolCall{CallIdFor(request, 0), "submit_verdict",
                                                AllImplementedVerdict(request).dump()}});
    }
    std::string id = request.InstructionId();
    auto it = instructions.find(id);
    if (it == instructions.end()) return NoReply("no script for instruction '" + id + "'");
    const InstructionScript& script = it->second;
    if (request.IsSummaryRequest()) return sim::TextReply(script.summary);
    const auto& turns = request.Restarted() ? script.after_restart : script.turns;
    size_t turn = static_cast<size_t>(request.AssistantTurns());
    if (turn >= turns.size()) {
      return NoReply("the script of instruction '" + id + "' has no " +
                     (request.Restarted() ? "post-restart " : "") + "turn " + std::to_string(turn));
    }
    return turns[turn](request);
  }

  // A handler for SimModelServer. Borrows the model, which must outlive the server.
  // Sees every reply before it is sent (e.g. to set the usage the server reports).
  std::function<void(const ModelRequest&, sim::SimReply&)> adjust_reply;

  sim::SimHandler Handler() const {
    return [this](const json& body, size_t index) {
      sim::SimReply reply = Answer(body, index);
      if (adjust_reply) adjust_reply(ModelRequest(body), reply);
      return reply;
    };
  }
};

// {"id", "text", "depends_on"} for a plan.
inline json PlanStep(std::string id, std::string text, std::vector<std::string> depends_on = {}) {
  return {{"id", std::move(id)}, {"text", std::move(text)}, {"depends_on", std::move(depends_on)}};
}

// submit_plan's arguments for these PlanStep()s: {"instructions": [...]}.
inline json PlanOf(const std::vector<json>& steps) {
  json list = json::array();
  for (const auto& step : steps) list.push_back(step);
  return {{"instructions", list}};
}

// A ScriptedModel::intercept that answers a planner whose request contains `marker` (a
// later task's text) with `plan`, and leaves every other request to the script: a finished
// run's next task gets a plan of its own.
inline std::function<std::optional<sim::SimReply>(const ModelRequest&, size_t)> PlanWhenTaskSays(
    std::string marker, json plan) {
  return [marker = std::move(marker), plan = std::move(plan)](
             const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
    if (!request.IsPlanner() || !request.Contains(marker)) return std::nullopt;
    return sim::ToolCallsReply({llm::ToolCall{CallIdFor(request, 0), "submit_plan", plan.dump()}});
  };
}

// Requests in `requests` (as SimModelServer::requests() returns them) for an instruction.
inline std::vector<ModelRequest> RequestsFor(const std::vector<json>& requests,
                                             const std::string& instruction_id) {
  std::vector<ModelRequest> out;
  for (const auto& body : requests) {
    ModelRequest request(body);
    if (!request.IsPlanner() && !request.IsJudge() && !request.IsAnalysis() &&
        request.InstructionId() == instruction_id) {
      out.push_back(request);
    }
  }
  return out;
}

}  // namespace l2mac::scenario
