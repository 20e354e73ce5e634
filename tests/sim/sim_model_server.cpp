#include "tests/sim/sim_model_server.hpp"

#include <httplib.h>

#include <atomic>
#include <cctype>
#include <exception>
#include <utility>

#include "core/llm/anthropic_wire.hpp"
#include "core/llm/openai_wire.hpp"
#include "tests/sim/anthropic_stream_frames.hpp"
#include "tests/sim/openai_stream_frames.hpp"
#include "tests/sim/server_wire.hpp"

namespace l2mac::sim {
namespace {

using nlohmann::json;

constexpr const char* kJson = "application/json";
constexpr size_t kWorkerThreads = 72;

std::string ErrorBody(int http_status, const std::string& message) {
  return json{{"error", {{"message", message}, {"type", "sim_error"}, {"code", http_status}}}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

std::string NextCallId() {
  static std::atomic<uint64_t> counter{0};
  return "call_" + std::to_string(++counter);
}

// Anything but POST /v1/chat/completions.
void UnknownPath(const httplib::Request& request, httplib::Response& response) {
  response.status = 404;
  response.set_content(
      ErrorBody(404, request.method + " " + request.path +
                         " is not served here; the simulated model server answers POST "
                         "/v1/chat/completions"),
      kJson);
}

}  // namespace

SimModelServer::SimModelServer(SimHandler handler)
    : handler_(std::move(handler)), server_(std::make_unique<httplib::Server>()) {}

SimModelServer::~SimModelServer() { Stop(); }

Status SimModelServer::Start() {
  if (started_) return Status::FailedPrecondition("the simulated model server is already started");
  started_ = true;
  // One request per connection, so no idle keep-alive connection holds up Stop().
  server_->set_keep_alive_max_count(1);
  // Enough workers for many concurrent streams (the benchmarks run 64); httplib's API
  // takes ownership of the raw pointer it gets here.
  server_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  server_->Post(R"(/.*/chat/completions)",
                [this](const httplib::Request& request, httplib::Response& response) {
                  Serve(request, response, /*anthropic=*/false);
                });
  server_->Post(R"(/.*/messages)",
                [this](const httplib::Request& request, httplib::Response& response) {
                  Serve(request, response, /*anthropic=*/true);
                });
  server_->Get(".*", UnknownPath);
  server_->Post(".*", UnknownPath);
  server_->Put(".*", UnknownPath);
  server_->Patch(".*", UnknownPath);
  server_->Delete(".*", UnknownPath);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ < 0) {
    port_ = 0;
    return Status::Unavailable(
        "the simulated model server cannot bind a port on 127.0.0.1; check that loopback "
        "networking is available");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it before returning.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Internal("the simulated model server's accept loop did not start in 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::Ok();
}

void SimModelServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

int SimModelServer::port() const { return port_; }

std::string SimModelServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

std::vector<json> SimModelServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

size_t SimModelServer::request_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_.size();
}

std::vector<std::string> SimModelServer::authorization_headers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return authorization_;
}

void SimModelServer::Serve(const httplib::Request& request, httplib::Response& response,
                           bool anthropic) {
  bool streaming = false;
  SimReply reply = Dispatch(request, anthropic, streaming);
  WaitUnlessStopping(reply.delay);
  response.status = reply.http_status;
  for (const auto& [name, value] : reply.headers) response.set_header(name, value);
  if (streaming && reply.http_status == 200 && reply.raw_body.empty()) {
    StreamReply(std::move(reply), anthropic, response);
  } else if (!reply.raw_body.empty()) {
    response.set_content(reply.raw_body, kJson);
  } else if (reply.http_status == 200) {
    json body =
        anthropic ? ResponseToAnthropicJson(reply.response) : ResponseToOpenAiJson(reply.response);
    response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), kJson);
  } else {
    response.set_content(
        ErrorBody(reply.http_status, "simulated HTTP " + std::to_string(reply.http_status)), kJson);
  }
}

