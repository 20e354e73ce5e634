// Assembles a chat completion from the events of an OpenAI streaming response
// ("stream": true): content deltas are concatenated, tool-call deltas are assembled by
// their "index" (id and name arrive once, the arguments text in pieces), the finish
// reason comes from the last choice chunk and the usage from the final chunk (sent when
// the request asks for "stream_options": {"include_usage": true}).
//
// Not thread-safe; one assembler per response. Bounded: at most kMaxToolCalls calls.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/llm/message.hpp"
#include "core/status.hpp"

namespace l2mac::llm {

class OpenAiStreamAssembler {
 public:
  static constexpr int64_t kMaxToolCalls = 256;

  // `on_text_delta` (may be empty) gets each content delta as it is added.
  explicit OpenAiStreamAssembler(TextDeltaCallback on_text_delta = {})
      : on_text_delta_(std::move(on_text_delta)) {}

  // One event's data. "[DONE]" (exactly) ends the stream; anything after it is an error.
  // Errors: kInvalidArgument for a chunk that is not a JSON object of the expected shape
  // (the message names the field), kUnavailable for an error object the server streamed.
  Status AddData(std::string_view data);

  bool done() const { return done_; }
  // The reply so far. Errors (kUnavailable, so a caller may retry) when the stream ended
  // before it was complete: neither "[DONE]" nor a finish reason arrived.
  Result<ChatResponse> Finish() const;

 private:
  Status AddChoice(const nlohmann::json& choice);
  Status AddToolCallDelta(const nlohmann::json& delta, size_t position);

  TextDeltaCallback on_text_delta_;
  ChatResponse response_;
  std::map<int64_t, ToolCall> calls_;  // by the delta's index
  int64_t last_index_ = -1;
  bool done_ = false;
  bool any_chunk_ = false;
};

}  // namespace l2mac::llm
