#include "core/llm/openai_provider.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "core/llm/http_client.hpp"
#include "core/llm/json_field.hpp"
#include "core/llm/openai_wire.hpp"
#include "core/llm/redact.hpp"

namespace l2mac::llm {
namespace {

using std::chrono::milliseconds;

// The longest server error message an error quotes.
constexpr size_t kServerMessageBytes = 500;

bool IsRetryableStatus(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504 ||
         status == 529;
}

bool IsRetryableTransport(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

// A non-negative number of seconds, integer or decimal; nothing for an HTTP date or junk.
std::optional<milliseconds> ParseSeconds(std::string_view text) {
  double seconds = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, seconds, std::chars_format::fixed);
  if (ec != std::errc() || ptr != end || !std::isfinite(seconds) || seconds < 0) {
    return std::nullopt;
  }
  // Anything beyond a day is capped by max_backoff anyway; clamp before converting.
  seconds = std::min(seconds, 86400.0);
  return milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

// The server's own explanation: error.message, a string "error", or the body itself.
std::string ServerMessage(const std::string& body) {
  std::string message;
  try {
    nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) {
      auto error = parsed.find("error");
      if (error != parsed.end() && error->is_string()) {
        message = error->get<std::string>();
      } else if (error != parsed.end() && error->is_object()) {
        auto text = error->find("message");
        if (text != error->end() && text->is_string()) message = text->get<std::string>();
      }
    }
  } catch (const std::exception&) {
    message.clear();
  }
  if (message.empty()) message = body;
  if (message.empty()) return "(empty body)";
  return Excerpt(message, kServerMessageBytes);
}

std::string TrimTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

class OpenAiProvider final : public Provider {
 public:
  explicit OpenAiProvider(OpenAiOptions options)
      : options_(std::move(options)),
        url_(TrimTrailingSlashes(options_.base_url) + "/chat/completions"),
        display_url_(Scrub(UrlForDisplay(url_))),
        random_(std::random_device{}()) {}

  Result<ChatResponse> Complete(const ChatRequest& request) override {
    HttpRequest http;
    http.url = url_;
    http.headers.emplace_back("Content-Type", "application/json");
    if (!options_.api_key.empty()) {
      http.headers.emplace_back("Authorization", "Bearer " + options_.api_key);
    }
    http.connect_timeout = options_.connect_timeout;
    http.total_timeout = options_.request_timeout;
    try {
      // Text that is not valid UTF-8 (a binary file the model read) is replaced by U+FFFD
      // rather than failing the whole request.
      http.body = RequestToOpenAiJson(request, options_.model)
                      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const std::exception& e) {
      return Status::Internal("cannot serialize the chat request: " + JsonErrorDetail(e));
    }
    return PostWithRetries(http);
  }

  std::string Describe() const override {
    return fmt::format("openai-compatible model '{}' at {}", Scrub(options_.model),
                       Scrub(UrlForDisplay(options_.base_url)));
  }

 private:
  std::string Scrub(std::string text) const {
    return RedactSecret(std::move(text), options_.api_key);
  }

