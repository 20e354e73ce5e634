// Blocking HTTP POST over libcurl. One HttpClient per thread; the curl global init is done
// once per process on first use.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace l2mac::llm {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{600000};
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Transport failures: kUnavailable (refused, reset, DNS), kDeadlineExceeded (timeouts).
// Any HTTP status, including 4xx/5xx, is a successful Result.
Result<HttpResponse> HttpPost(const HttpRequest& request);

}  // namespace l2mac::llm
