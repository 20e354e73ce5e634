#include "core/llm/anthropic_wire.hpp"

#include <fmt/format.h>

#include <exception>
#include <utility>

#include "core/json_text.hpp"
#include "core/llm/json_field.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;

constexpr size_t kExcerptBytes = 200;
constexpr int64_t kMaxBlocks = 256;

const json kEphemeral = {{"type", "ephemeral"}};

// A tool call's arguments as the "input" object Anthropic wants. Arguments that are not a
// JSON object (a model's broken call, recorded verbatim) are carried as a string field so
// the conversation stays faithful.
json InputObject(const std::string& arguments) {
  if (JsonNestingDepth(arguments) > kMaxJsonNesting) return {{"_unparsed_arguments", arguments}};
  json parsed = json::parse(arguments, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) return parsed;
  return {{"_unparsed_arguments", arguments}};
}

std::string MapStopReason(const std::string& reason) {
  if (reason == "end_turn" || reason == "stop_sequence") return "stop";
  if (reason == "tool_use") return "tool_calls";
  if (reason == "max_tokens") return "length";
  return reason;
}

Status ReadUsage(const json& usage, Usage& out, int64_t* input_tokens) {
  if (!usage.is_object()) return FieldTypeError("usage", usage, "an object");
  L2MAC_ASSIGN_OR_RETURN(int64_t input,
                         OptionalIntField(usage, "input_tokens", "usage.input_tokens"));
  L2MAC_ASSIGN_OR_RETURN(int64_t written, OptionalIntField(usage, "cache_creation_input_tokens",
                                                           "usage.cache_creation_input_tokens"));
  L2MAC_ASSIGN_OR_RETURN(int64_t read, OptionalIntField(usage, "cache_read_input_tokens",
                                                        "usage.cache_read_input_tokens"));
  L2MAC_ASSIGN_OR_RETURN(int64_t output,
                         OptionalIntField(usage, "output_tokens", "usage.output_tokens"));
  if (usage.contains("input_tokens") || usage.contains("cache_read_input_tokens")) {
    out.prompt_tokens = input + written + read;
    out.cached_tokens = read;
    if (input_tokens != nullptr) *input_tokens = out.prompt_tokens;
  }
  if (usage.contains("output_tokens")) out.completion_tokens = output;
  return Status::Ok();
}

Status NotAMessage(const Status& detail, std::string_view body) {
  return Status::InvalidArgument(fmt::format(
      "the model server sent something that is not an Anthropic message: {} (body starts "
      "with: {}); check --base-url",
      detail.message(), Excerpt(body, kExcerptBytes)));
}

Result<ChatResponse> ParseMessageJson(const json& body) {
  if (!body.is_object()) return FieldTypeError("body", body, "an object");
  if (auto error = body.find("error"); error != body.end() && error->is_object()) {
    return Status::InvalidArgument(fmt::format(
        "the body carries an error: {}", Excerpt(error->value("message", error->dump()), 500)));
  }
  auto content = body.find("content");
  if (content == body.end()) return MissingFieldError("content", "an array");
  if (!content->is_array()) return FieldTypeError("content", *content, "an array");
  ChatResponse response;
  response.message.role = Role::kAssistant;
  for (size_t i = 0; i < content->size(); ++i) {
    const json& block = (*content)[i];
    const std::string path = fmt::format("content[{}]", i);
    if (!block.is_object()) return FieldTypeError(path, block, "an object");
    L2MAC_ASSIGN_OR_RETURN(std::string type, OptionalStringField(block, "type", path + ".type"));
    if (type == "text") {
      L2MAC_ASSIGN_OR_RETURN(std::string text, OptionalStringField(block, "text", path + ".text"));
      response.message.content += text;
    } else if (type == "tool_use") {
      ToolCall call;
      L2MAC_ASSIGN_OR_RETURN(call.id, OptionalStringField(block, "id", path + ".id"));
      L2MAC_ASSIGN_OR_RETURN(call.name, OptionalStringField(block, "name", path + ".name"));
      auto input = block.find("input");
      call.arguments = input == block.end() || input->is_null() ? "{}" : input->dump();
      if (call.id.empty()) call.id = fmt::format("toolu_{}", i);
      response.message.tool_calls.push_back(std::move(call));
    }
    // Other block types (thinking, ...) carry nothing l2mac uses.
  }
  L2MAC_ASSIGN_OR_RETURN(std::string stop, OptionalStringField(body, "stop_reason", "stop_reason"));
  response.finish_reason = MapStopReason(stop);
  if (auto usage = body.find("usage"); usage != body.end() && !usage->is_null()) {
    L2MAC_RETURN_IF_ERROR(ReadUsage(*usage, response.usage, nullptr));
  }
  L2MAC_ASSIGN_OR_RETURN(response.model, OptionalStringField(body, "model", "model"));
  return response;
}

}  // namespace

