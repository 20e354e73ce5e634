#include "core/llm/transcript.hpp"

#include <fmt/format.h>

#include <exception>
#include <utility>

#include "core/json_text.hpp"
#include "core/llm/json_field.hpp"
#include "core/llm/openai_wire.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;

// Arguments are written as a JSON object when that object serializes back to exactly the
// recorded text, so the transcript stays readable without changing a byte on replay.
// Anything else (other spacing or key order, invalid JSON) is kept as a string.
json ArgumentsToTranscriptJson(const std::string& arguments) {
  // Nested too deep to serialize safely: kept as the text it is.
  if (JsonNestingDepth(arguments) > kMaxJsonNesting) return arguments;
  json parsed = json::parse(arguments, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.dump() == arguments) return parsed;
  return arguments;
}

Result<ToolCall> ToolCallFromTranscriptJson(const json& call, size_t index,
                                            const std::string& path) {
  if (!call.is_object()) return FieldTypeError(path, call, "an object");
  ToolCall result;
  L2MAC_ASSIGN_OR_RETURN(result.id, OptionalStringField(call, "id", path + ".id"));
  if (result.id.empty()) result.id = fmt::format("call_{}", index);
  auto name = call.find("name");
  if (name == call.end()) return MissingFieldError(path + ".name", "a string");
  if (!name->is_string()) return FieldTypeError(path + ".name", *name, "a string");
  result.name = name->get<std::string>();
  auto arguments = call.find("arguments");
  if (arguments == call.end() || arguments->is_null()) {
    result.arguments = "{}";
  } else if (arguments->is_string()) {
    result.arguments = arguments->get<std::string>();
  } else if (arguments->is_object()) {
    result.arguments = arguments->dump();
  } else {
    return FieldTypeError(path + ".arguments", *arguments, "an object or a string");
  }
  return result;
}

Result<ChatResponse> ParseTranscriptResponse(const json& json_response) {
  if (!json_response.is_object()) return FieldTypeError("response", json_response, "an object");
  ChatResponse response;
  response.message.role = Role::kAssistant;
  auto content = json_response.find("content");
  auto calls = json_response.find("tool_calls");
  if (content == json_response.end() && calls == json_response.end()) {
    return MissingFieldError("response.content", "a string (or `response.tool_calls`)");
  }
  L2MAC_ASSIGN_OR_RETURN(response.message.content,
                         OptionalStringField(json_response, "content", "response.content"));
  if (calls != json_response.end() && !calls->is_null()) {
    if (!calls->is_array()) return FieldTypeError("response.tool_calls", *calls, "an array");
    for (size_t i = 0; i < calls->size(); ++i) {
      L2MAC_ASSIGN_OR_RETURN(
          ToolCall call,
          ToolCallFromTranscriptJson((*calls)[i], i, fmt::format("response.tool_calls[{}]", i)));
      response.message.tool_calls.push_back(std::move(call));
    }
  }
  L2MAC_ASSIGN_OR_RETURN(response.finish_reason, OptionalStringField(json_response, "finish_reason",
                                                                     "response.finish_reason"));
  // Hand-written transcripts may leave the finish reason out.
  if (json_response.find("finish_reason") == json_response.end()) {
    response.finish_reason = response.message.tool_calls.empty() ? "stop" : "tool_calls";
  }
  auto usage = json_response.find("usage");
  if (usage != json_response.end() && !usage->is_null()) {
    if (!usage->is_object()) return FieldTypeError("response.usage", *usage, "an object");
    L2MAC_ASSIGN_OR_RETURN(
        response.usage.prompt_tokens,
        OptionalIntField(*usage, "prompt_tokens", "response.usage.prompt_tokens"));
    L2MAC_ASSIGN_OR_RETURN(
        response.usage.completion_tokens,
        OptionalIntField(*usage, "completion_tokens", "response.usage.completion_tokens"));
    L2MAC_ASSIGN_OR_RETURN(
        response.usage.cached_tokens,
        OptionalIntField(*usage, "cached_tokens", "response.usage.cached_tokens"));
  }
  L2MAC_ASSIGN_OR_RETURN(response.model,
                         OptionalStringField(json_response, "model", "response.model"));
  return response;
}

}  // namespace

json RequestToTranscriptJson(const ChatRequest& request) {
  json messages = json::array();
  for (const ChatMessage& message : request.messages) {
    messages.push_back(MessageToOpenAiJson(message));
  }
  json tools = json::array();
  for (const ToolSchema& tool : request.tools) tools.push_back(tool.name);
  return {{"messages", std::move(messages)},
          {"tools", std::move(tools)},
          {"max_output_tokens", request.max_output_tokens},
          {"temperature", request.temperature}};
}

json ExchangeToTranscriptJson(const ChatRequest& request, const ChatResponse& response) {
  return {{"request", RequestToTranscriptJson(request)},
          {"response", ResponseToTranscriptJson(response)}};
}

json ResponseToTranscriptJson(const ChatResponse& response) {
  json out = json::object();
  out["content"] = response.message.content;
  if (!response.message.tool_calls.empty()) {
    json calls = json::array();
    for (const ToolCall& call : response.message.tool_calls) {
      calls.push_back({{"id", call.id},
                       {"name", call.name},
                       {"arguments", ArgumentsToTranscriptJson(call.arguments)}});
    }
    out["tool_calls"] = std::move(calls);
  }
  out["finish_reason"] = response.finish_reason;
  out["usage"] = {{"prompt_tokens", response.usage.prompt_tokens},
                  {"completion_tokens", response.usage.completion_tokens}};
  // Optional, so transcripts without prompt caching read (and diff) as before.
  if (response.usage.cached_tokens > 0)
    out["usage"]["cached_tokens"] = response.usage.cached_tokens;
  if (!response.model.empty()) out["model"] = response.model;
  return out;
}

Result<ChatResponse> ResponseFromTranscriptJson(const json& json_response) {
  try {
    return ParseTranscriptResponse(json_response);
  } catch (const std::exception& e) {
    return Status::InvalidArgument("cannot read a transcript response: " + JsonErrorDetail(e));
  }
}

}  // namespace l2mac::llm