  // The key is scrubbed from text that did not originate here: server bodies, the URL and
  // the transport's messages (which quote the URL). The advice this class writes itself is
  // left alone, so a short key that equals a word of it cannot garble it.
  Result<ChatResponse> PostWithRetries(const HttpRequest& http) {
    const int attempts = std::max(0, options_.max_retries) + 1;
    for (int attempt = 0;; ++attempt) {
      const bool last = attempt + 1 >= attempts;
      Result<HttpResponse> response = HttpPost(http);
      if (!response.ok()) {
        Status status(response.status().code(), Scrub(response.status().message()));
        if (!IsRetryableTransport(status)) return status;
        if (last) {
          return Status(status.code(),
                        fmt::format("{} (gave up after {} attempts)", status.message(), attempts));
        }
        milliseconds delay = Backoff(attempt);
        spdlog::warn("{}, retrying in {:.1f}s (attempt {} of {})", status.message(), Seconds(delay),
                     attempt + 2, attempts);
        std::this_thread::sleep_for(delay);
        continue;
      }
      const long code = response->status;
      if (code >= 200 && code < 300) {
        Result<ChatResponse> parsed = ParseOpenAiResponse(response->body);
        if (!parsed.ok()) {
          return Status(parsed.status().code(),
                        display_url_ + ": " + Scrub(parsed.status().message()));
        }
        return parsed;
      }
      if (IsRetryableStatus(code) && !last) {
        milliseconds delay = RetryDelay(*response, attempt);
        spdlog::warn("HTTP {} from {}, retrying in {:.1f}s (attempt {} of {})", code, display_url_,
                     Seconds(delay), attempt + 2, attempts);
        std::this_thread::sleep_for(delay);
        continue;
      }
      return StatusError(code, response->body, attempt + 1);
    }
  }

  Status StatusError(long code, const std::string& body, int attempts_made) const {
    if (code == 401 || code == 403) {
      if (options_.api_key.empty()) {
        return Status::Unauthenticated(fmt::format(
            "the model server at {} requires an API key (HTTP {}): set OPENAI_API_KEY (or the "
            "variable named by --api-key-env)",
            display_url_, code));
      }
      return Status::Unauthenticated(fmt::format(
          "the model server at {} rejected the API key (HTTP {}): set OPENAI_API_KEY (or the "
          "variable named by --api-key-env) to a valid key",
          display_url_, code));
    }
    if (code == 404) {
      return Status::NotFound(fmt::format(
          "the model server at {} has no such endpoint or model (HTTP 404): check --base-url "
          "(it usually ends in /v1) and --model '{}'",
          display_url_, options_.model));
    }
    if (IsRetryableStatus(code)) {
      return Status::Unavailable(fmt::format(
          "the model server at {} is still failing after {} attempts (last HTTP {}: {}); wait "
          "and run again, or lower the request rate",
          display_url_, attempts_made, code, Scrub(ServerMessage(body))));
    }
    if (code >= 400 && code < 500) {
      return Status::InvalidArgument(fmt::format(
          "the model server at {} refused the request (HTTP {}): {}; this request cannot "
          "succeed as sent: check --model and the request size",
          display_url_, code, Scrub(ServerMessage(body))));
    }
    return Status::Unavailable(
        fmt::format("the model server at {} answered HTTP {}: {}; check --base-url", display_url_,
                    code, Scrub(ServerMessage(body))));
  }

  // Retry-After (seconds, integer or decimal) when the server sent it, else backoff;
  // never longer than max_backoff.
  milliseconds RetryDelay(const HttpResponse& response, int attempt) {
    auto header = response.headers.find("retry-after");
    if (header != response.headers.end()) {
      if (std::optional<milliseconds> delay = ParseSeconds(header->second)) {
        return std::min(*delay, options_.max_backoff);
      }
    }
    return Backoff(attempt);
  }

  // Full jitter: uniform in [0, min(max_backoff, initial_backoff * 2^attempt)].
  milliseconds Backoff(int attempt) {
    const int64_t cap = std::max<int64_t>(0, options_.max_backoff.count());
    int64_t ceiling = std::max<int64_t>(0, options_.initial_backoff.count());
    for (int i = 0; i < attempt && ceiling < cap; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, cap);
    std::uniform_int_distribution<int64_t> pick(0, ceiling);
    return milliseconds(pick(random_));
  }

  static double Seconds(milliseconds delay) { return static_cast<double>(delay.count()) / 1000.0; }

  OpenAiOptions options_;
  std::string url_;
  std::string display_url_;
  std::mt19937_64 random_;
};

}  // namespace

std::unique_ptr<Provider> MakeOpenAiProvider(OpenAiOptions options) {
  return std::make_unique<OpenAiProvider>(std::move(options));
}

}  // namespace l2mac::llm