json RequestToAnthropicJson(const ChatRequest& request, const std::string& model) {
  json out = json::object();
  out["model"] = model;
  out["max_tokens"] = request.max_output_tokens;
  out["temperature"] = request.temperature;
  std::string system;
  json messages = json::array();
  bool first_user_marked = false;
  auto append = [&](const std::string& role, json block) {
    if (!messages.empty() && messages.back()["role"] == role) {
      messages.back()["content"].push_back(std::move(block));
    } else {
      messages.push_back({{"role", role}, {"content", json::array({std::move(block)})}});
    }
  };
  for (const ChatMessage& message : request.messages) {
    switch (message.role) {
      case Role::kSystem:
        if (!system.empty()) system += "\n\n";
        system += message.content;
        break;
      case Role::kUser: {
        json block = {{"type", "text"}, {"text", message.content}};
        if (!first_user_marked) {
          // The task: the end of the prefix every call of this context repeats.
          block["cache_control"] = kEphemeral;
          first_user_marked = true;
        }
        append("user", std::move(block));
        break;
      }
      case Role::kAssistant:
        if (!message.content.empty()) {
          append("assistant", {{"type", "text"}, {"text", message.content}});
        }
        for (const ToolCall& call : message.tool_calls) {
          append("assistant", {{"type", "tool_use"},
                               {"id", call.id},
                               {"name", call.name},
                               {"input", InputObject(call.arguments)}});
        }
        if (message.content.empty() && message.tool_calls.empty()) {
          append("assistant", {{"type", "text"}, {"text", "(no reply)"}});
        }
        break;
      case Role::kTool:
        append("user", {{"type", "tool_result"},
                        {"tool_use_id", message.tool_call_id},
                        {"content", message.content}});
        break;
    }
  }
  if (!system.empty()) {
    out["system"] =
        json::array({{{"type", "text"}, {"text", system}, {"cache_control", kEphemeral}}});
  }
  out["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    json tools = json::array();
    for (const ToolSchema& tool : request.tools) {
      json schema = tool.parameters.is_null()
                        ? json{{"type", "object"}, {"properties", json::object()}}
                        : tool.parameters;
      tools.push_back(
          {{"name", tool.name}, {"description", tool.description}, {"input_schema", schema}});
    }
    tools.back()["cache_control"] = kEphemeral;
    out["tools"] = std::move(tools);
  }
  return out;
}

Result<ChatResponse> ParseAnthropicResponse(std::string_view body) {
  try {
    json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      return NotAMessage(Status::InvalidArgument("not valid JSON"), body);
    }
    Result<ChatResponse> response = ParseMessageJson(parsed);
    if (!response.ok()) return NotAMessage(response.status(), body);
    return response;
  } catch (const std::exception& e) {
    return NotAMessage(Status::InvalidArgument(JsonErrorDetail(e)), body);
  }
}

