#include "core/llm/text_tool_protocol.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace l2mac::llm {
namespace {

using nlohmann::json;

constexpr std::string_view kFence = "```";
constexpr std::string_view kToolFence = "```tool ";

std::string ToolBlock(const std::string& name, const std::string& arguments) {
  return fmt::format("```tool {}\n{}\n```", name, arguments);
}

std::string Instructions(const std::vector<ToolSchema>& tools) {
  std::string text =
      "\n\n# Tools\n\nThis conversation has no native tool calling. To call a tool, write a "
      "fenced block whose info string is `tool` and the tool's name, holding its arguments "
      "as one JSON object on the lines inside, exactly like this:\n\n```tool write_file\n"
      "{\"path\": \"hello.py\", \"content\": \"print('hello')\\n\"}\n```\n\nYou may write "
      "several such blocks in one reply; they run in order, and their results come back in "
      "the next message. Text outside the blocks is for your own notes. The tools:\n";
  for (const ToolSchema& tool : tools) {
    text += fmt::format("\n## {}\n{}\nArguments (JSON Schema): {}\n", tool.name, tool.description,
                        tool.parameters.is_null() ? "{}" : tool.parameters.dump());
  }
  return text;
}

class TextToolProtocolProvider final : public Provider {
 public:
  TextToolProtocolProvider(std::unique_ptr<Provider> inner, TextProtocolMode mode)
      : inner_(std::move(inner)), text_(mode == TextProtocolMode::kAlways) {}

  Result<ChatResponse> Complete(const ChatRequest& request) override {
    if (request.tools.empty() && !HasToolTurns(request)) return inner_->Complete(request);
    if (!text_.load()) {
      Result<ChatResponse> native = inner_->Complete(request);
      if (native.ok() || !IsRefusalOfTools(native.status())) return native;
      const std::string warning = fmt::format(
          "the model server refused tool calling ({}); switching to the text tool "
          "protocol (fenced blocks) for the rest of the run",
          native.status().message());
      // spdlog only for a caller that takes no warnings (outside a run).
      if (request.on_warning) {
        request.on_warning(warning);
      } else {
        spdlog::warn("{}", warning);
      }
      text_.store(true);
    }
    L2MAC_ASSIGN_OR_RETURN(ChatResponse response, inner_->Complete(ToTextProtocolRequest(request)));
    ChatResponse decoded = FromTextProtocolResponse(std::move(response));
    // Ids unique within the conversation (and the same on every replay): numbered on from
    // the calls the conversation already holds.
    size_t earlier = 0;
    for (const ChatMessage& message : request.messages) earlier += message.tool_calls.size();
    for (size_t i = 0; i < decoded.message.tool_calls.size(); ++i) {
      decoded.message.tool_calls[i].id = fmt::format("text_call_{}", earlier + i + 1);
    }
    return decoded;
  }

  std::string Describe() const override { return inner_->Describe(); }
  bool AnswersInCallOrder() const override { return inner_->AnswersInCallOrder(); }

 private:
  static bool HasToolTurns(const ChatRequest& request) {
    return std::any_of(request.messages.begin(), request.messages.end(), [](const ChatMessage& m) {
      return m.role == Role::kTool || !m.tool_calls.empty();
    });
  }

  std::unique_ptr<Provider> inner_;
  std::atomic<bool> text_;
};

}  // namespace

