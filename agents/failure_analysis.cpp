#include "agents/failure_analysis.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace l2mac::agents {
namespace {

std::string Numbered(std::string_view content) {
  std::string out;
  size_t number = 0;
  for (std::string_view line : SplitLines(content)) {
    out += std::to_string(++number) + ": ";
    out.append(line);
    out += '\n';
  }
  return out;
}

std::vector<llm::ChatMessage> AnalysisMessages(const AnalysisInput& input, const PromptSet& prompts,
                                               const std::string& failures,
                                               const std::string& files) {
  return {
      llm::ChatMessage::System(prompts.analysis_system),
      llm::ChatMessage::User(Render(
          prompts.analysis_user,
          {{"instruction", input.instruction_text}, {"failures", failures}, {"files", files}}))};
}

}  // namespace

std::string ChangedFilesForAnalysis(const filestore::StoreTransaction& txn, size_t max_bytes) {
  std::vector<std::string> paths = txn.ChangedPaths();
  if (paths.empty()) return "(no files changed)";
  std::sort(paths.begin(), paths.end());
  std::string out;
  std::vector<std::string> left_out;
  for (const std::string& path : paths) {
    if (out.size() >= max_bytes) {
      left_out.push_back(path);
      continue;
    }
    auto content = txn.Read(path);
    std::string section;
    if (!content.ok()) {
      section = "## " + path + " (unreadable: " + content.status().message() + ")\n";
    } else if (!*content) {
      section = "## " + path + " (deleted)\n";
    } else {
      section = "## " + path + "\n" + Numbered(**content);
    }
    const size_t room = max_bytes - out.size();
    if (section.size() > room) {
      section = TruncateUtf8(section, room) + "\n(cut here: read_file has the rest)\n";
    }
    out += section + "\n";
  }
  if (!left_out.empty()) {
    out += "(also changed, not shown:";
    for (const auto& path : left_out) out += " " + path;
    out += ")\n";
  }
  return out;
}

Result<std::string> AnalyzeFailure(const AnalysisInput& input, const PromptSet& prompts,
                                   ModelGateway& model, const AnalysisLimits& limits) {
  std::string failures = input.failures;
  std::string files = input.files;
  std::vector<llm::ChatMessage> messages = AnalysisMessages(input, prompts, failures, files);
  // Shorten the files, then the output, until the request fits; both keep their start,
  // where a gate report and a file's first lines say the most.
  while (limits.budget.Estimate(messages, {}) > limits.budget.usable() &&
         (files.size() > 200 || failures.size() > 200)) {
    if (files.size() > 200) {
      files = TruncateUtf8(files, files.size() / 2);
    } else {
      failures = TruncateUtf8(failures, failures.size() / 2);
    }
    messages = AnalysisMessages(input, prompts, failures, files);
  }
  llm::ChatRequest request;
  request.messages = std::move(messages);
  request.max_output_tokens = static_cast<int>(
      std::min<int64_t>(limits.max_output_tokens, limits.budget.reserved_output_tokens));
  L2MAC_ASSIGN_OR_RETURN(auto response, model.Call(request, CallPurpose::kAnalysis));
  std::string_view answer = TrimWhitespace(response.message.content);
  return TruncateUtf8(answer, limits.max_answer_bytes);
}

}  // namespace l2mac::agents
