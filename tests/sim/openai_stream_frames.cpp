#include "tests/sim/openai_stream_frames.hpp"

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
    // Never cut inside a UTF-8 sequence: back up to a lead byte.
    while (end < text.size() && end > start + 1 &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

std::string Frame(const json& chunk) {
  return "data: " + chunk.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

json Chunk(const std::string& model, json choices) {
  return {{"id", "chatcmpl-sim"},
          {"object", "chat.completion.chunk"},
          {"created", 0},
          {"model", model},
          {"choices", std::move(choices)}};
}

json Delta(json delta) {
  return json::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", nullptr}}});
}

}  // namespace

std::vector<std::string> OpenAiStreamFrames(const llm::ChatResponse& response, size_t piece_bytes) {
  std::vector<std::string> frames;
  const std::string& model = response.model;
  frames.push_back(Frame(Chunk(model, Delta({{"role", "assistant"}, {"content", ""}}))));
  for (const std::string& piece : Pieces(response.message.content, piece_bytes)) {
    frames.push_back(Frame(Chunk(model, Delta({{"content", piece}}))));
  }
  for (size_t i = 0; i < response.message.tool_calls.size(); ++i) {
    const llm::ToolCall& call = response.message.tool_calls[i];
    frames.push_back(Frame(
        Chunk(model,
              Delta({{"tool_calls",
                      json::array({{{"index", i},
                                    {"id", call.id},
                                    {"type", "function"},
                                    {"function", {{"name", call.name}, {"arguments", ""}}}}})}}))));
    for (const std::string& piece : Pieces(call.arguments, piece_bytes)) {
      frames.push_back(Frame(Chunk(
          model, Delta({{"tool_calls",
                         json::array({{{"index", i}, {"function", {{"arguments", piece}}}}})}}))));
    }
  }
  json finish = json::array(
      {{{"index", 0},
        {"delta", json::object()},
        {"finish_reason",
         response.finish_reason.empty() ? json(nullptr) : json(response.finish_reason)}}});
  frames.push_back(Frame(Chunk(model, std::move(finish))));
  json usage = Chunk(model, json::array());
  usage["usage"] = UsageToOpenAiJson(response.usage);
  frames.push_back(Frame(usage));
  frames.push_back("data: [DONE]\n\n");
  return frames;
}

}  // namespace l2mac::sim
