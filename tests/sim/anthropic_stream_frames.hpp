// The Server-Sent Events Anthropic's Messages API streams for a reply: message_start,
// a text block and one tool_use block per call (their input as input_json_delta pieces),
// a ping, message_delta with the stop reason and output usage, message_stop.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/llm/message.hpp"

namespace l2mac::sim {

std::vector<std::string> AnthropicStreamFrames(const llm::ChatResponse& response,
                                               size_t piece_bytes = 16);

}  // namespace l2mac::sim
