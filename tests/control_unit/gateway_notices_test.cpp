// What the provider says during a call becomes run events in RecordingGateway, with a real
// provider over loopback to the simulated server and a real workspace database: a retry
// after HTTP 500, a rate-limit wait and a warning (a reply cut by the token limit) arrive
// at the sink in order, are stored, and nothing reaches spdlog.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "control_unit/event_emitter.hpp"
#include "control_unit/event_log.hpp"
#include "control_unit/recording_gateway.hpp"
#include "control_unit/workspace.hpp"
#include "core/llm/openai_provider.hpp"
#include "core/llm/rate_limiter.hpp"
#include "tests/scenarios/temp_dir.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::control_unit {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class RecordingSink : public EventSink {
 public:
  void OnEvent(const RunEvent& event) override { events.push_back(event); }
  std::vector<RunEvent> events;
};

// Everything spdlog's default logger prints while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

std::vector<std::string> Types(const std::vector<RunEvent>& events) {
  std::vector<std::string> types;
  for (const RunEvent& event : events) types.emplace_back(event.type());
  return types;
}

TEST(GatewayNoticesTest, RetriesWaitsAndWarningsBecomeStoredEventsAndNoLogLines) {
  sim::SimModelServer server([](const json&, size_t index) {
    if (index == 0) return sim::ErrorReply(500, "try again", {{"Retry-After", "0"}});
    if (index == 1) return sim::TextReply("first");
    // A reply cut by the token limit in the middle of its second tool call.
    sim::SimReply cut = sim::ToolCallsReply(
        {llm::ToolCall{"c1", "write_file", R"({"path":"a.py","content":"ok"})"},
         llm::ToolCall{"c2", "write_file", R"({"path":"b.py","content":"def f():\n    re)"}});
    cut.response.finish_reason = "length";
    return cut;
  });
  ASSERT_TRUE(server.Start().ok());
  llm::OpenAiOptions options;
  options.base_url = server.base_url();
  options.model = "sim-model";
  options.stream = false;
  options.max_retries = 2;
  options.initial_backoff = milliseconds(1);
  options.max_backoff = milliseconds(5);
  options.max_length_retries = 0;
  // 30 requests a minute: the first attempt is free, every later one (the retry included)
  // waits about 2 s.
  options.limiter = std::make_shared<llm::RateLimiter>(30, 0);
  auto provider = llm::MakeOpenAiProvider(options);

  scenario::TempDir dir("gateway-notices");
  ASSERT_FALSE(dir.path().empty());
  auto workspace = Workspace::Open(dir.path() / "out", OpenMode::kCreate);
  ASSERT_TRUE(workspace.ok()) << workspace.status().ToString();
  RecordingSink sink;
  EventEmitter emitter((*workspace)->events(), &sink, 1);
  RecordingGateway gateway(*provider, **workspace);
  gateway.set_events(&emitter);

  llm::ChatRequest request;
  request.messages = {llm::ChatMessage::System("you write code"),
                      llm::ChatMessage::User("write a.py")};
  request.max_output_tokens = 100;
  LogCapture log;
  auto first = gateway.Call(request, agents::CallPurpose::kWork);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = gateway.Call(request, agents::CallPurpose::kWork);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE(emitter.Flush().ok());

  ASSERT_EQ(Types(sink.events),
            (std::vector<std::string>{
                "model_call_started", "model_call_retried", "rate_limit_wait_started",
                "rate_limit_waited", "model_call_finished", "model_call_started",
                "rate_limit_wait_started", "rate_limit_waited", "notice", "model_call_finished"}));
  const auto& retry = std::get<ModelCallRetried>(sink.events.at(1).payload);
  EXPECT_EQ(retry.purpose, "work");
  EXPECT_EQ(retry.attempt, 2);
  EXPECT_EQ(retry.max_attempts, 3);
  EXPECT_EQ(retry.delay_ms, 0);
  EXPECT_NE(retry.reason.find("HTTP 500 from " + server.base_url()), std::string::npos)
      << retry.reason;
  for (size_t at : {2u, 6u}) {
    EXPECT_GE(std::get<RateLimitWaitStarted>(sink.events.at(at).payload).expected_ms, 1000);
    EXPECT_GE(std::get<RateLimitWaited>(sink.events.at(at + 1).payload).waited_ms, 1000);
  }
  const auto& notice = std::get<Notice>(sink.events.at(8).payload);
  EXPECT_EQ(notice.level, "warning");
  EXPECT_NE(notice.message.find("the incomplete call is dropped"), std::string::npos)
      << notice.message;
  EXPECT_EQ(log.text(), "") << "the provider logged during a run";

  // All of them are stored, in the same order.
  auto stored = ReadEventsAfter((*workspace)->db(), 0, 100);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  std::vector<std::string> stored_types;
  for (const auto& event : *stored) stored_types.push_back(event["type"].get<std::string>());
  EXPECT_EQ(stored_types, Types(sink.events));
}

}  // namespace
}  // namespace l2mac::control_unit
