#include "core/token_estimator.hpp"

#include <mutex>

namespace l2mac {

namespace {
constexpr int64_t kFramingTokens = 4;

std::mutex& CounterMutex() {
  static std::mutex mutex;
  return mutex;
}
std::shared_ptr<const TokenCounter>& CounterSlot() {
  static std::shared_ptr<const TokenCounter> counter;
  return counter;
}
}  // namespace

void SetTokenCounter(std::shared_ptr<const TokenCounter> counter) {
  std::lock_guard lock(CounterMutex());
  CounterSlot() = std::move(counter);
}

std::shared_ptr<const TokenCounter> GetTokenCounter() {
  std::lock_guard lock(CounterMutex());
  return CounterSlot();
}

int64_t EstimateTokens(std::string_view text) {
  if (auto counter = GetTokenCounter()) return counter->CountTokens(text);
  return FastEstimateTokens(text);
}

int64_t FastEstimateTokens(std::string_view text) {
  // ASCII runs at about four bytes a token; every other code point (CJK, accents, emoji)
  // as a token of its own, which BPE tokenizers rarely beat.
  size_t ascii = 0;
  size_t other = 0;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      ++ascii;
    } else if ((byte & 0xC0) != 0x80) {
      ++other;  // a lead byte: one code point
    }
  }
  return static_cast<int64_t>((ascii + 3) / 4 + other);
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
