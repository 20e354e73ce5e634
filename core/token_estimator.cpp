#include "core/token_estimator.hpp"

namespace l2mac {

namespace {
constexpr int64_t kFramingTokens = 4;
}

int64_t EstimateTokens(std::string_view text) {
  return static_cast<int64_t>((text.size() + 3) / 4);
}

int64_t EstimateMessageTokens(const llm::ChatMessage& message) {
  int64_t total = kFramingTokens + EstimateTokens(message.content);
  for (const auto& call : message.tool_calls) {
    total += kFramingTokens + EstimateTokens(call.name) + EstimateTokens(call.arguments);
  }
  return total;
}

int64_t EstimateRequestTokens(const std::vector<llm::ChatMessage>& messages,
                              const std::vector<llm::ToolSchema>& tools) {
  int64_t total = 0;
  for (const auto& message : messages) total += EstimateMessageTokens(message);
  for (const auto& tool : tools) {
    total += kFramingTokens + EstimateTokens(tool.name) + EstimateTokens(tool.description) +
             EstimateTokens(tool.parameters.dump());
  }
  return total;
}

}  // namespace l2mac
