#include "core/llm/openai_wire.hpp"

#include <fmt/format.h>

#include <exception>
#include <utility>

#include "core/llm/json_field.hpp"
#include "core/llm/model_quirks.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;

// How much of a response body an error quotes.
constexpr size_t kBodyExcerptBytes = 200;

Result<Role> ParseRole(const std::string& name, std::string_view path) {
  if (name == "system") return Role::kSystem;
  if (name == "user") return Role::kUser;
  if (name == "assistant") return Role::kAssistant;
  if (name == "tool") return Role::kTool;
  return Status::InvalidArgument(fmt::format(
      "`{}` is '{}', expected one of system, user, assistant, tool", path, Excerpt(name, 40)));
}

// "content" is a string, null, absent, or (in requests) an array of text parts.
Result<std::string> ParseContent(const json& object, std::string_view path) {
  auto it = object.find("content");
  if (it == object.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) return FieldTypeError(path, *it, "a string, null or an array of text parts");
  std::string text;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& part = (*it)[i];
    std::string part_path = fmt::format("{}[{}]", path, i);
    if (!part.is_object()) return FieldTypeError(part_path, part, "an object");
    L2MAC_ASSIGN_OR_RETURN(std::string type,
                           OptionalStringField(part, "type", part_path + ".type"));
    if (type != "text") {
      return Status::InvalidArgument(
          fmt::format("`{}.type` is '{}': only text content parts are supported", part_path,
                      Excerpt(type, 40)));
    }
    L2MAC_ASSIGN_OR_RETURN(std::string part_text,
                           OptionalStringField(part, "text", part_path + ".text"));
    text += part_text;
  }
  return text;
}

Result<ToolCall> ParseToolCall(const json& call, size_t index, std::string_view path) {
  if (!call.is_object()) return FieldTypeError(path, call, "an object");
  ToolCall result;
  L2MAC_ASSIGN_OR_RETURN(result.id, OptionalStringField(call, "id", fmt::format("{}.id", path)));
  // Tool results must name the call they answer; a server that leaves ids out gets
  // positional ones so the conversation stays well formed.
  if (result.id.empty()) result.id = fmt::format("call_{}", index);
  auto function = call.find("function");
  std::string function_path = fmt::format("{}.function", path);
  if (function == call.end()) return MissingFieldError(function_path, "an object");
  if (!function->is_object()) return FieldTypeError(function_path, *function, "an object");
  auto name = function->find("name");
  if (name == function->end()) return MissingFieldError(function_path + ".name", "a string");
  if (!name->is_string()) return FieldTypeError(function_path + ".name", *name, "a string");
  result.name = name->get<std::string>();
  auto arguments = function->find("arguments");
  if (arguments == function->end() || arguments->is_null()) {
    result.arguments = "{}";
  } else if (arguments->is_string()) {
    result.arguments = arguments->get<std::string>();
  } else {
    // Some servers send the arguments as a JSON value rather than as JSON text.
    result.arguments = arguments->dump();
  }
  return result;
}

Result<std::vector<ToolCall>> ParseToolCalls(const json& object, std::string_view path) {
  std::vector<ToolCall> calls;
  auto it = object.find("tool_calls");
  if (it == object.end() || it->is_null()) return calls;
  if (!it->is_array()) return FieldTypeError(path, *it, "an array");
  for (size_t i = 0; i < it->size(); ++i) {
    L2MAC_ASSIGN_OR_RETURN(ToolCall call,
                           ParseToolCall((*it)[i], i, fmt::format("{}[{}]", path, i)));
    calls.push_back(std::move(call));
  }
  return calls;
}

Result<ChatMessage> ParseMessage(const json& object, std::string_view path) {
  if (!object.is_object()) return FieldTypeError(path, object, "an object");
  ChatMessage message;
  auto role = object.find("role");
  std::string role_path = fmt::format("{}.role", path);
  if (role == object.end()) return MissingFieldError(role_path, "a string");
  if (!role->is_string()) return FieldTypeError(role_path, *role, "a string");
  L2MAC_ASSIGN_OR_RETURN(message.role, ParseRole(role->get<std::string>(), role_path));
  L2MAC_ASSIGN_OR_RETURN(message.content, ParseContent(object, fmt::format("{}.content", path)));
  L2MAC_ASSIGN_OR_RETURN(message.tool_calls,
                         ParseToolCalls(object, fmt::format("{}.tool_calls", path)));
  L2MAC_ASSIGN_OR_RETURN(
      message.tool_call_id,
      OptionalStringField(object, "tool_call_id", fmt::format("{}.tool_call_id", path)));
  if (message.role == Role::kTool && message.tool_call_id.empty()) {
    return MissingFieldError(fmt::format("{}.tool_call_id", path),
                             "the id of the tool call this message answers");
  }
  return message;
}

