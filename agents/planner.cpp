#include "agents/planner.hpp"

#include <algorithm>

#include "agents/repo_map.hpp"
#include "agents/tool_box.hpp"
#include "agents/tool_schemas.hpp"
#include "agents/worker.hpp"
#include "core/json_text.hpp"

namespace l2mac::agents {
namespace {

// A plan given as text instead of a tool call: the JSON object in the reply, possibly
// inside a ```json fence.
std::optional<nlohmann::json> PlanFromText(const std::string& text) {
  size_t open = text.find('{');
  size_t close = text.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  auto json = nlohmann::json::parse(text.substr(open, close - open + 1), nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("instructions")) return {};
  return json;
}

std::vector<llm::ChatMessage> PlannerBase(const std::string& task, const PromptSet& prompts,
                                          const std::string& manifest) {
  return {llm::ChatMessage::System(prompts.planner_system),
          llm::ChatMessage::User(
              Render(prompts.planner_user, {{"task", task}, {"manifest", manifest}}))};
}

Status TooLong(const ContextBudget& budget) {
  return Status::InvalidArgument("the task is too long for the context window (" +
                                 std::to_string(budget.window_tokens) +
                                 " tokens): shorten the spec or raise --context-window");
}

}  // namespace

Status CheckPlannerFits(const std::string& task, const PromptSet& prompts,
                        const ContextBudget& budget) {
  AgentContext context(PlannerBase(task, prompts, "(no files yet)"), PlannerToolSchemas(), budget);
  return context.BaseTooLarge() ? TooLong(budget) : Status::Ok();
}

Result<registry::Program> RunPlanner(const std::string& task, const PromptSet& prompts,
                                     ModelGateway& model, filestore::StoreTransaction& store_view,
                                     const PlannerLimits& limits) {
  L2MAC_ASSIGN_OR_RETURN(auto files, store_view.List(""));
  // A store that holds code (an existing codebase, or a finished run given a new task)
  // is shown as its repo map, and the planner gets the precise read tools to look closer.
  const bool existing_code = !files.empty();
  std::string manifest = FormatManifest(files, limits.max_manifest_entries);
  if (existing_code) {
    RepoMapLimits map_limits;
    map_limits.max_tokens =
        std::max<int64_t>(256, std::min(limits.max_repo_map_tokens, limits.budget.usable() / 4));
    map_limits.counter = limits.budget.counter;
    L2MAC_ASSIGN_OR_RETURN(manifest, BuildRepoMap(store_view, map_limits));
  }
  AgentContext context(PlannerBase(task, prompts, manifest), PlannerToolSchemas(existing_code),
                       limits.budget);
  if (context.BaseTooLarge()) return TooLong(limits.budget);
  // Read-only tools share the worker's implementation; writes are refused below.
  ToolBox reader(store_view, {}, [](const std::vector<std::string>&) {
    return Result<toolchains::GateReport>(
        Status::FailedPrecondition("the planner cannot run tests"));
  });
  std::string last_error;
  for (int turn = 0; turn < limits.max_turns; ++turn) {
    if (context.NeedsRestart()) {
      // The planner has no progress worth summarizing: start over with the last problem.
      context.Restart(
          PlannerBase(task, prompts, manifest),
          llm::ChatMessage::User("Your earlier attempts did not produce a valid plan" +
                                 (last_error.empty() ? std::string(".") : ": " + last_error + ".") +
                                 " Call submit_plan with a corrected plan."));
      if (context.NeedsRestart()) return TooLong(limits.budget);
    }
    L2MAC_ASSIGN_OR_RETURN(llm::ChatMessage reply, context.Ask(model, CallPurpose::kPlan));

    if (reply.tool_calls.empty()) {
      if (auto json = PlanFromText(reply.content)) {
        auto program = registry::ParseProgram(*json);
        if (program.ok()) return program;
        last_error = program.status().message();
        context.Append(llm::ChatMessage::User("That plan is not valid: " + last_error +
                                              ". Fix it and call submit_plan."));
      } else {
        last_error = "the model replied without calling submit_plan";
        context.Append(llm::ChatMessage::User(
            "Call submit_plan with the instructions (a JSON object with an \"instructions\" "
            "array)."));
      }
      continue;
    }
    std::optional<registry::Program> accepted;
    for (const auto& call : reply.tool_calls) {
      nlohmann::json result;
      if (accepted) {
        result = ToolError("not executed: the plan was already accepted");
      } else if (call.name == "submit_plan") {
        auto json = nlohmann::json::parse(call.arguments, nullptr, false);
        if (json.is_discarded()) {
          last_error = "submit_plan arguments are not valid JSON";
          result = ToolError(last_error +
                             ": send {\"instructions\": [{\"id\": \"1\", \"text\": "
                             "\"...\", \"depends_on\": []}]}");
        } else if (auto program = registry::ParseProgram(json); !program.ok()) {
          last_error = program.status().message();
          result = ToolError("the plan is not valid: " + last_error + ". Fix it and submit again.");
        } else {
          accepted = std::move(program).value();
          result = {{"ok", true}, {"instructions", accepted->instructions.size()}};
        }
      } else if (call.name == "list_files" || call.name == "read_file" ||
                 (existing_code && (call.name == "search_files" || call.name == "outline_file"))) {
        result = reader.Execute(call).result;
      } else {
        result = ToolError(existing_code ? "the planner can only call list_files, read_file, "
                                           "search_files, outline_file and submit_plan"
                                         : "the planner can only call list_files, read_file and "
                                           "submit_plan");
      }
      context.Append(llm::ChatMessage::ToolResult(call.id, DumpJson(result)));
    }
    if (accepted) return std::move(*accepted);
  }
  return Status::ResourceExhausted(
      "the planner did not submit a valid plan in " + std::to_string(limits.max_turns) +
      " model calls" + (last_error.empty() ? "" : " (last problem: " + last_error + ")") +
      "; supply a prompt program with --program FILE instead");
}

}  // namespace l2mac::agents
