// Blocking HTTP POST over libcurl, whole-body or streaming, sending "User-Agent:
// l2mac/<version>". Thread-safe: each call uses its own handle; the curl global init is
// done once per process on first use.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cancel_token.hpp"
#include "core/status.hpp"

namespace l2mac::llm {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{600000};
  // Streaming only (on_stream_data set): the longest wait for the first byte of the
  // response, and the longest gap between bytes once it flows. Zero disables a limit.
  // A non-streaming server sends nothing until it is done, so these never apply to it.
  std::chrono::milliseconds first_byte_timeout{0};
  std::chrono::milliseconds idle_timeout{0};
  // When set and the response is a 2xx "text/event-stream", body bytes are handed here as
  // they arrive instead of being collected in HttpResponse::body. A non-OK Status stops
  // the transfer and is what HttpPost returns.
  std::function<Status(std::string_view)> on_stream_data;
  // Borrowed; when cancelled, the transfer is aborted within about a second (libcurl's
  // progress tick) and HttpPost returns kCancelled.
  const CancelToken* cancel = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // empty when the body was streamed
  bool streamed = false;                       // the body went to on_stream_data
};

// Transport failures: kCancelled (HttpRequest::cancel), kUnavailable (refused, reset,
// DNS, a stream cut short), kDeadlineExceeded (timeouts, including first-byte and idle-gap
// timeouts). Any HTTP status, including 4xx/5xx, is a successful Result.
Result<HttpResponse> HttpPost(const HttpRequest& request);

}  // namespace l2mac::llm
