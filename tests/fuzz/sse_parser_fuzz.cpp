// libFuzzer target: the SSE parser fed arbitrary bytes in arbitrary pieces. Checks that it
// never crashes, that an event's data never exceeds the pending-bytes bound, and that the
// events do not depend on how the bytes were split.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/llm/sse_parser.hpp"

namespace {

using Events = std::vector<std::pair<std::string, std::string>>;

Events Parse(std::string_view bytes, size_t piece) {
  l2mac::llm::SseParser parser;
  Events events;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    bool ok = parser.Feed(bytes.substr(at, piece), [&](const l2mac::llm::SseEvent& event) {
      if (event.data.size() > l2mac::llm::SseParser::kMaxPendingBytes) __builtin_trap();
      events.emplace_back(std::string(event.type), std::string(event.data));
      return true;
    });
    if (!ok) break;
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the piece size; the rest is the stream.
  const size_t piece = 1 + data[0] % 17;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  Events whole = Parse(bytes, bytes.size() + 1);
  Events split = Parse(bytes, piece);
  if (whole != split) __builtin_trap();
  return 0;
}
