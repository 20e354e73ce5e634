#include "core/llm/http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string_view>
#include <system_error>

#include "core/llm/redact.hpp"

#include "core/text.hpp"
#include "core/version.hpp"

namespace l2mac::llm {
namespace {

// A response body larger than this is refused rather than held in memory.
constexpr size_t kMaxResponseBytes = size_t{64} << 20;

using Clock = std::chrono::steady_clock;

enum class StallKind { kNone, kFirstByte, kIdle, kCancelled };

struct Transfer {
  const HttpRequest* request = nullptr;
  CURL* handle = nullptr;
  HttpResponse response;
  bool body_too_large = false;
  // Streaming state: decided on the first body byte (2xx and text/event-stream).
  bool decided = false;
  Status stream_status;  // what the stream sink said when it stopped the transfer
  Clock::time_point start = Clock::now();
  Clock::time_point last_byte{};
  bool got_byte = false;
  StallKind stall = StallKind::kNone;
};

void NoteByte(Transfer& transfer) {
  transfer.got_byte = true;
  transfer.last_byte = Clock::now();
}

bool IsEventStream(const HttpResponse& response) {
  auto type = response.headers.find("content-type");
  return type != response.headers.end() && type->second.starts_with("text/event-stream");
}

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// curl_slist_append returns the head of the list, or null (leaving the list as it was).
bool AppendHeader(HeaderList& list, const std::string& line) {
  curl_slist* head = curl_slist_append(list.get(), line.c_str());
  if (head == nullptr) return false;
  static_cast<void>(list.release());
  list.reset(head);
  return true;
}

Status GlobalInit() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) {
    return Status::Internal(
        fmt::format("libcurl failed to initialize: {}", curl_easy_strerror(code)));
  }
  return Status::Ok();
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  NoteByte(*transfer);
  if (!transfer->decided) {
    transfer->decided = true;
    long status = 0;
    curl_easy_getinfo(transfer->handle, CURLINFO_RESPONSE_CODE, &status);
    transfer->response.streamed = transfer->request->on_stream_data && status >= 200 &&
                                  status < 300 && IsEventStream(transfer->response);
  }
  if (transfer->response.streamed) {
    Status status = transfer->request->on_stream_data(std::string_view(data, bytes));
    if (!status.ok()) {
      transfer->stream_status = std::move(status);
      return 0;  // CURLE_WRITE_ERROR
    }
    return bytes;
  }
  if (transfer->response.body.size() + bytes > kMaxResponseBytes) {
    transfer->body_too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  NoteByte(*transfer);
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new status line (after "100 Continue" or a redirect): earlier headers are stale.
    transfer->response.headers.clear();
    return bytes;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name(TrimWhitespace(line.substr(0, colon)));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  transfer->response.headers[name] = std::string(TrimWhitespace(line.substr(colon + 1)));
  return bytes;
}

// Called by libcurl during the transfer (at least about once a second, also while idle).
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  const HttpRequest& request = *transfer->request;
  if (IsCancelled(request.cancel)) {
    transfer->stall = StallKind::kCancelled;
    return 1;
  }
  const auto now = Clock::now();
  if (!transfer->got_byte) {
    if (request.first_byte_timeout.count() > 0 &&
        now - transfer->start > request.first_byte_timeout) {
      transfer->stall = StallKind::kFirstByte;
      return 1;
    }
  } else if (request.idle_timeout.count() > 0 && now - transfer->last_byte > request.idle_timeout) {
    transfer->stall = StallKind::kIdle;
    return 1;
  }
  return 0;
}

Status TransportError(CURLcode code, const std::string& detail, const std::string& url,
                      const HttpRequest& request) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Status::Unavailable(fmt::format(
          "cannot connect to {}: {}; is the server running? check --base-url", url, detail));
    case CURLE_OPERATION_TIMEDOUT:
      return Status::DeadlineExceeded(fmt::format(
          "no response from {} within the time limit (connect {} ms, total {} ms): {}; the "
          "server may be overloaded or the model slow: retry later or raise the timeout",
          url, request.connect_timeout.count(), request.total_timeout.count(), detail));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument(
          fmt::format("cannot use the URL {}: {}; check --base-url", url, detail));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return Status::FailedPrecondition(fmt::format(
          "the TLS certificate of {} could not be verified: {}; check --base-url and the "
          "system's CA certificates",
          url, detail));
    case CURLE_OUT_OF_MEMORY:
      return Status::Internal(fmt::format("out of memory talking to {}", url));
    default:
      return Status::Unavailable(fmt::format(
          "the connection to {} failed: {}; check the network and --base-url", url, detail));
  }
}

}  // namespace

Result<HttpResponse> HttpPost(const HttpRequest& request) {
  L2MAC_RETURN_IF_ERROR(GlobalInit());
  const std::string display_url = UrlForDisplay(request.url);
  std::unique_ptr<CURL, CurlEasyDeleter> handle(curl_easy_init());
  if (!handle) return Status::Internal("libcurl could not create a request handle");

  HeaderList header_list;
  for (const auto& [name, value] : request.headers) {
    if (!AppendHeader(header_list, name + ": " + value)) {
      return Status::Internal("libcurl could not build the request headers");
    }
  }
  // Send the body at once rather than waiting for "100 Continue" on large requests.
  if (!AppendHeader(header_list, "Expect:")) {
    return Status::Internal("libcurl could not build the request headers");
  }

  Transfer transfer;
  transfer.request = &request;
  transfer.handle = handle.get();
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* h = handle.get();
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  // Servers and proxies see who is calling (a "User-Agent" in request.headers replaces it).
  static const std::string kUserAgent = std::string("l2mac/") + L2macVersion();
  curl_easy_setopt(h, CURLOPT_USERAGENT, kUserAgent.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  if (request.on_stream_data || request.cancel != nullptr) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }

  CURLcode code = curl_easy_perform(h);
  if (transfer.body_too_large) {
    return Status::ResourceExhausted(
        fmt::format("the response from {} is larger than {} MiB; check --base-url", display_url,
                    kMaxResponseBytes >> 20));
  }
  if (transfer.stall == StallKind::kCancelled) {
    return Status::Cancelled("the model call to " + display_url + " was stopped: interrupted");
  }
  if (!transfer.stream_status.ok()) return transfer.stream_status;
  if (transfer.stall == StallKind::kFirstByte) {
    return Status::DeadlineExceeded(fmt::format(
        "no response from {} within {} ms (first-byte timeout); the server may be overloaded "
        "or the prompt long: retry later or raise model.first_byte_timeout_seconds",
        display_url, request.first_byte_timeout.count()));
  }
  if (transfer.stall == StallKind::kIdle) {
    return Status::DeadlineExceeded(
        fmt::format("the stream from {} stalled: nothing for {} ms (idle timeout); raise "
                    "model.idle_timeout_seconds if the model pauses that long",
                    display_url, request.idle_timeout.count()));
  }
  if (code != CURLE_OK) {
    std::string detail =
        error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
    long os_errno = 0;
    if (code == CURLE_COULDNT_CONNECT &&
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0) {
      // "Connection refused" says more than curl's "Couldn't connect to server".
      detail = std::error_code(static_cast<int>(os_errno), std::generic_category()).message();
    }
    return TransportError(code, detail, display_url, request);
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
}

}  // namespace l2mac::llm
