// The JSONL transcript format that `l2mac transcript` writes and `--replay` reads.
//
// One line per model exchange, in call order:
//   {"request": {"messages": [<OpenAI-format messages>], "tools": ["read_file", ...],
//                "max_output_tokens": 4096, "temperature": 0},
//    "response": {"content": "...", "tool_calls": [{"id": "c1", "name": "write_file",
//                 "arguments": {...} or "<raw JSON text>"}],
//                 "finish_reason": "tool_calls", "usage": {"prompt_tokens": N,
//                 "completion_tokens": N}}}
// "request" is optional when reading (hand-written demo transcripts omit it); in
// "response" only "content" or "tool_calls" is required. A tool call's "arguments" may be
// a JSON object (serialized compactly) or a string (kept verbatim, even if invalid JSON,
// so that recorded model mistakes replay faithfully).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/llm/message.hpp"
#include "core/status.hpp"

namespace l2mac::llm {

// {"messages": [...], "tools": ["name", ...], "max_output_tokens": N, "temperature": T}:
// what a strict replay compares. (Transcripts recorded before the last two were added
// are compared without them.)
nlohmann::json RequestToTranscriptJson(const ChatRequest& request);
nlohmann::json ExchangeToTranscriptJson(const ChatRequest& request, const ChatResponse& response);
nlohmann::json ResponseToTranscriptJson(const ChatResponse& response);
Result<ChatResponse> ResponseFromTranscriptJson(const nlohmann::json& json);

}  // namespace l2mac::llm
