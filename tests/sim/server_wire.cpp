#include "tests/sim/server_wire.hpp"

#include <exception>
#include <string>
#include <utility>

#include "core/json_text.hpp"
#include "core/llm/json_field.hpp"
#include "core/llm/openai_wire.hpp"

namespace l2mac::sim {
namespace {

using llm::ChatMessage;
using nlohmann::json;

std::string AnthropicStopReason(const std::string& reason) {
  if (reason == "stop") return "end_turn";
  if (reason == "tool_calls") return "tool_use";
  if (reason == "length") return "max_tokens";
  return reason;
}

// A tool call's arguments as the "input" object; arguments that are no JSON object (a
// model's broken call) travel as a string field, as the client sends them.
json InputObject(const std::string& arguments) {
  if (JsonNestingDepth(arguments) > kMaxJsonNesting) return {{"_unparsed_arguments", arguments}};
  json parsed = json::parse(arguments, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) return parsed;
  return {{"_unparsed_arguments", arguments}};
}

}  // namespace

json UsageToOpenAiJson(const llm::Usage& usage) {
  json out = {{"prompt_tokens", usage.prompt_tokens},
              {"completion_tokens", usage.completion_tokens},
              {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
  if (usage.cached_tokens > 0) {
    out["prompt_tokens_details"] = {{"cached_tokens", usage.cached_tokens}};
  }
  return out;
}

json ResponseToOpenAiJson(const llm::ChatResponse& response) {
  ChatMessage message = response.message;
  message.role = llm::Role::kAssistant;
  json choice = {{"index", 0}, {"message", llm::MessageToOpenAiJson(message)}};
  if (response.finish_reason.empty()) {
    choice["finish_reason"] = nullptr;
  } else {
    choice["finish_reason"] = response.finish_reason;
  }
  return {{"id", "chatcmpl-l2mac"},
          {"object", "chat.completion"},
          {"created", 0},
          {"model", response.model},
          {"choices", json::array({std::move(choice)})},
          {"usage", UsageToOpenAiJson(response.usage)}};
}

json ResponseToAnthropicJson(const llm::ChatResponse& response) {
  json content = json::array();
  if (!response.message.content.empty()) {
    content.push_back({{"type", "text"}, {"text", response.message.content}});
  }
  for (const llm::ToolCall& call : response.message.tool_calls) {
    content.push_back({{"type", "tool_use"},
                       {"id", call.id},
                       {"name", call.name},
                       {"input", InputObject(call.arguments)}});
  }
  const int64_t fresh = response.usage.prompt_tokens - response.usage.cached_tokens;
  return {{"id", "msg_sim"},
          {"type", "message"},
          {"role", "assistant"},
          {"model", response.model},
          {"content", std::move(content)},
          {"stop_reason", AnthropicStopReason(response.finish_reason)},
          {"usage",
           {{"input_tokens", fresh},
            {"cache_creation_input_tokens", 0},
            {"cache_read_input_tokens", response.usage.cached_tokens},
            {"output_tokens", response.usage.completion_tokens}}}};
}

Result<llm::ChatRequest> RequestFromAnthropicJson(const json& body) {
  try {
    if (!body.is_object()) return llm::FieldTypeError("body", body, "an object");
    llm::ChatRequest request;
    if (auto system = body.find("system"); system != body.end()) {
      std::string text;
      if (system->is_string()) {
        text = system->get<std::string>();
      } else if (system->is_array()) {
        for (const json& block : *system) text += block.value("text", "");
      }
      request.messages.push_back(ChatMessage::System(text));
    }
    for (const json& message : body.value("messages", json::array())) {
      const std::string role = message.value("role", "");
      const json& content = message.at("content");
      if (content.is_string()) {
        request.messages.push_back(role == "user"
                                       ? ChatMessage::User(content.get<std::string>())
                                       : ChatMessage::Assistant(content.get<std::string>()));
        continue;
      }
      ChatMessage assistant = ChatMessage::Assistant("");
      for (const json& block : content) {
        const std::string type = block.value("type", "");
        if (type == "text" && role == "user") {
          request.messages.push_back(ChatMessage::User(block.value("text", "")));
        } else if (type == "text") {
          assistant.content += block.value("text", "");
        } else if (type == "tool_use") {
          const json& input = block.at("input");
          std::string arguments =
              input.is_object() && input.size() == 1 && input.contains("_unparsed_arguments")
                  ? input["_unparsed_arguments"].get<std::string>()
                  : input.dump();
          assistant.tool_calls.push_back(
              {block.value("id", ""), block.value("name", ""), std::move(arguments)});
        } else if (type == "tool_result") {
          std::string text;
          const json& result = block.at("content");
          if (result.is_string()) {
            text = result.get<std::string>();
          } else {
            for (const json& part : result) text += part.value("text", "");
          }
          request.messages.push_back(ChatMessage::ToolResult(block.value("tool_use_id", ""), text));
        }
      }
      if (role == "assistant") request.messages.push_back(std::move(assistant));
    }
    for (const json& tool : body.value("tools", json::array())) {
      request.tools.push_back({tool.value("name", ""), tool.value("description", ""),
                               tool.value("input_schema", json::object())});
    }
    request.max_output_tokens = body.value("max_tokens", 4096);
    request.temperature = body.value("temperature", 0.0);
    return request;
  } catch (const std::exception& e) {
    return Status::InvalidArgument("not an Anthropic Messages request: " + llm::JsonErrorDetail(e));
  }
}

}  // namespace l2mac::sim
