// The simulated model server: an OpenAI-compatible chat-completions endpoint on a loopback
// port, answering each request with whatever a test's handler scripts (a reply, an HTTP
// error, a malformed body, a delay). Tests drive the real HTTP client and providers
// against it, so no test needs a network or a real model.
//
// A request with "stream": true gets its reply as Server-Sent Events (see
// openai_stream_frames.hpp), with optional faults injected mid-stream (StreamFault).
//
// It speaks Anthropic's Messages API too, on any path ending in /messages: the request is
// translated to the OpenAI form before the handler sees it (so one scripted model serves
// both), and the reply is sent back in Anthropic's JSON or event stream. raw_requests()
// keeps the bodies as received.
//
// Threads: the server answers on its own threads; the handler is called under a mutex,
// one request at a time, so it may keep unsynchronized state. The accessors are
// thread-safe. Stop() (and the destructor) cuts any pending `delay` short and joins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/llm/message.hpp"
#include "core/status.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace l2mac::sim {

// A fault injected into a streamed reply, after about half of its events.
enum class StreamFault {
  kNone,
  kStall,         // stop sending for `stall`, then carry on (idle timeouts)
  kReset,         // close the connection without ending the chunked body
  kMalformedSse,  // an event whose data is not JSON
  kCutShort,      // end the body cleanly without a finish reason or [DONE]
};

struct SimReply {
  int http_status = 200;
  llm::ChatResponse response;                  // sent (as OpenAI JSON) when http_status == 200
                                               // and raw_body is empty
  std::string raw_body;                        // if non-empty, sent verbatim (malformed bodies)
  std::map<std::string, std::string> headers;  // extra response headers, e.g. {"Retry-After", "0"}
  std::chrono::milliseconds delay{0};          // wait before answering (timeouts, stalls)
  StreamFault stream_fault = StreamFault::kNone;  // streamed replies only
  std::chrono::milliseconds stall{0};             // StreamFault::kStall
  std::string raw_sse;  // if non-empty and the request streams: sent verbatim as the stream
};

// Called once per POST to a path ending in /chat/completions with the parsed request body and the
// 0-based index of the request. A handler that throws gets the client an HTTP 500; a body that is
// not JSON gets an HTTP 400 without reaching the handler (and is not recorded).
using SimHandler =
    std::function<SimReply(const nlohmann::json& request_body, size_t request_index)>;

class SimModelServer {
 public:
  explicit SimModelServer(SimHandler handler);
  ~SimModelServer();  // stops and joins
  SimModelServer(const SimModelServer&) = delete;
  SimModelServer& operator=(const SimModelServer&) = delete;

  // Binds 127.0.0.1 on an ephemeral port and serves on a background thread. Once it
  // returns OK, connections to port() are accepted. Fails if called twice.
  Status Start();
  void Stop();  // idempotent

  int port() const;
  std::string base_url() const;                  // "http://127.0.0.1:<port>/v1"
  std::vector<nlohmann::json> requests() const;  // JSON bodies received, in order
  size_t request_count() const;
  std::vector<std::string> authorization_headers() const;  // as received ("" when absent)
  // Every request's headers (names lower-cased) and target ("/v1/chat/completions?...").
  std::vector<std::map<std::string, std::string>> request_headers() const;
  std::vector<std::string> targets() const;
  std::vector<nlohmann::json> raw_requests() const;

 private:
  // Records the request and asks the handler for the reply (or builds an error reply for
  // a body that is not JSON or a handler that threw).
  // `streaming` tells whether the request asked for "stream": true.
  SimReply Dispatch(const httplib::Request& request, bool anthropic, bool& streaming);
  // Sends the reply as an event stream, injecting its fault.
  void StreamReply(SimReply reply, bool anthropic, httplib::Response& response);
  // Serves one chat request in either wire format.
  void Serve(const httplib::Request& request, httplib::Response& response, bool anthropic);
  // Sleeps for `delay`, or less if Stop() is called meanwhile.
  void WaitUnlessStopping(std::chrono::milliseconds delay);

  SimHandler handler_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  bool started_ = false;

  mutable std::mutex mutex_;  // guards the handler call and everything below
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::vector<nlohmann::json> requests_;
  std::vector<std::string> authorization_;
  std::vector<std::map<std::string, std::string>> headers_;
  std::vector<std::string> targets_;
  std::vector<nlohmann::json> raw_requests_;
};

// A text answer with finish_reason "stop".
SimReply TextReply(std::string content, llm::Usage usage = {10, 10});
// Tool calls with finish_reason "tool_calls".
SimReply ToolCallsReply(std::vector<llm::ToolCall> calls);
// One tool call; `arguments` serialized compactly; an empty id becomes "call_<n>", unique
// within the process.
SimReply ToolCallReply(std::string name, const nlohmann::json& arguments, std::string id = "");
// One tool call whose arguments text is sent verbatim (it may be invalid JSON).
SimReply RawToolCallReply(std::string name, std::string raw_arguments);
// An HTTP error with an OpenAI-style body {"error": {"message", "type", "code"}}.
SimReply ErrorReply(int http_status, std::string message,
                    std::map<std::string, std::string> headers = {});
// `reply` with a fault injected when it is streamed.
SimReply WithStreamFault(SimReply reply, StreamFault fault,
                         std::chrono::milliseconds stall = std::chrono::milliseconds(0));

}  // namespace l2mac::sim
