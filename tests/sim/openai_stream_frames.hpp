// The Server-Sent Events an OpenAI-compatible server streams for a reply ("stream":
// true): a role chunk, the content and each tool call's arguments in small pieces, a
// finish chunk, a usage chunk and "data: [DONE]". Used by the simulated server, the
// tests and the benchmarks.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/llm/message.hpp"

namespace l2mac::sim {

// Each element is one complete event ("data: {...}\n\n"). Text is cut into pieces of at
// most `piece_bytes` bytes on UTF-8 character boundaries.
std::vector<std::string> OpenAiStreamFrames(const llm::ChatResponse& response,
                                            size_t piece_bytes = 16);

}  // namespace l2mac::sim
