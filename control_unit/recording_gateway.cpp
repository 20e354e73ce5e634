#include "control_unit/recording_gateway.hpp"

#include <chrono>
#include <cmath>

#include "core/token_estimator.hpp"

namespace l2mac::control_unit {

Result<llm::ChatResponse> RecordingGateway::Call(const llm::ChatRequest& agent_request,
                                                 agents::CallPurpose purpose) {
  // What is sent is what is recorded, so a strict replay compares the temperature too.
  llm::ChatRequest request = agent_request;
  request.temperature = temperature_;
  const int64_t estimated_tokens = EstimateRequestTokens(request.messages, request.tools);
  const double fill_pct = usable_context_ > 0 ? 100.0 * static_cast<double>(estimated_tokens) /
                                                    static_cast<double>(usable_context_)
                                              : 0.0;
  const char* purpose_name = agents::CallPurposeName(purpose);
  if (events_ != nullptr) {
    events_->Emit(ModelCallStarted{purpose_name, estimated_tokens, fill_pct});
    request.on_text_delta = [this](std::string_view text) {
      events_->Emit(TextDelta{std::string(text)});
    };
  }
  auto start = std::chrono::steady_clock::now();
  auto response = provider_.Complete(request);
  request.on_text_delta = nullptr;
  if (!response.ok()) {
    if (events_ != nullptr) {
      ModelCallFinished failed;
      failed.purpose = purpose_name;
      failed.ok = false;
      failed.error = response.status().message();
      failed.context_fill_pct = fill_pct;
      events_->Emit(std::move(failed));
    }
    return response.status().WithContext("model call failed");
  }
  auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  const std::string& priced_as =
      !response->model.empty() && prices_.Find(response->model) ? response->model : fallback_model_;
  const auto cost_microusd =
      static_cast<int64_t>(std::llround(prices_.Cost(priced_as, response->usage) * 1e6));
  L2MAC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(workspace_.db()));
  L2MAC_RETURN_IF_ERROR(
      workspace_.exchanges().Record(agents::CallPurposeName(purpose), instruction_id_, request,
                                    *response, latency.count(), cost_microusd, estimated_tokens));
  if (!instruction_id_.empty()) {
    L2MAC_RETURN_IF_ERROR(workspace_.registry().AddUsage(
        instruction_id_, response->usage.prompt_tokens, response->usage.completion_tokens,
        response->usage.cached_tokens, cost_microusd, latency.count()));
  }
  if (events_ != nullptr) {
    events_->Emit(ModelCallFinished{
        purpose_name, true, "", response->usage.prompt_tokens, response->usage.completion_tokens,
        response->usage.cached_tokens, cost_microusd, latency.count(), fill_pct,
        response->finish_reason, static_cast<int>(response->message.tool_calls.size())});
    L2MAC_RETURN_IF_ERROR(events_->Flush());
  }
  L2MAC_RETURN_IF_ERROR(txn->Commit());
  return response;
}

}  // namespace l2mac::control_unit
