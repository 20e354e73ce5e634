// Microbenchmarks of the work the control unit does before every model call: counting
// the context, building the store manifest, and applying an edit_file to a large file.
// They guard against these per-call costs growing with the size of a run.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "agents/context_budget.hpp"
#include "agents/search_replace.hpp"
#include "agents/tool_schemas.hpp"
#include "agents/worker.hpp"
#include "core/llm/request_tokens.hpp"

namespace {

using l2mac::llm::ChatMessage;

std::vector<ChatMessage> Conversation(int turns) {
  std::vector<ChatMessage> messages = {ChatMessage::System(std::string(4000, 's')),
                                       ChatMessage::User(std::string(8000, 'u'))};
  for (int i = 0; i < turns; ++i) {
    std::string id = "call_" + std::to_string(i);
    messages.push_back(ChatMessage::Assistant(
        "", {{id, "write_file",
              "{\"path\": \"f.py\", \"content\": \"" + std::string(3000, 'x') + "\"}"}}));
    messages.push_back(ChatMessage::ToolResult(id, "{\"ok\": true, \"lines\": 80}"));
  }
  return messages;
}

void BM_CountContext(benchmark::State& state) {
  auto messages = Conversation(static_cast<int>(state.range(0)));
  auto tools = l2mac::agents::WorkerToolSchemas();
  for (auto _ : state) {
    benchmark::DoNotOptimize(l2mac::llm::EstimateRequestTokens(nullptr, messages, tools));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(messages.size()));
}
BENCHMARK(BM_CountContext)->Arg(10)->Arg(100);

void BM_Manifest(benchmark::State& state) {
  std::vector<l2mac::filestore::FileInfo> files;
  for (int64_t i = 0; i < state.range(0); ++i) {
    files.push_back({"src/module_" + std::to_string(i) + ".py", 4096, 120, "h"});
  }
  for (auto _ : state) benchmark::DoNotOptimize(l2mac::agents::FormatManifest(files, 300));
}
BENCHMARK(BM_Manifest)->Arg(100)->Arg(10000);

std::string LargeFile(int lines) {
  std::string text;
  for (int i = 0; i < lines; ++i)
    text += "    value_" + std::to_string(i) + " = compute(" + std::to_string(i) + ")\n";
  return text;
}

void BM_EditExact(benchmark::State& state) {
  std::string file = LargeFile(10000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(l2mac::agents::ApplySearchReplace(
        file, "    value_5000 = compute(5000)\n", "    value_5000 = 0\n"));
  }
}
BENCHMARK(BM_EditExact);

void BM_EditWhitespaceTolerant(benchmark::State& state) {
  std::string file = LargeFile(10000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        l2mac::agents::ApplySearchReplace(file, "value_5000 = compute(5000)", "value_5000 = 0"));
  }
}
BENCHMARK(BM_EditWhitespaceTolerant);

}  // namespace

BENCHMARK_MAIN();
