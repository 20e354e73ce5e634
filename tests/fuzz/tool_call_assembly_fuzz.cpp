// libFuzzer target: OpenAI stream chunks (arbitrary text, one event per line) through the
// assembler. Checks that it never crashes and that whatever it assembles is bounded and
// in index order, whether it accepts the stream or reports an error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/llm/openai_stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  l2mac::llm::OpenAiStreamAssembler assembler;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    l2mac::Status status = assembler.AddData(text.substr(start, end - start));
    if (!status.ok() && status.message().empty()) __builtin_trap();
    start = end + 1;
  }
  auto response = assembler.Finish();
  if (response.ok()) {
    if (response->message.tool_calls.size() >
        static_cast<size_t>(l2mac::llm::OpenAiStreamAssembler::kMaxToolCalls)) {
      __builtin_trap();
    }
    for (const auto& call : response->message.tool_calls) {
      if (call.id.empty() || call.arguments.empty()) __builtin_trap();
    }
  }
  return 0;
}
