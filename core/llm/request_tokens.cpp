#include "core/llm/request_tokens.hpp"

namespace l2mac::llm {

namespace {
constexpr int64_t kFramingTokens = 4;
}  // namespace

int64_t EstimateMessageTokens(const TokenCounter* counter, const ChatMessage& message) {
  int64_t total = kFramingTokens + EstimateTokens(counter, message.content);
  for (const auto& call : message.tool_calls) {
    total += kFramingTokens + EstimateTokens(counter, call.name) +
             EstimateTokens(counter, call.arguments);
  }
  return total;
}

int64_t EstimateRequestTokens(const TokenCounter* counter, const std::vector<ChatMessage>& messages,
                              const std::vector<ToolSchema>& tools) {
  int64_t total = 0;
  for (const auto& message : messages) total += EstimateMessageTokens(counter, message);
  for (const auto& tool : tools) {
    total += kFramingTokens + EstimateTokens(counter, tool.name) +
             EstimateTokens(counter, tool.description) +
             EstimateTokens(counter, tool.parameters.dump());
  }
  return total;
}

}  // namespace l2mac::llm
