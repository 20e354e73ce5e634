// The token estimate of chat messages and requests, for context budgets, budget checks
// and the rate limiter. Deterministic for a given counter (core/token_estimator.hpp), so
// context restarts fall at the same points in a run and in its replay. Pure functions;
// the counter is borrowed for the call (null: the fast estimate).
#pragma once

#include <cstdint>
#include <vector>

#include "core/llm/message.hpp"
#include "core/token_estimator.hpp"

namespace l2mac::llm {

// A message: its content, each tool call's name and arguments, and a fixed overhead of
// 4 tokens per message and per tool call for the wire format's framing.
int64_t EstimateMessageTokens(const TokenCounter* counter, const ChatMessage& message);

// A whole request: every message plus each tool schema serialized as JSON (4 tokens of
// framing per schema).
int64_t EstimateRequestTokens(const TokenCounter* counter, const std::vector<ChatMessage>& messages,
                              const std::vector<ToolSchema>& tools);

}  // namespace l2mac::llm
