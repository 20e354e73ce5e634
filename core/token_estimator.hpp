// Token estimation for context budgeting. Deterministic and provider-independent: the
// same messages and the same counter always give the same count, so that context restarts
// happen at the same points in a run and in its replay.
//
// There is no process-wide counter: whoever counts is handed the run's counter (a
// RunOptions::token_counter held by the context budgets and the gateway, an
// llm::OpenAiOptions::token_counter held by a provider), so two runs in one process may
// count with different tokenizers. A null counter means the fast estimate.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace l2mac {

// Exact token counts (core/tiktoken_tokenizer.hpp). Implementations are immutable and
// safe to call from any thread, so one counter may be shared by every agent of a run and
// by several runs.
class TokenCounter {
 public:
  virtual ~TokenCounter() = default;
  virtual int64_t CountTokens(std::string_view text) const = 0;
};

// The fast estimate: about four ASCII bytes per token, rounded up, plus one token per
// non-ASCII code point: close for English and code with BPE tokenizers, and on the safe
// (high) side for text in other scripts.
int64_t FastEstimateTokens(std::string_view text);

// `counter`'s exact count of `text`; the fast estimate when `counter` is null. `counter`
// is borrowed for the call.
int64_t EstimateTokens(const TokenCounter* counter, std::string_view text);

// Counting a chat request is core/llm/request_tokens.hpp: core knows no chat types.

}  // namespace l2mac