void SimModelServer::StreamReply(SimReply reply, bool anthropic, httplib::Response& response) {
  std::vector<std::string> frames;
  if (!reply.raw_sse.empty()) {
    frames.push_back(reply.raw_sse);
  } else if (anthropic) {
    frames = AnthropicStreamFrames(reply.response);
  } else {
    frames = OpenAiStreamFrames(reply.response);
  }
  const size_t fault_at = frames.size() / 2;
  response.set_chunked_content_provider(
      "text/event-stream", [this, frames = std::move(frames), fault_at, fault = reply.stream_fault,
                            stall = reply.stall](size_t /*offset*/, httplib::DataSink& sink) {
        for (size_t i = 0; i < frames.size(); ++i) {
          if (i == fault_at) {
            switch (fault) {
              case StreamFault::kNone:
                break;
              case StreamFault::kStall:
                WaitUnlessStopping(stall);
                break;
              case StreamFault::kReset:
                return false;  // httplib drops the connection mid-body
              case StreamFault::kMalformedSse: {
                const std::string garbage = "data: {\"choices\": [{\"delta\": \n\n";
                if (!sink.write(garbage.data(), garbage.size())) return false;
                break;
              }
              case StreamFault::kCutShort:
                sink.done();
                return true;
            }
          }
          if (!sink.write(frames[i].data(), frames[i].size())) return false;
        }
        sink.done();
        return true;
      });
}

std::vector<std::map<std::string, std::string>> SimModelServer::request_headers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return headers_;
}

std::vector<json> SimModelServer::raw_requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return raw_requests_;
}

std::vector<std::string> SimModelServer::targets() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return targets_;
}

SimReply SimModelServer::Dispatch(const httplib::Request& request, bool anthropic,
                                  bool& streaming) {
  json parsed = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return ErrorReply(400, "the request body is not valid JSON");
  }
  json raw = parsed;
  if (anthropic) {
    Result<llm::ChatRequest> translated = RequestFromAnthropicJson(parsed);
    if (!translated.ok()) return ErrorReply(400, translated.status().message());
    json openai = llm::RequestToOpenAiJson(*translated, parsed.value("model", ""));
    if (parsed.contains("stream")) openai["stream"] = parsed["stream"];
    parsed = std::move(openai);
  }
  auto stream = parsed.find("stream");
  streaming = stream != parsed.end() && stream->is_boolean() && stream->get<bool>();
  std::lock_guard<std::mutex> lock(mutex_);
  size_t index = requests_.size();
  requests_.push_back(parsed);
  authorization_.push_back(request.get_header_value("Authorization"));
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers[lower] = value;
  }
  headers_.push_back(std::move(headers));
  targets_.push_back(request.target);
  raw_requests_.push_back(std::move(raw));
  try {
    return handler_(parsed, index);
  } catch (const std::exception& e) {
    return ErrorReply(500, std::string("the simulated model's handler threw: ") + e.what());
  }
}

void SimModelServer::WaitUnlessStopping(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return;
  std::unique_lock<std::mutex> lock(mutex_);
  stop_signal_.wait_for(lock, delay, [this] { return stopping_; });
}

SimReply TextReply(std::string content, llm::Usage usage) {
  SimReply reply;
  reply.response.message = llm::ChatMessage::Assistant(std::move(content));
  reply.response.finish_reason = "stop";
  reply.response.usage = usage;
  reply.response.model = "sim-model";
  return reply;
}

SimReply ToolCallsReply(std::vector<llm::ToolCall> calls) {
  SimReply reply;
  reply.response.message = llm::ChatMessage::Assistant("", std::move(calls));
  reply.response.finish_reason = "tool_calls";
  reply.response.usage = {10, 10};
  reply.response.model = "sim-model";
  return reply;
}

SimReply ToolCallReply(std::string name, const json& arguments, std::string id) {
  if (id.empty()) id = NextCallId();
  return ToolCallsReply(
      {llm::ToolCall{std::move(id), std::move(name),
                     arguments.dump(-1, ' ', false, json::error_handler_t::replace)}});
}

SimReply RawToolCallReply(std::string name, std::string raw_arguments) {
  return ToolCallsReply({llm::ToolCall{NextCallId(), std::move(name), std::move(raw_arguments)}});
}

SimReply ErrorReply(int http_status, std::string message,
                    std::map<std::string, std::string> headers) {
  SimReply reply;
  reply.http_status = http_status;
  reply.raw_body = ErrorBody(http_status, message);
  reply.headers = std::move(headers);
  return reply;
}

SimReply WithStreamFault(SimReply reply, StreamFault fault, std::chrono::milliseconds stall) {
  reply.stream_fault = fault;
  reply.stall = stall;
  return reply;
}

}  // namespace l2mac::sim
