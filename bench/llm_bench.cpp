// Benchmarks of the model client (core/llm), one plain run printing its figures:
//   1. SSE parsing throughput (the framing alone, and with each OpenAI chunk decoded and
//      assembled), in MB/s;
//   2. client overhead per call on loopback: wall time of a whole call against the
//      simulated server, and the calling thread's own CPU time (which excludes the
//      server's work), median and p90;
//   3. 64 concurrent streaming calls on loopback through one shared rate limiter: all
//      must succeed, and the achieved request rate is compared with the configured one.
// Usage: build/bench/llm_bench [--quick]
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/llm/openai_provider.hpp"
#include "core/llm/openai_stream.hpp"
#include "core/llm/rate_limiter.hpp"
#include "core/llm/sse_parser.hpp"
#include "tests/sim/openai_stream_frames.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using l2mac::llm::ChatMessage;
using l2mac::llm::ChatRequest;
using l2mac::llm::ChatResponse;
using l2mac::llm::ToolCall;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

ChatResponse LongReply() {
  std::string code;
  for (int i = 0; i < 400; ++i) {
    code += "def function_" + std::to_string(i) + "(a, b):\n    return a * b + " +
            std::to_string(i) + "\n\n";
  }
  nlohmann::json arguments = {{"path", "module.py"}, {"content", code}};
  ChatResponse response;
  response.message = ChatMessage::Assistant("I will write the module now.",
                                            {ToolCall{"call_1", "write_file", arguments.dump()}});
  response.finish_reason = "tool_calls";
  response.usage = {5000, 3000, 0};
  response.model = "bench";
  return response;
}

void BenchSse(bool quick) {
  std::string one;
  for (const std::string& frame : l2mac::sim::OpenAiStreamFrames(LongReply(), 12)) one += frame;
  std::string stream;
  const size_t target = quick ? (size_t{8} << 20) : (size_t{64} << 20);
  while (stream.size() < target) stream += one;
  const size_t chunk = 16384;

  size_t events = 0;
  auto start = Clock::now();
  l2mac::llm::SseParser parser;
  for (size_t at = 0; at < stream.size(); at += chunk) {
    parser.Feed(std::string_view(stream).substr(at, chunk), [&](const l2mac::llm::SseEvent& e) {
      events += e.data.size() > 0 ? 1 : 0;
      return true;
    });
  }
  double framing = Seconds(Clock::now() - start);

  // With every chunk decoded: one assembler per reply, as a real stream would have.
  size_t replies = 0;
  start = Clock::now();
  l2mac::llm::SseParser full_parser;
  auto assembler = std::make_unique<l2mac::llm::OpenAiStreamAssembler>();
  for (size_t at = 0; at < stream.size(); at += chunk) {
    full_parser.Feed(std::string_view(stream).substr(at, chunk),
                     [&](const l2mac::llm::SseEvent& e) {
                       (void)assembler->AddData(e.data);
                       if (assembler->done()) {
                         replies += assembler->Finish().ok() ? 1 : 0;
                         assembler = std::make_unique<l2mac::llm::OpenAiStreamAssembler>();
                       }
                       return true;
                     });
  }
  double decoded = Seconds(Clock::now() - start);
  const double mb = static_cast<double>(stream.size()) / 1e6;
  std::printf("1. SSE parsing (%.0f MB of OpenAI stream frames, %zu events, 16 KiB reads)\n", mb,
              events);
  std::printf("   framing only:              %8.0f MB/s  (target >= 500)\n", mb / framing);
  std::printf("   framing + JSON + assembly: %8.0f MB/s  (%zu replies assembled)\n", mb / decoded,
              replies);
}

ChatRequest TypicalRequest() {
  ChatRequest request;
  request.messages = {ChatMessage::System(std::string(6000, 's')),
                      ChatMessage::User(std::string(12000, 'u'))};
  for (int i = 0; i < 10; ++i) {
    std::string id = "call_" + std::to_string(i);
    request.messages.push_back(ChatMessage::Assistant(
        "", {{id, "write_file", R"({"path":"f.py","content":")" + std::string(800, 'x') + "\"}"}}));
    request.messages.push_back(ChatMessage::ToolResult(id, R"({"ok":true})"));
  }
  request.tools = {{"write_file", "Write a file", nlohmann::json{{"type", "object"}}}};
  request.max_output_tokens = 1000;
  return request;
}

