// The ModelGateway the control unit gives its agents: calls the provider, then records
// the exchange and the instruction's token usage in the workspace database before
// returning the reply, so that nothing the agent acts on is ever unrecorded.
#pragma once

#include <string>

#include "agents/model_gateway.hpp"
#include "control_unit/event_emitter.hpp"
#include "control_unit/workspace.hpp"
#include "core/llm/prices.hpp"
#include "core/llm/provider.hpp"

namespace l2mac::control_unit {

class RecordingGateway : public agents::ModelGateway {
 public:
  // Borrows both; they must outlive the gateway.
  RecordingGateway(llm::Provider& provider, Workspace& workspace)
      : provider_(provider), workspace_(workspace) {}

  // The instruction whose usage subsequent calls count against ("" while planning).
  void set_instruction(std::string id) { instruction_id_ = std::move(id); }
  // Prices calls: by the model the server names, else by `fallback_model`.
  void set_pricing(llm::PriceTable prices, std::string fallback_model) {
    prices_ = std::move(prices);
    fallback_model_ = std::move(fallback_model);
  }

  // The sampling temperature every call is sent (and recorded) with (--temperature).
  void set_temperature(double temperature) { temperature_ = temperature; }

  // Where model_call_started/finished and the reply's text deltas go (borrowed; null:
  // nowhere). The finished event is flushed in the transaction that records the exchange.
  void set_events(EventEmitter* events) { events_ = events; }
  // The usable context budget (estimated tokens) of the agent calling next, for the
  // events' context fill; 0: unknown.
  void set_usable_context(int64_t tokens) { usable_context_ = tokens; }

  Result<llm::ChatResponse> Call(const llm::ChatRequest& request,
                                 agents::CallPurpose purpose) override;

 private:
  llm::Provider& provider_;
  Workspace& workspace_;
  std::string instruction_id_;
  llm::PriceTable prices_ = llm::PriceTable::BuiltIn();
  std::string fallback_model_;
  double temperature_ = 0.0;
  EventEmitter* events_ = nullptr;
  int64_t usable_context_ = 0;
};

}  // namespace l2mac::control_unit
