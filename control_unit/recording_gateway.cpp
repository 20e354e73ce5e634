#include "control_unit/recording_gateway.hpp"

#include <chrono>
#include <cmath>

#include "core/llm/request_tokens.hpp"

namespace l2mac::control_unit {

CallWorstCase RecordingGateway::WorstCase(const llm::ChatRequest& request) const {
  CallWorstCase call;
  call.prompt_tokens = llm::EstimateRequestTokens(counter_.get(), request.messages, request.tools);
  call.output_tokens = request.max_output_tokens;
  llm::Usage most;
  most.prompt_tokens = call.prompt_tokens;
  most.completion_tokens = call.output_tokens;
  // Priced as the configured model: the server names its model only in the reply.
  call.cost_microusd =
      static_cast<int64_t>(std::llround(prices_.Cost(fallback_model_, most) * 1e6));
  return call;
}

Result<std::optional<BudgetRefusal>> RecordingGateway::CheckBudgets(
    const llm::ChatRequest& request) {
  const bool instruction_capped = !instruction_id_.empty() && instruction_caps_.any();
  if (!run_budget_.any() && !instruction_capped) return std::optional<BudgetRefusal>();
  const CallWorstCase call = WorstCase(request);
  while (run_budget_.any()) {
    L2MAC_ASSIGN_OR_RETURN(auto totals, workspace_.exchanges().Totals());
    const Spent recorded{totals.prompt_tokens + totals.completion_tokens, totals.cost_microusd};
    Spent spent = recorded;
    if (in_flight_ != nullptr) {
      // Other lanes' calls in flight count as spent at their worst case.
      spent.tokens += in_flight_->tokens;
      spent.cost_microusd += in_flight_->cost_microusd;
    }
    auto refusal = CheckRunBudget(run_budget_, spent, call, workspace_.dir().string());
    if (!refusal) break;
    const bool others_in_flight =
        in_flight_ != nullptr && (in_flight_->tokens > 0 || in_flight_->cost_microusd > 0);
    if (!others_in_flight || state_lock_ == nullptr ||
        CheckRunBudget(run_budget_, recorded, call, workspace_.dir().string())) {
      return refusal;
    }
    // Only the reservations of calls in flight refuse it: wait until one settles (its real
    // spend recorded), then check again. Each wait ends with a call's end, so this ends.
    in_flight_->settled.wait(*state_lock_);
    if (IsCancelled(cancel_)) return Status::Cancelled("interrupted before a model call");
  }
  if (instruction_capped) {
    L2MAC_ASSIGN_OR_RETURN(auto spend, workspace_.exchanges().InstructionSpend(instruction_id_));
    return CheckInstructionCaps(instruction_id_, instruction_caps_,
                                Spent{spend.tokens, spend.cost_microusd}, call);
  }
  return std::optional<BudgetRefusal>();
}

Result<llm::ChatResponse> RecordingGateway::Call(const llm::ChatRequest& agent_request,
                                                 agents::CallPurpose purpose) {
  // What is sent is what is recorded, so a strict replay compares the temperature too.
  llm::ChatRequest request = agent_request;
  request.temperature = temperature_;
  request.cancel = cancel_;
  if (IsCancelled(cancel_)) return Status::Cancelled("interrupted before a model call");
  L2MAC_ASSIGN_OR_RETURN(auto refusal, CheckBudgets(request));
  if (refusal) {
    refusal_ = std::move(refusal);
    return Status::ResourceExhausted(refusal_->message);
  }
  if (attempt_ == 0) {
    L2MAC_ASSIGN_OR_RETURN(int64_t last, workspace_.exchanges().LastAttempt(instruction_id_));
    attempt_ = last + 1;
  }
  request.key = {instruction_id_, attempt_, ++turn_};
  const int64_t estimated_tokens =
      llm::EstimateRequestTokens(counter_.get(), request.messages, request.tools);
  const double fill_pct = usable_context_ > 0 ? 100.0 * static_cast<double>(estimated_tokens) /
                                                    static_cast<double>(usable_context_)
                                              : 0.0;
  const char* purpose_name = agents::CallPurposeName(purpose);
  if (events_ != nullptr) {
    events_->Emit(ModelCallStarted{purpose_name, estimated_tokens, fill_pct});
    request.on_text_delta = [this](std::string_view text) {
      events_->Emit(TextDelta{std::string(text)});
    };
    // What the provider says during the call becomes events, so nothing reaches spdlog
    // (the provider's fallback for callers without these callbacks).
    request.on_retry = [this, purpose_name](const llm::CallRetry& retry) {
      events_->Emit(ModelCallRetried{purpose_name, retry.attempt, retry.max_attempts,
                                     retry.delay.count(), retry.reason});
    };
    request.on_rate_limit_wait = [this](const llm::RateLimitWait& wait) {
      if (wait.finished) {
        events_->Emit(RateLimitWaited{wait.duration.count()});
      } else {
        events_->Emit(RateLimitWaitStarted{wait.duration.count()});
      }
    };
    request.on_warning = [this](std::string_view message) {
      events_->Emit(Notice{"warning", std::string(message)});
    };
  }
  auto start = std::chrono::steady_clock::now();
  Result<llm::ChatResponse> response = Status::Internal("the model was not called");
  {
    // The call's worst case is reserved against the run's budget while it is in flight,
    // and released however the call ends (an exception included: a reservation left
    // behind would make the lanes waiting on `settled` wait forever).
    InFlightReservation reserved(in_flight_, WorstCase(request));
    // The other lanes work while this one waits for the model.
    StateReleased released(state_lock_);
    response = provider_.Complete(request);
  }
  request.on_text_delta = nullptr;
  request.on_retry = nullptr;
  request.on_rate_limit_wait = nullptr;
  request.on_warning = nullptr;
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
