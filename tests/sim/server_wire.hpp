// The server's side of the wire formats, for the simulated model server and the tests:
// what an OpenAI-compatible or an Anthropic server writes as a whole (non-streamed) reply,
// and how the Anthropic server reads a request. The client's side (core/llm/*_wire.hpp)
// is the inverse of these, which the round-trip tests in tests/core check. Test support
// only: nothing in the library uses these. Pure functions; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include "core/llm/message.hpp"
#include "core/status.hpp"

namespace l2mac::sim {

// {"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details"?}.
nlohmann::json UsageToOpenAiJson(const llm::Usage& usage);

// A chat-completions response (one choice) as an OpenAI-compatible server sends it.
nlohmann::json ResponseToOpenAiJson(const llm::ChatResponse& response);

// A Messages API response as Anthropic sends it: text and tool_use blocks, the stop
// reason mapped back, usage split into fresh input and cache reads.
nlohmann::json ResponseToAnthropicJson(const llm::ChatResponse& response);

// A Messages API request body read back into a ChatRequest (the simulated server
// translates Anthropic requests to the form its scripted handler sees). Errors:
// kInvalidArgument for a body that is not such a request.
Result<llm::ChatRequest> RequestFromAnthropicJson(const nlohmann::json& body);

}  // namespace l2mac::sim
