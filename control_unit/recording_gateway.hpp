// The ModelGateway the control unit gives its agents: calls the provider, then records
// the exchange and the instruction's token usage in the workspace database before
// returning the reply, so that nothing the agent acts on is ever unrecorded.
#pragma once

#include <string>

#include "agents/model_gateway.hpp"
#include "control_unit/workspace.hpp"
#include "core/llm/provider.hpp"

namespace l2mac::control_unit {

class RecordingGateway : public agents::ModelGateway {
 public:
  // Borrows both; they must outlive the gateway.
  RecordingGateway(llm::Provider& provider, Workspace& workspace)
      : provider_(provider), workspace_(workspace) {}

  // The instruction whose usage subsequent calls count against ("" while planning).
  void set_instruction(std::string id) { instruction_id_ = std::move(id); }

  Result<llm::ChatResponse> Call(const llm::ChatRequest& request,
                                 agents::CallPurpose purpose) override;

 private:
  llm::Provider& provider_;
  Workspace& workspace_;
  std::string instruction_id_;
};

}  // namespace l2mac::control_unit
