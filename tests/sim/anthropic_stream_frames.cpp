#include "tests/sim/anthropic_stream_frames.hpp"

#include <nlohmann/json.hpp>

#include "tests/sim/server_wire.hpp"

namespace l2mac::sim {
namespace {

using nlohmann::json;

std::vector<std::string> Pieces(const std::string& text, size_t piece_bytes) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + std::max<size_t>(piece_bytes, 4));
    while (end < text.size() && end > start + 1 &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

std::string Event(const std::string& type, json data) {
  data["type"] = type;
  return "event: " + type + "\ndata: " + data.dump(-1, ' ', false, json::error_handler_t::replace) +
         "\n\n";
}

}  // namespace

std::vector<std::string> AnthropicStreamFrames(const llm::ChatResponse& response,
                                               size_t piece_bytes) {
  // The whole message in Anthropic's JSON gives the blocks, stop reason and usage.
  const json message = ResponseToAnthropicJson(response);
  std::vector<std::string> frames;
  json start = message;
  start["content"] = json::array();
  start["stop_reason"] = nullptr;
  start["usage"]["output_tokens"] = 1;
  frames.push_back(Event("message_start", {{"message", start}}));
  int index = 0;
  for (const json& block : message["content"]) {
    if (block["type"] == "text") {
      frames.push_back(
          Event("content_block_start",
                {{"index", index}, {"content_block", {{"type", "text"}, {"text", ""}}}}));
      for (const std::string& piece : Pieces(block["text"].get<std::string>(), piece_bytes)) {
        frames.push_back(
            Event("content_block_delta",
                  {{"index", index}, {"delta", {{"type", "text_delta"}, {"text", piece}}}}));
      }
    } else {
      frames.push_back(Event("content_block_start", {{"index", index},
                                                     {"content_block",
                                                      {{"type", "tool_use"},
                                                       {"id", block["id"]},
                                                       {"name", block["name"]},
                                                       {"input", json::object()}}}}));
      for (const std::string& piece : Pieces(block["input"].dump(), piece_bytes)) {
        frames.push_back(
            Event("content_block_delta",
                  {{"index", index},
                   {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}}));
      }
    }
    frames.push_back(Event("content_block_stop", {{"index", index}}));
    if (index == 0) frames.push_back(Event("ping", json::object()));
    ++index;
  }
  frames.push_back(
      Event("message_delta",
            {{"delta", {{"stop_reason", message["stop_reason"]}, {"stop_sequence", nullptr}}},
             {"usage", {{"output_tokens", message["usage"]["output_tokens"]}}}}));
  frames.push_back(Event("message_stop", json::object()));
  return frames;
}

}  // namespace l2mac::sim
