// Shared pieces for the agents tests: an in-memory store and a scripted ModelGateway.
// The gateway is the agents' seam to the model; scripting it tests the loop logic
// exactly, while the real HTTP path is covered by the scenario tests.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "agents/model_gateway.hpp"
#include "core/sqlite.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::agents::testing {

struct MemoryStore {
  MemoryStore() {
    db = std::move(Database::Open(":memory:")).value();
    store = std::move(filestore::FileStore::Open(*db)).value();
    txn = std::move(store->Begin()).value();
  }
  std::unique_ptr<Database> db;
  std::unique_ptr<filestore::FileStore> store;
  std::unique_ptr<filestore::StoreTransaction> txn;
};

inline llm::ToolCall Call(const std::string& id, const std::string& name,
                          const nlohmann::json& args) {
  return {id, name, args.dump()};
}

inline llm::ChatResponse Reply(std::vector<llm::ToolCall> calls, std::string text = "") {
  llm::ChatResponse response;
  response.message = llm::ChatMessage::Assistant(std::move(text), std::move(calls));
  response.finish_reason = response.message.tool_calls.empty() ? "stop" : "tool_calls";
  response.usage = {100, 10};
  return response;
}

class ScriptedGateway : public ModelGateway {
 public:
  explicit ScriptedGateway(std::deque<llm::ChatResponse> replies) : replies_(std::move(replies)) {}
  Result<llm::ChatResponse> Call(const llm::ChatRequest& request, CallPurpose purpose) override {
    requests.push_back(request);
    purposes.push_back(purpose);
    if (replies_.empty()) return Status::ResourceExhausted("script exhausted");
    auto reply = replies_.front();
    replies_.pop_front();
    return reply;
  }
  std::vector<llm::ChatRequest> requests;
  std::vector<CallPurpose> purposes;

 private:
  std::deque<llm::ChatResponse> replies_;
};

}  // namespace l2mac::agents::testing
