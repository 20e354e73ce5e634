// A reply cut off by the output token limit (finish_reason "length") may end in the
// middle of a tool call whose arguments are then incomplete JSON. Providers use these to
// notice that and, when asking again does not help, to drop the broken call with a note
// rather than hand it on as a call.
#pragma once

#include "core/llm/message.hpp"

namespace l2mac::llm {

// finish_reason is "length" (or Anthropic's "max_tokens") and some tool call's
// arguments are not a complete JSON value.
bool CutMidToolCall(const ChatResponse& response);

// Removes the tool calls whose arguments are not complete JSON and appends a note to the
// text saying which calls were dropped and why.
void DropCutToolCalls(ChatResponse& response);

}  // namespace l2mac::llm
