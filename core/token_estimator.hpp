// Token estimation for context budgeting. Deterministic and provider-independent: the
// same messages always give the same count, so that context restarts happen at the same
// points in a run and in its replay.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/llm/message.hpp"

namespace l2mac {

// Exact token counts (core/tiktoken_tokenizer.hpp). Implementations are immutable and
// safe to call from any thread.
class TokenCounter {
 public:
  virtual ~TokenCounter() = default;
  virtual int64_t CountTokens(std::string_view text) const = 0;
};

// Makes EstimateTokens (and so every count below) use `counter`; nullptr returns to the
// fast estimate. Contract: set once, before a run starts (the CLI does so for
// --tokenizer), and not changed while agents count: the swap itself is thread-safe, but a
// run whose counts changed midway would restart contexts at other points than its replay.
void SetTokenCounter(std::shared_ptr<const TokenCounter> counter);
std::shared_ptr<const TokenCounter> GetTokenCounter();

// The fast estimate, whatever counter is set (see EstimateTokens).
int64_t FastEstimateTokens(std::string_view text);

// The exact count of the counter set by SetTokenCounter, else the fast estimate:
// about four ASCII bytes per token, rounded up, plus one token per non-ASCII code point:
// close for English and code with BPE tokenizers, and on the safe (high) side for text in
// other scripts.
int64_t EstimateTokens(std::string_view text);

// A message: its content, each tool call's name and arguments, and a fixed overhead of
// 4 tokens per message and per tool call for the wire format's framing.
int64_t EstimateMessageTokens(const llm::ChatMessage& message);

// A whole request: every message plus each tool schema serialized as JSON.
int64_t EstimateRequestTokens(const std::vector<llm::ChatMessage>& messages,
                              const std::vector<llm::ToolSchema>& tools);

}  // namespace l2mac
