#include "core/llm/truncation.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace l2mac::llm {
namespace {

bool CompleteJson(const std::string& text) { return nlohmann::json::accept(text); }

bool IsLengthStop(const std::string& reason) {
  return reason == "length" || reason == "max_tokens";
}

}  // namespace

bool CutMidToolCall(const ChatResponse& response) {
  if (!IsLengthStop(response.finish_reason)) return false;
  for (const ToolCall& call : response.message.tool_calls) {
    if (!CompleteJson(call.arguments)) return true;
  }
  return false;
}

void DropCutToolCalls(ChatResponse& response) {
  std::vector<ToolCall> kept;
  std::string dropped;
  for (ToolCall& call : response.message.tool_calls) {
    if (CompleteJson(call.arguments)) {
      kept.push_back(std::move(call));
    } else {
      if (!dropped.empty()) dropped += ", ";
      dropped += call.name.empty() ? std::string("(unnamed)") : call.name;
    }
  }
  response.message.tool_calls = std::move(kept);
  if (dropped.empty()) return;
  if (!response.message.content.empty()) response.message.content += "\n\n";
  response.message.content += fmt::format(
      "[l2mac: this reply hit the output token limit in the middle of a call to {}; the "
      "incomplete call was dropped. Make smaller tool calls, e.g. write a file in parts.]",
      dropped);
}

}  // namespace l2mac::llm
