#include "agents/judge.hpp"

#include <algorithm>
#include <map>

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

// An inconsistency must point at the output as it is: a cited path that is not in the
// store, or a line past its end, is a misread the judge must correct before its verdict
// becomes instructions (kInvalidArgument, sent back to it). Each cited file is read once.
// Other errors are the store's.
Status CheckCitedPaths(const JudgeVerdict& verdict, filestore::StoreTransaction& store_view) {
  std::map<std::string, int> line_counts;
  for (size_t n = 0; n < verdict.inconsistencies.size(); ++n) {
    for (const auto& [path, line] : CitedPlaces(verdict.inconsistencies[n].evidence)) {
      const std::string where = "inconsistency " + std::to_string(n + 1) + " cites " + path;
      auto known = line_counts.find(path);
      if (known == line_counts.end()) {
        Result<std::optional<std::string>> content = store_view.Read(path);
        if (!content.ok() && content.status().code() == StatusCode::kInvalidArgument) {
          return Status::InvalidArgument(where + ", which is not a valid path (" +
                                         content.status().message() +
                                         "): cite the files list_files shows");
        }
        if (!content.ok()) return content.status();
        if (!content->has_value()) {
          return Status::InvalidArgument(where +
                                         ", which is not in the store: cite the files list_files "
                                         "shows");
        }
        const std::string& text = **content;
        const auto count = static_cast<int>(std::count(text.begin(), text.end(), '\n') +
                                            (text.empty() || text.back() == '\n' ? 0 : 1));
        known = line_counts.emplace(path, count).first;
      }
      const int lines = known->second;
      if (line < 1 || line > lines) {
        return Status::InvalidArgument(where + ":" + std::to_string(line) + ", but it has " +
                                       std::to_string(lines) +
                                       " lines: cite the line read_file shows");
      }
    }
  }
  return Status::Ok();
}

bool IsReadOnlyTool(const std::string& name, bool run_tests) {
  return name == "list_files" || name == "read_file" || name == "search_files" ||
         name == "outline_file" || (run_tests && name == "run_tests");
}

}  // namespace

Result<JudgeOutcome> RunJudge(const JudgeInput& input, const PromptSet& prompts,
                              ModelGateway& model, filestore::StoreTransaction& store_view,
                              const JudgeLimits& limits, CheckRunner run_tests) {
  if (input.requirements.empty()) {
    return Status::InvalidArgument("the judge needs requirements to score");
  }
  L2MAC_ASSIGN_OR_RETURN(auto files, store_view.List(""));
  const std::string manifest = FormatManifest(files, limits.max_manifest_entries);
  const bool can_run_tests = static_cast<bool>(run_tests);
  AgentContext context(JudgeBase(input, prompts, manifest),
                       JudgeToolSchemas(can_run_tests, input.check_consistency), limits.budget);
  if (context.BaseTooLarge()) {
    return JudgeOutcome{std::nullopt,
                        "the spec and its requirements are too long for the judge's context "
                        "window (" +
                            std::to_string(limits.budget.window_tokens) +
                            " tokens): raise --context-window, or pass --no-judge"};
  }
  // The worker's read tools over the committed head, and run_tests when given; writes are
  // never offered and refused below.
  if (!run_tests) {
    run_tests = [](const std::vector<std::string>&) {
      return Result<toolchains::GateReport>(
          Status::FailedPrecondition("the judge cannot run tests"));
    };
  }
  ToolBoxOptions reader_options = ToolOptionsFor(limits.budget, 6000);
  reader_options.max_listed_tests = 200;
  ToolBox reader(store_view, {}, std::move(run_tests), reader_options);
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
        Result<JudgeVerdict> verdict =
            json.is_discarded() ? Result<JudgeVerdict>(Status::InvalidArgument(
                                      "submit_verdict's arguments are not valid JSON"))
                                : ParseVerdict(json, input.requirements, input.check_consistency);
        if (verdict.ok()) {
          Status cited = CheckCitedPaths(*verdict, store_view);
          if (!cited.ok() && cited.code() != StatusCode::kInvalidArgument) return cited;
          if (!cited.ok()) verdict = cited;
        }
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
      } else if (IsReadOnlyTool(call.name, can_run_tests)) {
        result = reader.Execute(call).result;
      } else {
        result = ToolError(std::string("the judge can only call list_files, read_file, "
                                       "search_files, outline_file, ") +
                           (can_run_tests ? "run_tests " : "") + "and submit_verdict");
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
