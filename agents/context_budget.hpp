// The token budget of one agent context and the bookkeeping for restarting it.
//
// A context is the base messages (system prompt, task, instruction, manifest, summaries)
// followed by the conversation: assistant messages and the tool results that answer
// them. The usable budget is the model's window minus the tokens reserved for the reply
// minus a safety margin. When the next request would not fit, the agent asks for a
// progress summary and restarts from fresh base messages plus that summary.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agents/model_gateway.hpp"
#include "core/llm/message.hpp"
#include "core/status.hpp"
#include "core/token_estimator.hpp"

namespace l2mac::agents {

// A value; copies share the counter, which is immutable (safe from any thread).
struct ContextBudget {
  int64_t window_tokens = 128000;
  int64_t reserved_output_tokens = 4096;
  int64_t margin_tokens = 1024;
  // How many tokens the server counts per token l2mac estimates (--calibrate-tokens): the
  // usable budget is expressed in estimated tokens, so it shrinks when the estimator runs
  // low and grows when it runs high.
  double estimate_scale = 1.0;
  // What counts the tokens the budget is expressed in: the run's counter (--tokenizer),
  // null for the fast estimate. Every agent of a run gets the same one, so its contexts
  // restart at the same points on resume and replay.
  std::shared_ptr<const TokenCounter> counter;

  // From a window: reserve `output_tokens` for the reply (0: min(4096, window/4), the
  // default of --max-output-tokens), window/20 as margin. Each request asks for at most
  // the reserved output tokens.
  static ContextBudget ForWindow(int64_t window_tokens, double estimate_scale = 1.0,
                                 int64_t output_tokens = 0,
                                 std::shared_ptr<const TokenCounter> counter = nullptr);
  int64_t usable() const {
    return static_cast<int64_t>(
        static_cast<double>(window_tokens - reserved_output_tokens - margin_tokens) /
        estimate_scale);
  }
  // A request's size as this budget counts it (EstimateRequestTokens with `counter`).
  int64_t Estimate(const std::vector<llm::ChatMessage>& messages,
                   const std::vector<llm::ToolSchema>& tools) const;
};

class AgentContext {
 public:
  AgentContext(std::vector<llm::ChatMessage> base, std::vector<llm::ToolSchema> tools,
               ContextBudget budget);

  const std::vector<llm::ChatMessage>& messages() const { return messages_; }
  const std::vector<llm::ToolSchema>& tools() const { return tools_; }
  const ContextBudget& budget() const { return budget_; }

  void Append(llm::ChatMessage message) { messages_.push_back(std::move(message)); }
  // Sends the context (messages and tool schemas, with the reserved output tokens as the
  // reply's limit) to the model and appends the reply as an assistant message.
  Result<llm::ChatMessage> Ask(ModelGateway& model, CallPurpose purpose);
  int64_t EstimatedTokens() const;
  // True when the current messages (and tool schemas) no longer fit the usable budget.
  bool NeedsRestart() const { return EstimatedTokens() > budget_.usable(); }
  // True when a fresh context (base only) would not fit: restarting cannot help.
  bool BaseTooLarge() const;
  // Whether the conversation has anything beyond the base messages.
  bool HasConversation() const { return messages_.size() > base_size_; }

  // The messages for a summary request: the conversation with `summary_prompt` appended,
  // dropping the oldest whole turns (an assistant message together with the tool results
  // answering it) until it fits the budget. Never separates a tool call from its result.
  std::vector<llm::ChatMessage> SummaryRequestMessages(const std::string& summary_prompt) const;

  // Starts over from `new_base` (freshly built, e.g. with an updated manifest) plus
  // `carry_over` (the restart message with the summary), which from then on counts as
  // part of the base.
  void Restart(std::vector<llm::ChatMessage> new_base, llm::ChatMessage carry_over);

 private:
  std::vector<llm::ChatMessage> messages_;
  size_t base_size_ = 0;
  std::vector<llm::ToolSchema> tools_;
  ContextBudget budget_;
};

}  // namespace l2mac::agents