bool IsRefusalOfTools(const Status& status) {
  if (status.code() != StatusCode::kInvalidArgument) return false;
  std::string message = status.message();
  std::transform(message.begin(), message.end(), message.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return message.find("tool") != std::string::npos || message.find("function") != std::string::npos;
}

Result<TextProtocolMode> ParseTextProtocolMode(const std::string& name) {
  if (name == "never") return TextProtocolMode::kNever;
  if (name == "auto" || name.empty()) return TextProtocolMode::kAuto;
  if (name == "always") return TextProtocolMode::kAlways;
  return Status::InvalidArgument(
      fmt::format("text protocol mode '{}' is not one of never, auto, always", name));
}

std::unique_ptr<Provider> WithTextToolProtocol(std::unique_ptr<Provider> inner,
                                               TextProtocolMode mode) {
  if (mode == TextProtocolMode::kNever) return inner;
  return std::make_unique<TextToolProtocolProvider>(std::move(inner), mode);
}

ChatRequest ToTextProtocolRequest(const ChatRequest& request) {
  ChatRequest out;
  out.max_output_tokens = request.max_output_tokens;
  out.temperature = request.temperature;
  out.cancel = request.cancel;
  out.on_text_delta = request.on_text_delta;  // the fenced tool blocks stream as text too
  out.on_retry = request.on_retry;
  out.on_rate_limit_wait = request.on_rate_limit_wait;
  out.on_warning = request.on_warning;
  bool described = false;
  for (const ChatMessage& message : request.messages) {
    switch (message.role) {
      case Role::kSystem: {
        ChatMessage system = message;
        if (!described) {
          system.content += Instructions(request.tools);
          described = true;
        }
        out.messages.push_back(std::move(system));
        break;
      }
      case Role::kAssistant: {
        std::string text = message.content;
        for (const ToolCall& call : message.tool_calls) {
          if (!text.empty()) text += "\n\n";
          text += ToolBlock(call.name, call.arguments);
        }
        out.messages.push_back(ChatMessage::Assistant(std::move(text)));
        break;
      }
      case Role::kTool: {
        std::string name;
        for (const ChatMessage& earlier : request.messages) {
          for (const ToolCall& call : earlier.tool_calls) {
            if (call.id == message.tool_call_id) name = call.name;
          }
        }
        std::string text =
            fmt::format("Result of {} ({}):\n{}", message.tool_call_id, name, message.content);
        // Consecutive results share one user message, keeping roles alternating.
        if (!out.messages.empty() && out.messages.back().role == Role::kUser &&
            out.messages.back().content.starts_with("Result of ")) {
          out.messages.back().content += "\n\n" + text;
        } else {
          out.messages.push_back(ChatMessage::User(std::move(text)));
        }
        break;
      }
      case Role::kUser:
        out.messages.push_back(message);
        break;
    }
  }
  if (!described && !request.tools.empty()) {
    out.messages.insert(out.messages.begin(), ChatMessage::System(Instructions(request.tools)));
  }
  return out;
}

ChatResponse FromTextProtocolResponse(ChatResponse response) {
  const std::string text = std::move(response.message.content);
  std::string kept;
  std::vector<ToolCall> calls;
  size_t at = 0;
  while (at < text.size()) {
    size_t line_end = text.find('\n', at);
    if (line_end == std::string::npos) line_end = text.size();
    std::string_view line(text.data() + at, line_end - at);
    if (line.starts_with(kToolFence)) {
      std::string name(line.substr(kToolFence.size()));
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())))
        name.pop_back();
      // The arguments run to the closing fence, or to the end of a reply cut short.
      size_t body_start = std::min(line_end + 1, text.size());
      size_t close = body_start;
      std::string arguments;
      while (close < text.size()) {
        size_t end = text.find('\n', close);
        if (end == std::string::npos) end = text.size();
        std::string_view body_line(text.data() + close, end - close);
        if (body_line == kFence || body_line == "```\r") {
          close = end;
          break;
        }
        if (!arguments.empty()) arguments += '\n';
        arguments.append(body_line);
        close = end + 1;
      }
      calls.push_back({fmt::format("text_call_{}", calls.size() + 1), name,
                       arguments.empty() ? std::string("{}") : arguments});
      at = std::min(close + 1, text.size());
      continue;
    }
    kept.append(line);
    if (line_end < text.size()) kept += '\n';
    at = line_end + 1;
  }
  while (!kept.empty() && std::isspace(static_cast<unsigned char>(kept.back()))) kept.pop_back();
  response.message.content = std::move(kept);
  response.message.tool_calls = std::move(calls);
  if (!response.message.tool_calls.empty() && response.finish_reason == "stop") {
    response.finish_reason = "tool_calls";
  }
  return response;
}

}  // namespace l2mac::llm