Result<ChatResponse> ParseResponseJson(const json& body) {
  if (!body.is_object()) {
    return Status::InvalidArgument(
        fmt::format("the body is {}, expected a JSON object", DescribeJsonType(body)));
  }
  auto choices = body.find("choices");
  if (choices == body.end()) {
    // An error object in a 200 response is the most common way this happens.
    auto error = body.find("error");
    if (error != body.end() && error->is_object()) {
      auto message = error->find("message");
      if (message != error->end() && message->is_string()) {
        return Status::InvalidArgument(
            fmt::format("`choices` is missing and the body carries an error: {}",
                        Excerpt(message->get<std::string>(), 500)));
      }
    }
    return MissingFieldError("choices", "an array");
  }
  if (!choices->is_array()) return FieldTypeError("choices", *choices, "an array");
  if (choices->empty()) return Status::InvalidArgument("`choices` is an empty array");
  const json& choice = choices->front();
  if (!choice.is_object()) return FieldTypeError("choices[0]", choice, "an object");
  auto message = choice.find("message");
  if (message == choice.end()) return MissingFieldError("choices[0].message", "an object");
  if (!message->is_object()) return FieldTypeError("choices[0].message", *message, "an object");

  ChatResponse response;
  response.message.role = Role::kAssistant;
  auto role = message->find("role");
  if (role != message->end() && !role->is_null() && !role->is_string()) {
    return FieldTypeError("choices[0].message.role", *role, "a string");
  }
  L2MAC_ASSIGN_OR_RETURN(response.message.content,
                         ParseContent(*message, "choices[0].message.content"));
  L2MAC_ASSIGN_OR_RETURN(response.message.tool_calls,
                         ParseToolCalls(*message, "choices[0].message.tool_calls"));
  L2MAC_ASSIGN_OR_RETURN(response.finish_reason,
                         OptionalStringField(choice, "finish_reason", "choices[0].finish_reason"));
  auto usage = body.find("usage");
  if (usage != body.end() && !usage->is_null()) {
    if (!usage->is_object()) return FieldTypeError("usage", *usage, "an object");
    L2MAC_ASSIGN_OR_RETURN(response.usage.prompt_tokens,
                           OptionalIntField(*usage, "prompt_tokens", "usage.prompt_tokens"));
    L2MAC_ASSIGN_OR_RETURN(
        response.usage.completion_tokens,
        OptionalIntField(*usage, "completion_tokens", "usage.completion_tokens"));
    auto details = usage->find("prompt_tokens_details");
    if (details != usage->end() && details->is_object()) {
      L2MAC_ASSIGN_OR_RETURN(
          response.usage.cached_tokens,
          OptionalIntField(*details, "cached_tokens", "usage.prompt_tokens_details.cached_tokens"));
    }
  }
  L2MAC_ASSIGN_OR_RETURN(response.model, OptionalStringField(body, "model", "model"));
  return response;
}

Status NotAChatCompletion(const Status& detail, std::string_view body) {
  return Status::InvalidArgument(fmt::format(
      "the model server sent something that is not a chat completion: {} (body starts with: {}); "
      "check that --base-url points at an OpenAI-compatible API",
      detail.message(), Excerpt(body, kBodyExcerptBytes)));
}

}  // namespace

json MessageToOpenAiJson(const ChatMessage& message) {
  json out = json::object();
  out["role"] = RoleName(message.role);
  if (message.content.empty() && !message.tool_calls.empty()) {
    out["content"] = nullptr;
  } else {
    out["content"] = message.content;
  }
  if (!message.tool_calls.empty()) {
    json calls = json::array();
    for (const ToolCall& call : message.tool_calls) {
      calls.push_back({{"id", call.id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    out["tool_calls"] = std::move(calls);
  }
  if (message.role == Role::kTool) out["tool_call_id"] = message.tool_call_id;
  return out;
}

Result<ChatMessage> MessageFromOpenAiJson(const json& json_message) {
  try {
    return ParseMessage(json_message, "message");
  } catch (const std::exception& e) {
    return Status::InvalidArgument("cannot read a chat message: " + JsonErrorDetail(e));
  }
}

json RequestToOpenAiJson(const ChatRequest& request, const std::string& model) {
  json out = json::object();
  out["model"] = model;
  json messages = json::array();
  for (const ChatMessage& message : request.messages) {
    messages.push_back(MessageToOpenAiJson(message));
  }
  out["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    json tools = json::array();
    for (const ToolSchema& tool : request.tools) {
      // A tool without a schema takes no arguments; servers require an object here.
      json parameters = tool.parameters.is_null()
                            ? json{{"type", "object"}, {"properties", json::object()}}
                            : tool.parameters;
      tools.push_back({{"type", "function"},
                       {"function",
                        {{"name", tool.name},
                         {"description", tool.description},
                         {"parameters", std::move(parameters)}}}});
    }
    out["tools"] = std::move(tools);
  }
  // Some model families take the output limit under another name and refuse a
  // temperature (model_quirks.hpp).
  const ModelQuirks* quirks = FindModelQuirks(model);
  const bool completion_tokens = quirks != nullptr && quirks->max_completion_tokens;
  out[completion_tokens ? "max_completion_tokens" : "max_tokens"] = request.max_output_tokens;
  if (quirks == nullptr || !quirks->no_temperature) out["temperature"] = request.temperature;
  return out;
}

Result<ChatResponse> ParseOpenAiResponse(std::string_view body) {
  try {
    json parsed;
    try {
      parsed = json::parse(body);
    } catch (const json::parse_error& e) {
      return NotAChatCompletion(
          Status::InvalidArgument("not valid JSON (" + JsonErrorDetail(e) + ")"), body);
    }
    Result<ChatResponse> response = ParseResponseJson(parsed);
    if (!response.ok()) return NotAChatCompletion(response.status(), body);
    return response;
  } catch (const std::exception& e) {
    return NotAChatCompletion(Status::InvalidArgument(JsonErrorDetail(e)), body);
  }
}

}  // namespace l2mac::llm
