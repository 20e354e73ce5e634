// Plain value types for a conversation with a chat model, independent of any provider's
// wire format. Providers translate these to and from their own JSON.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/cancel_token.hpp"
#include "core/llm/call_notices.hpp"

namespace l2mac::llm {

enum class Role { kSystem, kUser, kAssistant, kTool };

const char* RoleName(Role role);  // "system", "user", "assistant", "tool"

// One tool invocation requested by the model. `arguments` is the raw JSON text exactly as
// the model produced it: it may be invalid JSON, which the agent reports back to the model
// rather than trusting.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;

  bool operator==(const ToolCall&) const = default;
};

struct ChatMessage {
  Role role = Role::kUser;
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant messages only
  std::string tool_call_id;          // tool messages only: the call this answers

  static ChatMessage System(std::string text) { return {Role::kSystem, std::move(text), {}, {}}; }
  static ChatMessage User(std::string text) { return {Role::kUser, std::move(text), {}, {}}; }
  static ChatMessage Assistant(std::string text, std::vector<ToolCall> calls = {}) {
    return {Role::kAssistant, std::move(text), std::move(calls), {}};
  }
  static ChatMessage ToolResult(std::string call_id, std::string text) {
    return {Role::kTool, std::move(text), {}, std::move(call_id)};
  }

  bool operator==(const ChatMessage&) const = default;
};

// A tool the model may call: `parameters` is a JSON Schema object.
struct ToolSchema {
  std::string name;
  std::string description;
  nlohmann::json parameters;
};

// Receives the reply's text as a streamed response delivers it, piece by piece.
using TextDeltaCallback = std::function<void(std::string_view text)>;

// Which call of a run an exchange is, independent of when it happened: the instruction
// (or "" for planning, "judge:<round>" for a judge), its try (from 1: a rerun after a
// merge conflict is the next), and the call within the try (from 1). Parallel lanes
// interleave their calls differently in every run; a replay finds each call's response by
// this key instead of by order. Empty `instruction` with `attempt` 0: no key.
struct ExchangeKey {
  std::string instruction;
  int64_t attempt = 0;
  int64_t turn = 0;

  bool empty() const { return attempt == 0; }
  bool operator==(const ExchangeKey&) const = default;
  auto operator<=>(const ExchangeKey&) const = default;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::vector<ToolSchema> tools;  // empty: the model must answer in text
  int max_output_tokens = 4096;
  double temperature = 0.0;
  // Borrowed, may be null: when cancelled, a provider aborts the call in flight (and any
  // retry wait) and returns kCancelled. Not part of what is sent or recorded.
  const CancelToken* cancel = nullptr;
  // Optional, not part of what is sent or recorded: called on the caller's thread with
  // each piece of the reply's text as a streamed response arrives (not for tool-call
  // arguments, nor when the response is not streamed). A retried attempt streams its text
  // again from the start. The complete reply is still the returned ChatResponse.
  TextDeltaCallback on_text_delta;
  // Optional, not part of what is sent or recorded (see call_notices.hpp): a retry about to
  // be made, a rate-limit wait, a warning. Unset, the provider logs them with spdlog.
  RetryCallback on_retry;
  RateLimitWaitCallback on_rate_limit_wait;
  WarningCallback on_warning;
  // Not sent; recorded beside the exchange, and what a keyed replay looks the response up
  // by (replay_provider.hpp).
  ExchangeKey key;
};

struct Usage {
  int64_t prompt_tokens = 0;  // all input tokens, cached ones included
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;  // of prompt_tokens, served from the provider's prompt cache

  bool operator==(const Usage&) const = default;
};

struct ChatResponse {
  ChatMessage message;        // role is kAssistant
  std::string finish_reason;  // "stop", "tool_calls", "length", ... as the server said
  Usage usage;
  std::string model;  // the model that answered, when the server says

  bool operator==(const ChatResponse&) const = default;
};

}  // namespace l2mac::llm