Status AnthropicStreamAssembler::AddEvent(std::string_view type, std::string_view data) {
  json event = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded() || !event.is_object()) {
    return Status::InvalidArgument(
        fmt::format("the model server streamed an event that is not a "
                    "JSON object (starts with: {})",
                    Excerpt(data, kExcerptBytes)));
  }
  try {
    // The type is in the data too; the SSE "event:" field may be missing on some proxies.
    std::string kind = event.value("type", std::string(type));
    if (kind == "message_start") {
      const json& message = event.at("message");
      response_.model = message.value("model", "");
      if (message.contains("usage")) {
        L2MAC_RETURN_IF_ERROR(ReadUsage(message["usage"], response_.usage, &input_tokens_));
      }
    } else if (kind == "content_block_start") {
      int64_t index = event.at("index").get<int64_t>();
      if (index < 0 || index >= kMaxBlocks) {
        return Status::InvalidArgument(
            fmt::format("content block index {} is out of range", index));
      }
      const json& block = event.at("content_block");
      Block& target = blocks_[index];
      target.type = block.value("type", "");
      target.id = block.value("id", "");
      target.name = block.value("name", "");
      if (target.type == "text") target.text = block.value("text", "");
    } else if (kind == "content_block_delta") {
      int64_t index = event.at("index").get<int64_t>();
      auto found = blocks_.find(index);
      if (found == blocks_.end()) {
        return Status::InvalidArgument(
            fmt::format("a delta for content block {} that was never started", index));
      }
      const json& delta = event.at("delta");
      const std::string delta_type = delta.value("type", "");
      if (delta_type == "text_delta") {
        const std::string& text = delta.at("text").get_ref<const std::string&>();
        found->second.text += text;
        if (on_text_delta_ && !text.empty()) on_text_delta_(text);
      } else if (delta_type == "input_json_delta") {
        found->second.text += delta.at("partial_json").get<std::string>();
      }
    } else if (kind == "message_delta") {
      if (auto delta = event.find("delta"); delta != event.end() &&
                                            delta->contains("stop_reason") &&
                                            (*delta)["stop_reason"].is_string()) {
        response_.finish_reason = MapStopReason((*delta)["stop_reason"].get<std::string>());
      }
      if (event.contains("usage")) {
        int64_t ignored = 0;
        Usage usage = response_.usage;
        L2MAC_RETURN_IF_ERROR(ReadUsage(event["usage"], usage, &ignored));
        response_.usage.completion_tokens = usage.completion_tokens;
        // Some servers report input usage only here.
        if (input_tokens_ == 0) {
          response_.usage.prompt_tokens = usage.prompt_tokens;
          response_.usage.cached_tokens = usage.cached_tokens;
        }
      }
    } else if (kind == "message_stop") {
      done_ = true;
    } else if (kind == "error") {
      std::string message =
          event.contains("error") ? event["error"].value("message", event.dump()) : event.dump();
      return Status::Unavailable(
          fmt::format("the model server reported an error mid-stream: {}", Excerpt(message, 500)));
    }
    // ping and content_block_stop carry nothing to keep.
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("the model server streamed a malformed {} event: {}",
                                               Excerpt(type, 40), JsonErrorDetail(e)));
  }
}

Result<ChatResponse> AnthropicStreamAssembler::Finish() const {
  if (!done_ && response_.finish_reason.empty()) {
    return Status::Unavailable("the stream ended before the reply was complete (no message_stop)");
  }
  ChatResponse response = response_;
  response.message.role = Role::kAssistant;
  for (const auto& [index, block] : blocks_) {
    if (block.type == "text") {
      response.message.content += block.text;
    } else if (block.type == "tool_use") {
      response.message.tool_calls.push_back(
          {block.id.empty() ? fmt::format("toolu_{}", index) : block.id, block.name,
           block.text.empty() ? "{}" : block.text});
    }
  }
  if (response.finish_reason.empty()) {
    response.finish_reason = response.message.tool_calls.empty() ? "stop" : "tool_calls";
  }
  return response;
}

}  // namespace l2mac::llm
