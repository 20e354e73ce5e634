#include "core/llm/extra_body.hpp"

#include <fmt/format.h>

#include <array>

namespace l2mac::llm {
namespace {

constexpr std::array<OwnedRequestKey, 10> kOwnedKeys = {{
    {"model", "--model (config model.model)"},
    {"messages", "the conversation l2mac builds"},
    {"system", "the system prompt l2mac builds"},
    {"tools", "the tools l2mac offers; see --text-protocol"},
    {"stream", "--no-stream (config model.stream)"},
    {"stream_options", "streaming, which --no-stream turns off"},
    {"max_tokens", "--max-output-tokens (config model.max_output_tokens)"},
    {"max_completion_tokens", "--max-output-tokens (config model.max_output_tokens)"},
    {"temperature", "--temperature (config model.temperature)"},
    {"tool_choice", "the tools l2mac offers, which the model must be free to call"},
}};

}  // namespace

const OwnedRequestKey* FirstOwnedKey(const nlohmann::json& extra) {
  if (!extra.is_object()) return nullptr;
  for (const OwnedRequestKey& owned : kOwnedKeys) {
    if (extra.contains(owned.key)) return &owned;
  }
  return nullptr;
}

Status ValidateExtraBody(const nlohmann::json& extra) {
  if (extra.is_null()) return Status::Ok();
  if (!extra.is_object()) {
    return Status::InvalidArgument(fmt::format(
        "extra_body must be a JSON object of request fields, not {}", extra.type_name()));
  }
  if (const OwnedRequestKey* owned = FirstOwnedKey(extra)) {
    return Status::InvalidArgument(
        fmt::format("extra_body.{} is set by l2mac itself (it comes from {}): remove it from "
                    "extra_body",
                    owned->key, owned->setting));
  }
  return Status::Ok();
}

void MergeExtraBody(const nlohmann::json& extra, nlohmann::json& body) {
  if (!extra.is_object()) return;
  for (const auto& [key, value] : extra.items()) body[key] = value;
}

}  // namespace l2mac::llm
