#include "agents/context_budget.hpp"

#include <algorithm>

#include "core/llm/request_tokens.hpp"

namespace l2mac::agents {

ContextBudget ContextBudget::ForWindow(int64_t window_tokens, double estimate_scale,
                                       int64_t output_tokens,
                                       std::shared_ptr<const TokenCounter> counter) {
  ContextBudget budget;
  budget.counter = std::move(counter);
  budget.window_tokens = window_tokens;
  budget.estimate_scale = estimate_scale > 0 ? estimate_scale : 1.0;
  budget.reserved_output_tokens =
      output_tokens > 0 ? output_tokens : std::min<int64_t>(4096, window_tokens / 4);
  budget.margin_tokens = window_tokens / 20;
  return budget;
}

int64_t ContextBudget::Estimate(const std::vector<llm::ChatMessage>& messages,
                                const std::vector<llm::ToolSchema>& tools) const {
  return llm::EstimateRequestTokens(counter.get(), messages, tools);
}

AgentContext::AgentContext(std::vector<llm::ChatMessage> base, std::vector<llm::ToolSchema> tools,
                           ContextBudget budget)
    : messages_(std::move(base)), tools_(std::move(tools)), budget_(budget) {
  base_size_ = messages_.size();
}

int64_t AgentContext::EstimatedTokens() const { return budget_.Estimate(messages_, tools_); }

Result<llm::ChatMessage> AgentContext::Ask(ModelGateway& model, CallPurpose purpose) {
  llm::ChatRequest request;
  request.messages = messages_;
  request.tools = tools_;
  request.max_output_tokens = static_cast<int>(budget_.reserved_output_tokens);
  L2MAC_ASSIGN_OR_RETURN(auto response, model.Call(request, purpose));
  llm::ChatMessage reply = std::move(response.message);
  reply.role = llm::Role::kAssistant;
  messages_.push_back(reply);
  return reply;
}

bool AgentContext::BaseTooLarge() const {
  std::vector<llm::ChatMessage> base(messages_.begin(),
                                     messages_.begin() + static_cast<std::ptrdiff_t>(base_size_));
  return budget_.Estimate(base, tools_) > budget_.usable();
}

std::vector<llm::ChatMessage> AgentContext::SummaryRequestMessages(
    const std::string& summary_prompt) const {
  std::vector<llm::ChatMessage> base(messages_.begin(),
                                     messages_.begin() + static_cast<std::ptrdiff_t>(base_size_));
  // Group the conversation into turns: an assistant message and the tool results after it.
  std::vector<std::vector<llm::ChatMessage>> turns;
  for (size_t i = base_size_; i < messages_.size(); ++i) {
    if (messages_[i].role != llm::Role::kTool || turns.empty()) turns.emplace_back();
    turns.back().push_back(messages_[i]);
  }
  llm::ChatMessage request = llm::ChatMessage::User(summary_prompt);
  size_t first_turn = 0;
  auto build = [&]() {
    std::vector<llm::ChatMessage> out = base;
    for (size_t t = first_turn; t < turns.size(); ++t) {
      out.insert(out.end(), turns[t].begin(), turns[t].end());
    }
    out.push_back(request);
    return out;
  };
  std::vector<llm::ChatMessage> out = build();
  // The summary request carries no tool schemas, so only the messages count.
  while (first_turn < turns.size() && budget_.Estimate(out, {}) > budget_.usable()) {
    ++first_turn;
    out = build();
  }
  return out;
}

void AgentContext::Restart(std::vector<llm::ChatMessage> new_base, llm::ChatMessage carry_over) {
  messages_ = std::move(new_base);
  messages_.push_back(std::move(carry_over));
  // The carry-over joins the base: a later summary request must never drop the progress
  // summarized before.
  base_size_ = messages_.size();
}

}  // namespace l2mac::agents
