// Translation between l2mac's chat value types and the OpenAI chat-completions JSON.
// Parsing is strict: a field of the wrong type is an error naming the field, never a
// silent default.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/llm/message.hpp"
#include "core/status.hpp"

namespace l2mac::llm {

// One message in OpenAI format: {"role", "content", "tool_calls"?, "tool_call_id"?}.
nlohmann::json MessageToOpenAiJson(const ChatMessage& message);
Result<ChatMessage> MessageFromOpenAiJson(const nlohmann::json& json);

// The body of POST /chat/completions. The output limit and the temperature follow the
// model's quirks (model_quirks.hpp): "max_completion_tokens" and no "temperature" for
// OpenAI's reasoning models, "max_tokens" and "temperature" for every other.
nlohmann::json RequestToOpenAiJson(const ChatRequest& request, const std::string& model);

// The body of a non-streaming chat-completions response (first choice).
Result<ChatResponse> ParseOpenAiResponse(std::string_view body);

}  // namespace l2mac::llm