void BenchOverhead(bool quick) {
  ChatResponse reply;
  reply.message = ChatMessage::Assistant(
      "", {ToolCall{"c1", "write_file", R"({"path":"a.py","content":"print(1)\n"})"}});
  reply.finish_reason = "tool_calls";
  reply.usage = {10, 10, 0};
  l2mac::sim::SimModelServer server([reply](const nlohmann::json&, size_t) {
    l2mac::sim::SimReply sim_reply;
    sim_reply.response = reply;
    return sim_reply;
  });
  if (!server.Start().ok()) {
    std::printf("2. cannot start the simulated server\n");
    return;
  }
  const ChatRequest request = TypicalRequest();
  for (bool stream : {true, false}) {
    l2mac::llm::OpenAiOptions options;
    options.base_url = server.base_url();
    options.model = "bench";
    options.stream = stream;
    auto provider = l2mac::llm::MakeOpenAiProvider(options);
    const int calls = quick ? 50 : 300;
    std::vector<double> wall;
    std::vector<double> cpu;
    int failed = 0;
    for (int i = 0; i < calls + 5; ++i) {
      double cpu_start = ThreadCpuSeconds();
      auto start = Clock::now();
      failed += provider->Complete(request).ok() ? 0 : 1;
      if (i < 5) continue;  // warm-up
      wall.push_back(Seconds(Clock::now() - start) * 1000);
      cpu.push_back((ThreadCpuSeconds() - cpu_start) * 1000);
    }
    std::printf(
        "2. per call on loopback (%s, %zu KB request, %d calls, %d failed):\n"
        "   wall incl. server: median %.3f ms, p90 %.3f ms\n"
        "   client CPU only:   median %.3f ms, p90 %.3f ms  (target < 1 ms median)\n",
        stream ? "streaming" : "not streaming", server.requests().back().dump().size() / 1024,
        calls, failed, Percentile(wall, 0.5), Percentile(wall, 0.9), Percentile(cpu, 0.5),
        Percentile(cpu, 0.9));
  }
}

void BenchConcurrency(bool quick) {
  l2mac::sim::SimModelServer server([](const nlohmann::json&, size_t) {
    l2mac::sim::SimReply reply;
    reply.response.message = ChatMessage::Assistant(
        "Writing it.", {ToolCall{"c1", "write_file", R"({"path":"a.py","content":"print(1)\n"})"}});
    reply.response.finish_reason = "tool_calls";
    reply.response.usage = {10, 10, 0};
    return reply;
  });
  if (!server.Start().ok()) {
    std::printf("3. cannot start the simulated server\n");
    return;
  }
  // Below what the loopback pair can serve on this machine, so the limiter is what binds.
  const double rpm = 600;
  const int threads = 64;
  const int per_thread = quick ? 1 : 2;
  auto limiter = std::make_shared<l2mac::llm::RateLimiter>(rpm, 0);
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::mutex mutex;
  std::vector<double> done_at;  // seconds since the start, per completed call
  std::vector<std::thread> pool;
  const auto begin = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      l2mac::llm::OpenAiOptions options;
      options.base_url = server.base_url();
      options.model = "bench";
      options.limiter = limiter;
      auto provider = l2mac::llm::MakeOpenAiProvider(options);
      for (int i = 0; i < per_thread; ++i) {
        auto result = provider->Complete(TypicalRequest());
        (result.ok() && result->message.tool_calls.size() == 1 ? ok : failed)++;
        std::lock_guard<std::mutex> lock(mutex);
        done_at.push_back(Seconds(Clock::now() - begin));
      }
    });
  }
  for (auto& thread : pool) thread.join();
  std::sort(done_at.begin(), done_at.end());
  const int total = threads * per_thread;
  // Calls complete one limiter interval apart; the rate over first..last completion.
  const double span = done_at.back() - done_at.front();
  const double achieved = 60.0 * static_cast<double>(done_at.size() - 1) / span;
  std::printf(
      "3. %d threads x %d streaming calls, one shared limiter at %.0f rpm: %d ok, %d failed "
      "of %d\n"
      "   achieved %.1f rpm between the first and last completion (%.2f s): %+.2f%% from the "
      "configured rate (target within 5%%)\n",
      threads, per_thread, rpm, ok.load(), failed.load(), total, achieved, span,
      100.0 * (achieved - rpm) / rpm);
}

}  // namespace

// 64 streaming calls in flight at once, no limiter: all must succeed.
void BenchBurst() {
  l2mac::sim::SimModelServer server([](const nlohmann::json&, size_t) {
    l2mac::sim::SimReply reply;
    reply.response = LongReply();
    return reply;
  });
  if (!server.Start().ok()) return;
  std::atomic<int> ok{0};
  std::vector<std::thread> pool;
  const auto begin = Clock::now();
  for (int t = 0; t < 64; ++t) {
    pool.emplace_back([&] {
      l2mac::llm::OpenAiOptions options;
      options.base_url = server.base_url();
      options.model = "bench";
      auto result = l2mac::llm::MakeOpenAiProvider(options)->Complete(TypicalRequest());
      if (result.ok() && result->message.tool_calls.size() == 1) ++ok;
    });
  }
  for (auto& thread : pool) thread.join();
  std::printf(
      "   64 streaming calls at once without a limit (about 20 KB replies in ~1900 events): %d "
      "of 64 ok in %.2f s\n",
      ok.load(), Seconds(Clock::now() - begin));
}

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  BenchSse(quick);
  BenchOverhead(quick);
  BenchConcurrency(quick);
  BenchBurst();
  return 0;
}
