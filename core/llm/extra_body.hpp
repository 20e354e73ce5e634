// Server-specific request fields (the configuration's model.extra_body): a JSON object
// whose top-level keys are added to every request body, in both wire formats, e.g.
// {"top_p": 0.9, "seed": 7} or vLLM's {"repetition_penalty": 1.1}. A key replaces
// nothing l2mac sends: the keys l2mac sets itself (the conversation, the tools,
// streaming, the model, the output limit, the temperature) are refused, naming the
// setting to use instead.
//
// Stateless functions over immutable data: thread-safe.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.hpp"

namespace l2mac::llm {

struct OwnedRequestKey {
  std::string_view key;      // "messages"
  std::string_view setting;  // what sets it instead: "the conversation l2mac builds"
};

// The first key of `extra` that l2mac sets itself, or null (also when `extra` is not an
// object).
const OwnedRequestKey* FirstOwnedKey(const nlohmann::json& extra);

// OK for null or an object without owned keys; else kInvalidArgument naming the key
// ("extra_body.messages is set by l2mac itself ...").
Status ValidateExtraBody(const nlohmann::json& extra);

// Adds every key of `extra` (null: none) to `body`. Call ValidateExtraBody first.
void MergeExtraBody(const nlohmann::json& extra, nlohmann::json& body);

}  // namespace l2mac::llm
