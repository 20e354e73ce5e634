// Tool calling for models without it: a Provider decorator that describes the tools in
// the system prompt and reads tool calls back from fenced blocks in the reply text,
//
//   ```tool write_file
//   {"path": "app.py", "content": "print('hi')\n"}
//   ```
//
// so agents see the same ToolCall values either way (agents/worker.cpp does not know).
// Earlier tool calls in the conversation are rendered in the same form, and tool results
// become user messages ("Result of <id> (<tool>): ..."), since such servers know no
// "tool" role either.
//
// kAuto sends tools natively until the server refuses them (an HTTP 400/422 whose message
// mentions tools), then switches to the text protocol for the rest of the run and repeats
// the refused call. Thread-safe if the inner provider is.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/llm/provider.hpp"

namespace l2mac::llm {

enum class TextProtocolMode { kNever, kAuto, kAlways };

Result<TextProtocolMode> ParseTextProtocolMode(const std::string& name);  // never|auto|always

// Whether a failed call means the server refuses `tools` (an HTTP 400/422 whose message
// mentions tools or functions): what makes kAuto switch, and what `doctor --model` reports.
bool IsRefusalOfTools(const Status& status);

std::unique_ptr<Provider> WithTextToolProtocol(std::unique_ptr<Provider> inner,
                                               TextProtocolMode mode);

// The pieces, exposed for tests: the request rewritten for the text protocol, and the
// tool calls parsed out of a reply's text (which is returned without the blocks).
ChatRequest ToTextProtocolRequest(const ChatRequest& request);
ChatResponse FromTextProtocolResponse(ChatResponse response);

}  // namespace l2mac::llm
