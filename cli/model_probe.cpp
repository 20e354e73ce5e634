#include "cli/model_probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "core/llm/openai_provider.hpp"
#include "core/llm/text_tool_protocol.hpp"

namespace l2mac::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kProbeTool = "l2mac_ping";
// Enough for a reasoning model to think briefly before a one-word answer or a tool call.
constexpr int kProbeOutputTokens = 512;
constexpr std::chrono::milliseconds kProbeConnectTimeout{5000};

llm::ChatRequest ToolRequest() {
  llm::ChatRequest request;
  request.messages = {
      llm::ChatMessage::System("You are checking that tool calling works. Answer only by "
                               "calling the tool you are given."),
      llm::ChatMessage::User(
          fmt::format("Call the tool {} with the argument word set to \"pong\".", kProbeTool))};
  request.tools = {llm::ToolSchema{kProbeTool,
                                   "Answers pong; call it to show that tool calling works.",
                                   nlohmann::json{{"type", "object"},
                                                  {"properties", {{"word", {{"type", "string"}}}}},
                                                  {"required", {"word"}}}}};
  request.max_output_tokens = kProbeOutputTokens;
  return request;
}

llm::ChatRequest PlainRequest() {
  llm::ChatRequest request;
  request.messages = {llm::ChatMessage::User("Reply with the single word: ok")};
  request.max_output_tokens = kProbeOutputTokens;
  return request;
}

class Prober {
 public:
  Prober(ServerChoice choice, std::chrono::milliseconds timeout) : choice_(std::move(choice)) {
    llm::OpenAiOptions& options = choice_.options;
    options.max_retries = 0;
    options.max_length_retries = 0;
    options.connect_timeout = std::min(kProbeConnectTimeout, timeout);
    options.request_timeout = timeout;
    options.first_byte_timeout = timeout;
    options.idle_timeout = timeout;
  }

  std::string Describe() const { return Make(false)->Describe(); }

  // One request; the latency of the first answer is noted in `report`.
  Result<llm::ChatResponse> Send(const llm::ChatRequest& request, bool stream,
                                 ModelProbeReport& report) const {
    const auto start = Clock::now();
    Result<llm::ChatResponse> response = Make(stream)->Complete(request);
    if (response.ok() && !report.latency_ms) {
      report.latency_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    }
    return response;
  }

 private:
  std::unique_ptr<llm::Provider> Make(bool stream) const {
    llm::OpenAiOptions options = choice_.options;
    options.stream = stream;
    return choice_.anthropic ? llm::MakeAnthropicProvider(std::move(options))
                             : llm::MakeOpenAiProvider(std::move(options));
  }

  ServerChoice choice_;
};

}  // namespace

nlohmann::json ModelProbeReport::ToJson() const {
  auto text_or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  return {{"server", server},
          {"usable", usable},
          {"problem", text_or_null(problem)},
          {"latency_ms", latency_ms ? nlohmann::json(*latency_ms) : nlohmann::json(nullptr)},
          {"tools", tools},
          {"tools_detail", text_or_null(tools_detail)},
          {"streaming", streaming},
          {"streaming_detail", text_or_null(streaming_detail)}};
}

std::string ModelProbeReport::ToText() const {
  std::string text = "model: " + server + "\n";
  if (!usable) return text + "  UNUSABLE: " + problem + "\n";
  text += fmt::format("  reachable: yes, first answer in {} ms\n", latency_ms.value_or(0));
  text +=
      "  tool calling: " + tools + (tools_detail.empty() ? "" : " (" + tools_detail + ")") + "\n";
  text += "  streaming: " + streaming +
          (streaming_detail.empty() ? "" : " (" + streaming_detail + ")") + "\n";
  return text;
}

ModelProbeReport ProbeModel(ServerChoice choice, std::chrono::milliseconds timeout) {
  Prober prober(std::move(choice), timeout);
  ModelProbeReport report;
  report.server = prober.Describe();

  Result<llm::ChatResponse> tool_reply = prober.Send(ToolRequest(), /*stream=*/false, report);
  if (tool_reply.ok()) {
    report.usable = true;
    const auto& calls = tool_reply->message.tool_calls;
    const bool called = std::any_of(calls.begin(), calls.end(), [](const llm::ToolCall& call) {
      return call.name == kProbeTool;
    });
    if (called) {
      report.tools = "yes";
      report.tools_detail = "the model called the test tool";
    } else {
      report.tools = "no";
      report.tools_detail =
          "the model answered in text instead of calling the test tool; if runs stall, try "
          "--text-protocol always";
    }
  } else if (llm::IsRefusalOfTools(tool_reply.status())) {
    report.tools = "refused";
    report.tools_detail =
        "the server refuses `tools`; l2mac switches to the text tool protocol "
        "on its own (--text-protocol auto): " +
        tool_reply.status().message();
  } else {
    // Unreachable, a rejected key, no such model, a timeout: nothing else can work.
    report.problem = tool_reply.status().message();
    return report;
  }

  Result<llm::ChatResponse> streamed = prober.Send(PlainRequest(), /*stream=*/true, report);
  if (streamed.ok()) {
    report.usable = true;
    report.streaming = "yes";
  } else {
    report.streaming = "no";
    report.streaming_detail =
        "a streamed request failed; run with --no-stream: " + streamed.status().message();
    if (!report.usable) {
      Result<llm::ChatResponse> whole = prober.Send(PlainRequest(), /*stream=*/false, report);
      if (whole.ok()) {
        report.usable = true;
      } else {
        report.problem = whole.status().message();
      }
    }
  }
  return report;
}

}  // namespace l2mac::cli
