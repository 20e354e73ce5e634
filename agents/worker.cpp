#include "agents/worker.hpp"

#include <algorithm>

#include "agents/failure_analysis.hpp"
#include "agents/requirement_list.hpp"
#include "agents/tool_schemas.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"

namespace l2mac::agents {
namespace {

std::string JoinSummaries(const std::vector<std::string>& summaries, size_t max_bytes) {
  if (summaries.empty()) return "(none yet: this is the first instruction)";
  // Keep the newest summaries when they do not all fit.
  std::string joined;
  size_t kept = 0;
  for (auto it = summaries.rbegin(); it != summaries.rend(); ++it) {
    if (!joined.empty() && joined.size() + it->size() + 1 > max_bytes) break;
    joined = *it + "\n" + joined;
    ++kept;
  }
  if (kept < summaries.size()) {
    joined = "(" + std::to_string(summaries.size() - kept) +
             " older summaries omitted; read the files for details)\n" + joined;
  }
  return joined;
}

std::string ActionSignature(const llm::ToolCall& call) { return call.name + "\n" + call.arguments; }

// What a tool call did, for the run's events: the file it named and the lines it changed
// come from its result; the arguments are parsed only when the result names no file and
// they are small (a refused write of a large file is not parsed twice).
ToolCalled DescribeToolCall(const llm::ToolCall& call, const nlohmann::json& result) {
  constexpr size_t kMaxArgumentBytes = 4096;
  constexpr size_t kMaxErrorBytes = 200;
  ToolCalled event;
  event.name = call.name;
  event.ok = result.value("ok", false);
  auto path = result.find("path");
  if (path != result.end() && path->is_string()) {
    event.path = path->get<std::string>();
  } else if (call.arguments.size() <= kMaxArgumentBytes) {
    auto args = nlohmann::json::parse(call.arguments, nullptr, /*allow_exceptions=*/false);
    if (args.is_object() && args.contains("path") && args["path"].is_string()) {
      event.path = args["path"].get<std::string>();
    }
  }
  auto count = [&result](const char* key) -> int64_t {
    auto it = result.find(key);
    return it != result.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  event.lines_added = count("lines_added");
  event.lines_removed = count("lines_removed");
  auto error = result.find("error");
  if (!event.ok && error != result.end() && error->is_string()) {
    const std::string& text = error->get_ref<const std::string&>();
    event.error = TruncateUtf8(text.substr(0, text.find('\n')), kMaxErrorBytes);
  }
  return event;
}

}  // namespace

std::string FormatManifest(const std::vector<filestore::FileInfo>& files, size_t max_entries) {
  if (files.empty()) return "(no files yet)";
  std::string out;
  size_t shown = 0;
  for (const auto& file : files) {
    if (shown == max_entries) break;
    out += file.path + " (" + std::to_string(file.lines) + " lines, " + std::to_string(file.size) +
           " bytes)\n";
    ++shown;
  }
  if (shown < files.size()) {
    out += "... and " + std::to_string(files.size() - shown) +
           " more files (use list_files with a prefix)\n";
  }
  return out;
}

Worker::Worker(const PromptSet& prompts, ModelGateway& model, filestore::StoreTransaction& txn,
               std::filesystem::path output_root, CheckRunner run_checks, WorkerLimits limits,
               AgentEventSink events)
    : prompts_(prompts),
      model_(model),
      txn_(txn),
      output_root_(std::move(output_root)),
      run_checks_(std::move(run_checks)),
      limits_(limits),
      events_(std::move(events)) {}

ToolBoxOptions ToolOptionsFor(const ContextBudget& budget, size_t max_report_bytes) {
  // A quarter of the usable tokens, at about four bytes a token.
  auto quarter_in_bytes = static_cast<size_t>(std::max<int64_t>(budget.usable(), 0));
  ToolBoxOptions options;
  options.max_read_bytes = std::clamp<size_t>(quarter_in_bytes, 2048, 48 * 1024);
  options.max_report_bytes = std::clamp<size_t>(quarter_in_bytes, 1500, max_report_bytes);
  return options;
}

std::string Worker::Manifest(size_t max_entries) const {
  auto files = txn_.List("");
  if (!files.ok()) return "(the file list is unavailable: " + files.status().message() + ")";
  return FormatManifest(*files, max_entries);
}

std::vector<llm::ChatMessage> Worker::BaseMessagesWithin(const WorkerInput& input,
                                                         size_t manifest_entries,
                                                         size_t summaries_bytes) const {
  std::string user =
      Render(prompts_.worker_user,
             {{"task", input.task},
              {"instruction", input.instruction_text},
              {"instruction_id", input.instruction_id},
              {"instruction_count", std::to_string(input.instruction_count)},
              {"manifest", Manifest(manifest_entries)},
              {"summaries", JoinSummaries(input.earlier_summaries, summaries_bytes)}});
  if (!input.requirements.empty()) {
    user += "\n\n" + Render(prompts_.requirements,
                            {{"requirements", FormatRequirementList(input.requirements)}});
  }
  if (!input.rerun_note.empty()) user += "\n\n" + input.rerun_note;
  return {llm::ChatMessage::System(prompts_.worker_system), llm::ChatMessage::User(user)};
}

Result<std::string> Worker::Analyze(const WorkerInput& input, const std::string& failures) const {
  AnalysisInput analysis;
  analysis.instruction_text = input.instruction_text;
  analysis.failures = failures;
  analysis.files = ChangedFilesForAnalysis(txn_, limits_.max_analysis_files_bytes);
  AnalysisLimits analysis_limits;
  analysis_limits.budget = limits_.budget;
  return AnalyzeFailure(analysis, prompts_, model_, analysis_limits);
}

std::vector<llm::ChatMessage> Worker::BaseMessages(const WorkerInput& input) const {
  size_t entries = limits_.max_manifest_entries;
  size_t summaries = limits_.max_summaries_bytes;
  auto base = BaseMessagesWithin(input, entries, summaries);
  const auto tools = WorkerToolSchemas(static_cast<bool>(validate_added_));
  // Leave at least half the budget for the conversation.
  while (limits_.budget.Estimate(base, tools) > limits_.budget.usable() / 2 &&
         (entries > 20 || summaries > 1000)) {
    entries = std::max<size_t>(20, entries / 2);
    summaries = std::max<size_t>(1000, summaries / 2);
    base = BaseMessagesWithin(input, entries, summaries);
  }
  return base;
}

Result<WorkerOutcome> Worker::Run(const WorkerInput& input) {
  WorkerOutcome outcome;
  ToolBoxOptions tool_options = ToolOptionsFor(limits_.budget, limits_.max_report_bytes);
  tool_options.max_write_bytes = limits_.max_write_bytes;
  ToolBox tools(txn_, output_root_, run_checks_, tool_options);
  if (validate_added_) tools.EnableAddInstructions(validate_added_);
  AgentContext context(BaseMessages(input), WorkerToolSchemas(static_cast<bool>(validate_added_)),
                       limits_.budget);
  if (context.BaseTooLarge()) {
    outcome.failure = "the context window (" + std::to_string(limits_.budget.window_tokens) +
                      " tokens) is too small for the instruction's base prompt (" +
                      std::to_string(context.EstimatedTokens()) +
                      " tokens): raise --context-window";
    return outcome;
  }
  int idle_replies = 0;
  std::string last_action;
  int repeated_actions = 0;

  while (true) {
    if (context.NeedsRestart()) {
      if (outcome.context_restarts >= limits_.max_context_restarts) {
        outcome.failure = "the context filled up " + std::to_string(outcome.context_restarts) +
                          " times (the bound on context restarts per instruction); split the "
                          "instruction into smaller ones or raise --max-context-restarts";
        return outcome;
      }
      llm::ChatRequest summary_request;
      summary_request.messages = context.SummaryRequestMessages(prompts_.summary_request);
      summary_request.max_output_tokens = static_cast<int>(limits_.budget.reserved_output_tokens);
      L2MAC_ASSIGN_OR_RETURN(auto summary, model_.Call(summary_request, CallPurpose::kSummary));
      std::string text = summary.message.content;
      if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        text = "(the model gave no summary; re-read the files you wrote with list_files)";
      }
      ++outcome.context_restarts;
      context.Restart(BaseMessages(input),
                      llm::ChatMessage::User(Render(prompts_.restart, {{"summary", text}})));
      L2MAC_RETURN_IF_ERROR(
          Report(ContextRestarted{outcome.context_restarts, limits_.max_context_restarts}));
      if (context.NeedsRestart()) {
        outcome.failure =
            "even a fresh context with the progress summary does not fit the "
            "context window; raise --context-window";
        return outcome;
      }
    }

    if (outcome.turns >= limits_.max_turns) {
      outcome.failure = "the instruction used its " + std::to_string(limits_.max_turns) +
                        " model calls (" + limits_.max_turns_source +
                        ") without passing its checks";
      return outcome;
    }
    ++outcome.turns;
    L2MAC_ASSIGN_OR_RETURN(llm::ChatMessage reply, context.Ask(model_, CallPurpose::kWork));

    if (reply.tool_calls.empty()) {
      if (++idle_replies >= limits_.max_idle_replies) {
        outcome.failure = "the model answered " + std::to_string(idle_replies) +
                          " times in a row without calling a tool";
        return outcome;
      }
      context.Append(llm::ChatMessage::User(prompts_.nudge));
      continue;
    }
    idle_replies = 0;

    bool completed = false;
    for (const auto& call : reply.tool_calls) {
      nlohmann::json result;
      if (completed) {
        result = ToolError("not executed: step_complete was already accepted for this instruction");
      } else {
        std::string signature = ActionSignature(call);
        repeated_actions = signature == last_action ? repeated_actions + 1 : 1;
        last_action = signature;
        if (repeated_actions >= limits_.max_repeated_actions) {
          outcome.failure = "loop detected: the model made the same " + call.name + " call " +
                            std::to_string(repeated_actions) + " times in a row";
          return outcome;
        }
        ToolOutcome tool = tools.Execute(call);
        result = tool.result;
        if (tool.step_complete) {
          L2MAC_ASSIGN_OR_RETURN(auto report, check_step_ ? check_step_({}) : run_checks_({}));
          if (report.passed) {
            completed = true;
            outcome.summary = tool.summary;
            result = {{"ok", true}, {"checks", report.OneLine()}};
            outcome.gate_report = std::move(report);
          } else {
            ++outcome.gate_failures;
            L2MAC_RETURN_IF_ERROR(Report(StepRejected{
                outcome.gate_failures, limits_.max_gate_failures, report.OneLine(), ""}));
            result = ToolError(
                "The checks failed, so the instruction is not complete yet. First work out the "
                "cause from the output below, then fix it and call step_complete again.");
            result["failures"] = report.FailureText(tool_options.max_report_bytes);
            if (limits_.analyze_failures && outcome.gate_failures < limits_.max_gate_failures) {
              L2MAC_ASSIGN_OR_RETURN(std::string analysis,
                                     Analyze(input, result["failures"].get<std::string>()));
              ++outcome.analyses;
              L2MAC_RETURN_IF_ERROR(Report(FailureAnalyzed{outcome.gate_failures, analysis}));
              if (!analysis.empty()) {
                result["error"] =
                    "The checks failed, so the instruction is not complete yet. A separate "
                    "analysis of the output and of the files you changed found the root cause "
                    "given in \"analysis\". Check it against the output below, then fix the "
                    "cause and call step_complete again.";
                result["analysis"] = std::move(analysis);
              }
            }
            if (outcome.gate_failures >= limits_.max_gate_failures) {
              L2MAC_RETURN_IF_ERROR(Report(DescribeToolCall(call, result)));
              context.Append(llm::ChatMessage::ToolResult(call.id, DumpJson(result)));
              outcome.failure = "the checks still failed after " +
                                std::to_string(outcome.gate_failures) +
                                " attempts: " + report.OneLine();
              return outcome;
            }
          }
        }
      }
      L2MAC_RETURN_IF_ERROR(Report(DescribeToolCall(call, result)));
      context.Append(llm::ChatMessage::ToolResult(call.id, DumpJson(result)));
    }
    if (completed) {
      outcome.completed = true;
      outcome.added_instructions = tools.added_instructions();
      return outcome;
    }
  }
}

}  // namespace l2mac::agents
