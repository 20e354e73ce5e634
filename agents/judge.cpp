#include "agents/judge.hpp"

#include "agents/tool_box.hpp"
#include "agents/tool_schemas.hpp"
#include "agents/worker.hpp"
#include "core/json_text.hpp"

namespace l2mac::agents {
namespace {

std::string RequirementLines(const std::vector<registry::Requirement>& requirements) {
  std::string lines;
  for (const auto& requirement : requirements) {
    lines += "- " + requirement.id + ": " + requirement.text + "\n";
  }
  return lines;
}

std::vector<llm::ChatMessage> JudgeBase(const JudgeInput& input, const PromptSet& prompts,
                                        const std::string& manifest) {
  return {llm::ChatMessage::System(prompts.judge_system),
          llm::ChatMessage::User(
              Render(prompts.judge_user, {{"task", input.task},
                                          {"requirements", RequirementLines(input.requirements)},
                                          {"manifest", manifest}}))};
}

bool IsReadOnlyTool(const std::string& name) {
  return name == "list_files" || name == "read_file" || name == "search_files" ||
         name == "outline_file";
}

}  // namespace

Result<JudgeOutcome> RunJudge(const JudgeInput& input, const PromptSet& prompts,
                              ModelGateway& model, filestore::StoreTransaction& store_view,
                              const JudgeLimits& limits) {
  if (input.requirements.empty()) {
    return Status::InvalidArgument("the judge needs requirements to score");
  }
  L2MAC_ASSIGN_OR_RETURN(auto files, store_view.List(""));
  const std::string manifest = FormatManifest(files, limits.max_manifest_entries);
  AgentContext context(JudgeBase(input, prompts, manifest), JudgeToolSchemas(), limits.budget);
  if (context.BaseTooLarge()) {
    return JudgeOutcome{std::nullopt,
                        "the spec and its requirements are too long for the judge's context "
                        "window (" +
                            std::to_string(limits.budget.window_tokens) +
                            " tokens): raise --context-window, or pass --no-judge"};
  }
  // The worker's read tools over the committed head; writes and tests are never offered
  // and refused below.
  ToolBox reader(
      store_view, {},
      [](const std::vector<std::string>&) {
        return Result<toolchains::GateReport>(
            Status::FailedPrecondition("the judge cannot run tests"));
      },
      ToolOptionsFor(limits.budget, 6000));
  std::string last_error;
  int invalid_verdicts = 0;
  for (int turn = 0; turn < limits.max_turns; ++turn) {
    if (context.NeedsRestart()) {
      // What the judge read is gone; it starts over, told to read less.
      context.Restart(
          JudgeBase(input, prompts, manifest),
          llm::ChatMessage::User("Your context filled up before you submitted a verdict. Read only "
                                 "what you need (search_files and outline_file first, then small "
                                 "ranges of read_file), then call submit_verdict."));
      if (context.NeedsRestart()) {
        return JudgeOutcome{std::nullopt, "the judge's context window is too small to work in"};
      }
    }
    L2MAC_ASSIGN_OR_RETURN(llm::ChatMessage reply, context.Ask(model, CallPurpose::kJudge));
    if (reply.tool_calls.empty()) {
      last_error = "the judge replied without calling submit_verdict";
      context.Append(llm::ChatMessage::User(
          "Use the tools to read the store, then call submit_verdict with every requirement."));
      continue;
    }
    std::optional<JudgeVerdict> accepted;
    for (const auto& call : reply.tool_calls) {
      nlohmann::json result;
      if (accepted) {
        result = ToolError("not executed: the verdict was already accepted");
      } else if (call.name == "submit_verdict") {
        auto json = nlohmann::json::parse(call.arguments, nullptr, false);
        Result<JudgeVerdict> verdict = json.is_discarded()
                                           ? Result<JudgeVerdict>(Status::InvalidArgument(
                                                 "submit_verdict's arguments are not valid JSON"))
                                           : ParseVerdict(json, input.requirements);
        if (verdict.ok()) {
          accepted = std::move(verdict).value();
          result = {{"ok", true}, {"features_pct", accepted->FeaturesPct()}};
        } else {
          last_error = verdict.status().message();
          result = ToolError("the verdict is not valid: " + last_error + ". Submit it again.");
          if (++invalid_verdicts >= limits.max_invalid_verdicts) {
            return JudgeOutcome{std::nullopt, "the judge sent " + std::to_string(invalid_verdicts) +
                                                  " invalid verdicts (last problem: " + last_error +
                                                  ")"};
          }
        }
      } else if (IsReadOnlyTool(call.name)) {
        result = reader.Execute(call).result;
      } else {
        result = ToolError(
            "the judge can only call list_files, read_file, search_files, outline_file and "
            "submit_verdict");
      }
      context.Append(llm::ChatMessage::ToolResult(call.id, DumpJson(result)));
    }
    if (accepted) return JudgeOutcome{std::move(accepted), ""};
  }
  return JudgeOutcome{std::nullopt,
                      "the judge gave no valid verdict in " + std::to_string(limits.max_turns) +
                          " model calls" +
                          (last_error.empty() ? "" : " (last problem: " + last_error + ")")};
}

}  // namespace l2mac::agents
