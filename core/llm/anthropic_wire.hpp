// Translation between l2mac's chat value types and Anthropic's Messages API
// (POST /v1/messages), streaming included.
//
// Requests: system messages become the top-level "system"; tool results become
// "tool_result" blocks of a user turn (consecutive ones merged, as the API requires
// alternating roles); assistant tool calls become "tool_use" blocks with their arguments
// as the "input" object. Prompt caching: "cache_control" marks the end of the stable
// prefix of every context (the tool schemas, the system prompt and the first user
// message, which carries the task), so repeated calls of one instruction read it from
// the cache.
//
// Responses: stop_reason end_turn/tool_use/max_tokens map to stop/tool_calls/length;
// usage.prompt_tokens counts every input token (fresh, cache writes and cache reads),
// usage.cached_tokens the cache reads.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/llm/message.hpp"
#include "core/status.hpp"

namespace l2mac::llm {

nlohmann::json RequestToAnthropicJson(const ChatRequest& request, const std::string& model);
Result<ChatResponse> ParseAnthropicResponse(std::string_view body);

// The server's side (reading requests, writing replies) is test support: tests/sim/server_wire.hpp.

// Assembles a reply from the events of a streamed response (message_start,
// content_block_start/delta/stop with text_delta and input_json_delta, message_delta,
// message_stop, ping, error).
class AnthropicStreamAssembler {
 public:
  // `on_text_delta` (may be empty) gets each text delta as it is added.
  explicit AnthropicStreamAssembler(TextDeltaCallback on_text_delta = {})
      : on_text_delta_(std::move(on_text_delta)) {}
  // Errors: kInvalidArgument for a malformed event, kUnavailable for a streamed "error"
  // event (overloaded_error and the like), so callers may retry.
  Status AddEvent(std::string_view type, std::string_view data);
  bool done() const { return done_; }
  // kUnavailable when the stream ended before message_stop and without a stop reason.
  Result<ChatResponse> Finish() const;

 private:
  struct Block {
    std::string type;  // "text" or "tool_use"
    std::string text;  // text, or the tool input's JSON text
    std::string id;
    std::string name;
  };
  TextDeltaCallback on_text_delta_;
  ChatResponse response_;
  std::map<int64_t, Block> blocks_;
  int64_t input_tokens_ = 0;
  bool done_ = false;
};

}  // namespace l2mac::llm
