#include "core/llm/openai_stream.hpp"

#include <fmt/format.h>

#include <exception>
#include <utility>

#include "core/llm/json_field.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;

constexpr size_t kChunkExcerptBytes = 200;

Status BadChunk(const Status& detail, std::string_view data) {
  return Status::InvalidArgument(
      fmt::format("the model server streamed a chunk that is not a chat-completion chunk: {} "
                  "(chunk starts with: {})",
                  detail.message(), Excerpt(data, kChunkExcerptBytes)));
}

// "arguments" may be a string (the protocol) or a JSON value (some servers).
Result<std::string> ArgumentsText(const json& function, std::string_view path) {
  auto it = function.find("arguments");
  if (it == function.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) return it->dump();
  return FieldTypeError(path, *it, "a string");
}

}  // namespace

Status OpenAiStreamAssembler::AddData(std::string_view data) {
  if (done_) {
    return BadChunk(Status::InvalidArgument("data arrived after [DONE]"), data);
  }
  if (data == "[DONE]") {
    done_ = true;
    return Status::Ok();
  }
  try {
    json chunk = json::parse(data, nullptr, /*allow_exceptions=*/false);
    if (chunk.is_discarded()) {
      return BadChunk(Status::InvalidArgument("not valid JSON"), data);
    }
    if (!chunk.is_object()) {
      return BadChunk(FieldTypeError("chunk", chunk, "an object"), data);
    }
    if (auto error = chunk.find("error"); error != chunk.end() && !error->is_null()) {
      std::string message =
          error->is_object() && error->contains("message") && (*error)["message"].is_string()
              ? (*error)["message"].get<std::string>()
              : error->dump();
      return Status::Unavailable(
          fmt::format("the model server reported an error mid-stream: {}", Excerpt(message, 500)));
    }
    any_chunk_ = true;
    if (auto model = chunk.find("model"); model != chunk.end() && model->is_string()) {
      response_.model = model->get<std::string>();
    }
    if (auto choices = chunk.find("choices"); choices != chunk.end() && !choices->is_null()) {
      if (!choices->is_array())
        return BadChunk(FieldTypeError("choices", *choices, "an array"), data);
      for (const json& choice : *choices) {
        Status status = AddChoice(choice);
        if (!status.ok()) return BadChunk(status, data);
      }
    }
    if (auto usage = chunk.find("usage"); usage != chunk.end() && !usage->is_null()) {
      if (!usage->is_object()) return BadChunk(FieldTypeError("usage", *usage, "an object"), data);
      auto prompt = OptionalIntField(*usage, "prompt_tokens", "usage.prompt_tokens");
      auto completion = OptionalIntField(*usage, "completion_tokens", "usage.completion_tokens");
      if (!prompt.ok()) return BadChunk(prompt.status(), data);
      if (!completion.ok()) return BadChunk(completion.status(), data);
      response_.usage.prompt_tokens = *prompt;
      response_.usage.completion_tokens = *completion;
      auto details = usage->find("prompt_tokens_details");
      if (details != usage->end() && details->is_object()) {
        auto cached = OptionalIntField(*details, "cached_tokens", "usage.cached_tokens");
        if (cached.ok()) response_.usage.cached_tokens = *cached;
      }
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return BadChunk(Status::InvalidArgument(JsonErrorDetail(e)), data);
  }
}

Status OpenAiStreamAssembler::AddChoice(const json& choice) {
  if (!choice.is_object()) return FieldTypeError("choices[]", choice, "an object");
  // Only the first choice is used (requests never ask for more).
  if (auto index = choice.find("index");
      index != choice.end() && index->is_number_integer() && index->get<int64_t>() != 0) {
    return Status::Ok();
  }
  if (auto delta = choice.find("delta"); delta != choice.end() && !delta->is_null()) {
    if (!delta->is_object()) return FieldTypeError("choices[0].delta", *delta, "an object");
    auto content = delta->find("content");
    if (content != delta->end() && !content->is_null()) {
      if (!content->is_string()) {
        return FieldTypeError("choices[0].delta.content", *content, "a string");
      }
      const std::string& text = content->get_ref<const std::string&>();
      response_.message.content += text;
      if (on_text_delta_ && !text.empty()) on_text_delta_(text);
    }
    auto calls = delta->find("tool_calls");
    if (calls != delta->end() && !calls->is_null()) {
      if (!calls->is_array()) {
        return FieldTypeError("choices[0].delta.tool_calls", *calls, "an array");
      }
      for (size_t i = 0; i < calls->size(); ++i) {
        L2MAC_RETURN_IF_ERROR(AddToolCallDelta((*calls)[i], i));
      }
    }
  }
  auto finish = choice.find("finish_reason");
  if (finish != choice.end() && !finish->is_null()) {
    if (!finish->is_string()) {
      return FieldTypeError("choices[0].finish_reason", *finish, "a string");
    }
    response_.finish_reason = finish->get<std::string>();
  }
  return Status::Ok();
}

Status OpenAiStreamAssembler::AddToolCallDelta(const json& delta, size_t position) {
  const std::string path = fmt::format("choices[0].delta.tool_calls[{}]", position);
  if (!delta.is_object()) return FieldTypeError(path, delta, "an object");
  L2MAC_ASSIGN_OR_RETURN(std::string id, OptionalStringField(delta, "id", path + ".id"));
  int64_t index = 0;
  auto index_field = delta.find("index");
  if (index_field != delta.end() && !index_field->is_null()) {
    if (!index_field->is_number_integer()) {
      return FieldTypeError(path + ".index", *index_field, "an integer");
    }
    index = index_field->get<int64_t>();
  } else if (last_index_ < 0 || (!id.empty() && calls_[last_index_].id != id)) {
    // Servers that leave "index" out start a new call with a new id.
    index = last_index_ + 1;
  } else {
    index = last_index_;
  }
  if (index < 0 || index >= kMaxToolCalls) {
    return Status::InvalidArgument(
        fmt::format("`{}.index` is {}, expected 0 to {}", path, index, kMaxToolCalls - 1));
  }
  last_index_ = index;
  ToolCall& call = calls_[index];
  if (!id.empty()) call.id = std::move(id);
  auto function = delta.find("function");
  if (function != delta.end() && !function->is_null()) {
    if (!function->is_object()) return FieldTypeError(path + ".function", *function, "an object");
    L2MAC_ASSIGN_OR_RETURN(std::string name,
                           OptionalStringField(*function, "name", path + ".function.name"));
    call.name += name;
    L2MAC_ASSIGN_OR_RETURN(std::string arguments,
                           ArgumentsText(*function, path + ".function.arguments"));
    call.arguments += arguments;
  }
  return Status::Ok();
}

Result<ChatResponse> OpenAiStreamAssembler::Finish() const {
  if (!done_ && response_.finish_reason.empty()) {
    return Status::Unavailable(
        any_chunk_ ? "the stream ended before the reply was complete (no finish reason and no "
                     "[DONE])"
                   : "the stream ended without any chunk");
  }
  ChatResponse response = response_;
  response.message.role = Role::kAssistant;
  size_t position = 0;
  for (const auto& [index, call] : calls_) {
    ToolCall complete = call;
    if (complete.id.empty()) complete.id = fmt::format("call_{}", position);
    if (complete.arguments.empty()) complete.arguments = "{}";
    response.message.tool_calls.push_back(std::move(complete));
    ++position;
  }
  if (response.finish_reason.empty()) {
    response.finish_reason = response.message.tool_calls.empty() ? "stop" : "tool_calls";
  }
  return response;
}

}  // namespace l2mac::llm
