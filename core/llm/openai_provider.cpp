#include "core/llm/openai_provider.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "core/llm/anthropic_wire.hpp"
#include "core/llm/extra_body.hpp"
#include "core/llm/http_client.hpp"
#include "core/llm/json_field.hpp"
#include "core/llm/openai_stream.hpp"
#include "core/llm/openai_wire.hpp"
#include "core/llm/redact.hpp"
#include "core/llm/request_tokens.hpp"
#include "core/llm/retry_policy.hpp"
#include "core/llm/sse_parser.hpp"
#include "core/llm/truncation.hpp"
#include "core/text.hpp"

namespace l2mac::llm {
namespace {

using std::chrono::milliseconds;

// The longest server error message an error quotes.
constexpr size_t kServerMessageBytes = 500;
// The largest output limit a length retry asks for.
constexpr int kMaxOutputTokensCeiling = 65536;

bool IsRetryableTransport(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
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

// What a call may count against a tokens-per-minute limit: its input and its output limit.
int64_t RateLimitTokens(const TokenCounter* counter, const ChatRequest& request) {
  return EstimateRequestTokens(counter, request.messages, request.tools) +
         request.max_output_tokens;
}

class OpenAiProvider final : public Provider {
 public:
  explicit OpenAiProvider(OpenAiOptions options)
      : options_(std::move(options)),
        anthropic_(options_.wire == WireProtocol::kAnthropic),
        url_(TrimTrailingSlashes(options_.base_url) +
             (anthropic_ ? "/messages" : "/chat/completions") +
             (options_.query.empty() ? "" : "?" + options_.query)),
        display_url_(Scrub(UrlForDisplay(url_))),
        extra_body_status_(ValidateExtraBody(options_.extra_body)),
        random_(std::random_device{}()) {
    policy_.max_retries = std::max(0, options_.max_retries);
    policy_.initial_backoff = options_.initial_backoff;
    policy_.max_backoff = options_.max_backoff;
    policy_.max_total_wait = options_.max_total_retry_wait;
  }

  Result<ChatResponse> Complete(const ChatRequest& original) override {
    ChatRequest request = original;
    for (int length_retry = 0;; ++length_retry) {
      L2MAC_ASSIGN_OR_RETURN(ChatResponse response, CompleteOnce(request));
      if (!CutMidToolCall(response)) return response;
      const int larger = std::min(request.max_output_tokens * 2, kMaxOutputTokensCeiling);
      if (length_retry >= options_.max_length_retries || larger <= request.max_output_tokens) {
        Warn(request,
             fmt::format("the reply from {} hit the output token limit ({}) in the middle of a "
                         "tool call; the incomplete call is dropped and the model is told why",
                         display_url_, request.max_output_tokens));
        DropCutToolCalls(response);
        return response;
      }
      Warn(request, fmt::format("the reply from {} hit the output token limit ({}) in the middle "
                                "of a tool call; asking again with a limit of {}",
                                display_url_, request.max_output_tokens, larger));
      request.max_output_tokens = larger;
    }
  }

  std::string Describe() const override {
    return fmt::format("{} model '{}' at {}", anthropic_ ? "anthropic" : "openai-compatible",
                       Scrub(options_.model), Scrub(UrlForDisplay(options_.base_url)));
  }

 private:
  // The caller's callbacks when it set them (a run turns them into events); spdlog only
  // for callers that did not, e.g. a provider used outside a run.
  static void Warn(const ChatRequest& request, const std::string& message) {
    if (request.on_warning) {
      request.on_warning(message);
    } else {
      spdlog::warn("{}", message);
    }
  }

  static void ReportRetry(const ChatRequest& request, const CallRetry& retry) {
    if (request.on_retry) {
      request.on_retry(retry);
    } else {
      spdlog::warn("{}, retrying in {:.1f}s (attempt {} of {})", retry.reason, Seconds(retry.delay),
                   retry.attempt, retry.max_attempts);
    }
  }

  static void ReportRateLimitWait(const ChatRequest& request, const RateLimitWait& wait) {
    if (request.on_rate_limit_wait) {
      request.on_rate_limit_wait(wait);
    } else if (wait.finished) {
      spdlog::info("waited {:.1f}s for the rate limit", Seconds(wait.duration));
    }
  }

  std::string Scrub(std::string text) const {
    return RedactSecret(std::move(text), options_.api_key);
  }

  Result<ChatResponse> CompleteOnce(const ChatRequest& request) {
    if (!extra_body_status_.ok()) return extra_body_status_;
    HttpRequest http;
    http.url = url_;
    http.headers.emplace_back("Content-Type", "application/json");
    if (!options_.api_key.empty()) {
      if (options_.api_key_header == "Authorization") {
        http.headers.emplace_back("Authorization", "Bearer " + options_.api_key);
      } else {
        http.headers.emplace_back(options_.api_key_header, options_.api_key);
      }
    }
    for (const auto& header : options_.extra_headers) http.headers.push_back(header);
    http.connect_timeout = options_.connect_timeout;
    http.total_timeout = options_.request_timeout;
    http.first_byte_timeout = options_.first_byte_timeout;
    http.idle_timeout = options_.idle_timeout;
    http.cancel = request.cancel;
    try {
      nlohmann::json body = anthropic_ ? RequestToAnthropicJson(request, options_.model)
                                       : RequestToOpenAiJson(request, options_.model);
      if (!options_.send_model) body.erase("model");
      if (options_.stream) {
        body["stream"] = true;
        if (options_.stream_usage && !anthropic_) {
          body["stream_options"] = {{"include_usage", true}};
        }
      }
      MergeExtraBody(options_.extra_body, body);
      // Text that is not valid UTF-8 (a binary file the model read) is replaced by U+FFFD
      // rather than failing the whole request.
      http.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const std::exception& e) {
      return Status::Internal("cannot serialize the chat request: " + JsonErrorDetail(e));
    }
    return PostWithRetries(http, request);
  }

  // One HTTP attempt; a streamed body is assembled into the response.
  struct Attempt {
    Result<HttpResponse> http = Status::Internal("not attempted");
    std::optional<Result<ChatResponse>> streamed;  // set when the body was streamed
  };

  Attempt PostOnce(HttpRequest& http, const TextDeltaCallback& on_text_delta) {
    Attempt attempt;
    SseParser parser;
    OpenAiStreamAssembler assembler(on_text_delta);
    AnthropicStreamAssembler anthropic_assembler(on_text_delta);
    if (options_.stream) {
      http.on_stream_data = [&](std::string_view bytes) -> Status {
        Status event_status;
        bool ok = parser.Feed(bytes, [&](const SseEvent& event) {
          if (anthropic_) {
            if (anthropic_assembler.done()) return true;
            event_status = anthropic_assembler.AddEvent(event.type, event.data);
            return event_status.ok();
          }
          if (assembler.done()) return true;  // trailing events after [DONE] are ignored
          event_status = assembler.AddData(event.data);
          return event_status.ok();
        });
        if (!event_status.ok()) return event_status;
        if (!ok) {
          return Status::InvalidArgument(fmt::format("a streamed event is larger than {} MiB",
                                                     SseParser::kMaxPendingBytes >> 20));
        }
        return Status::Ok();
      };
    }
    attempt.http = HttpPost(http);
    if (attempt.http.ok() && attempt.http->streamed) {
      attempt.streamed = anthropic_ ? anthropic_assembler.Finish() : assembler.Finish();
    }
    return attempt;
  }

  // The key is scrubbed from text that did not originate here: server bodies, the URL and
  // the transport's messages (which quote the URL). The advice this class writes itself is
  // left alone, so a short key that equals a word of it cannot garble it.
  Result<ChatResponse> PostWithRetries(HttpRequest& http, const ChatRequest& request) {
    const CancelToken* cancel = request.cancel;
    const int64_t estimated_tokens = RateLimitTokens(options_.token_counter.get(), request);
    std::mt19937_64 call_random(NextSeed());  // the call's own: lanes call at once
    RetryBudget budget(policy_, call_random);
    for (;;) {
      if (IsCancelled(cancel)) return Interrupted();
      if (options_.limiter) {
        // Only waits of a second or more are worth telling: a started wait is always
        // followed by its end, so a view never keeps showing a wait that is over.
        bool announced = false;
        milliseconds waited =
            options_.limiter->Acquire(estimated_tokens, cancel, [&](milliseconds expected) {
              if (expected.count() < 1000) return;
              announced = true;
              ReportRateLimitWait(request, RateLimitWait{false, expected});
            });
        if (announced) ReportRateLimitWait(request, RateLimitWait{true, waited});
        if (IsCancelled(cancel)) return Interrupted();
      }
      Attempt attempt = PostOnce(http, request.on_text_delta);
      Status failure;      // a retryable failure of this attempt
      long last_code = 0;  // the HTTP status when that was the failure
      std::string last_message;
      std::optional<milliseconds> server_delay;
      if (!attempt.http.ok()) {
        Status status(attempt.http.status().code(), Scrub(attempt.http.status().message()));
        if (status.code() == StatusCode::kInvalidArgument && options_.stream &&
            status.message().find("streamed") != std::string::npos) {
          // A malformed stream is the server's glitch: retry, and say how to avoid it.
          status = Status::Unavailable(
              fmt::format("{}: {}; if this server's streaming is broken, run with --no-stream",
                          display_url_, status.message()));
        }
        if (!IsRetryableTransport(status)) return status;
        failure = status;
      } else {
        const HttpResponse& response = *attempt.http;
        if (options_.limiter) options_.limiter->Observe(response.headers);
        const long code = response.status;
        if (code >= 200 && code < 300) {
          if (attempt.streamed) {
            if (attempt.streamed->ok()) return std::move(*attempt.streamed);
            failure = Status::Unavailable(
                fmt::format("{}: {}", display_url_, Scrub(attempt.streamed->status().message())));
          } else {
            Result<ChatResponse> parsed = anthropic_ ? ParseAnthropicResponse(response.body)
                                                     : ParseOpenAiResponse(response.body);
            if (parsed.ok()) return parsed;
            // A 2xx body that is not a chat completion (cut short, an HTML page from a
            // proxy, a half-written JSON) is the same glitch as a broken stream: retried.
            failure = Status::Unavailable(
                fmt::format("{} answered HTTP {} with a body that is not a chat completion: {}",
                            display_url_, code, Scrub(parsed.status().message())));
          }
        } else if (IsRetryableHttpStatus(code)) {
          server_delay = ServerRetryDelay(response.headers, std::chrono::system_clock::now());
          failure = Status::Unavailable(fmt::format("HTTP {} from {}", code, display_url_));
          last_code = code;
          last_message = Scrub(ServerMessage(response.body));
        } else {
          return StatusError(code, response.body);
        }
      }
      std::optional<milliseconds> delay = budget.Next(server_delay);
      if (!delay) {
        if (last_code != 0) {
          return Status::Unavailable(fmt::format(
              "the model server at {} is still failing after {} (last HTTP {}: {}); "
              "wait and run again, lower the request rate, or raise --max-retries",
              display_url_, Plural(budget.attempts_made(), "attempt"), last_code, last_message));
        }
        return Status(failure.code(), fmt::format("{} (gave up after {})", failure.message(),
                                                  Plural(budget.attempts_made(), "attempt")));
      }
      ReportRetry(request, CallRetry{budget.attempts_made(), budget.max_attempts(), *delay,
                                     failure.message()});
      if (cancel != nullptr) {
        if (!cancel->SleepFor(*delay)) return Interrupted();
      } else {
        std::this_thread::sleep_for(*delay);
      }
    }
  }

  Status StatusError(long code, const std::string& body) const {
    if (code == 401 || code == 403) {
      const std::string server_says = Scrub(ServerMessage(body));
      // The variable the key came from, so the user fixes the right one. Without a key
      // and without a named variable (a keyless preset) there is none to name.
      std::string variable = options_.api_key_env;
      if (variable.empty() && !options_.api_key.empty()) {
        variable = anthropic_                                   ? "ANTHROPIC_API_KEY"
                   : options_.api_key_header == "Authorization" ? "OPENAI_API_KEY"
                                                                : "";
      }
      if (options_.api_key.empty()) {
        return Status::Unauthenticated(fmt::format(
            "the model server at {} requires an API key (HTTP {}: {}): {}", display_url_, code,
            server_says,
            variable.empty()
                ? std::string("put the key in an environment variable and name it with "
                              "--api-key-env")
                : fmt::format("set {} (or name another variable with --api-key-env)", variable)));
      }
      return Status::Unauthenticated(fmt::format(
          "the model server at {} rejected the API key{} (HTTP {}: {}): {}", display_url_,
          variable.empty() ? "" : " from " + variable, code, server_says,
          variable.empty()
              ? std::string("set the variable named by --api-key-env to a valid key")
              : fmt::format("set {} to a valid key (or name another variable with --api-key-env)",
                            variable)));
    }
    if (code == 404) {
      return Status::NotFound(fmt::format(
          "the model server at {} has no such endpoint or model (HTTP 404): check --base-url "
          "(it usually ends in /v1) and --model '{}'",
          display_url_, Scrub(options_.model)));
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

  Status Interrupted() const {
    return Status::Cancelled("the model call to " + display_url_ + " was stopped: interrupted");
  }

  static double Seconds(milliseconds delay) { return static_cast<double>(delay.count()) / 1000.0; }

  OpenAiOptions options_;
  const bool anthropic_;
  RetryPolicy policy_;
  std::string url_;
  std::string display_url_;
  const Status extra_body_status_;  // what every call fails with when extra_body is invalid
  // A seed for one call's jitter; the only state calls share, so Complete() may run on
  // several threads at once.
  uint64_t NextSeed() {
    std::lock_guard<std::mutex> lock(random_mutex_);
    return random_();
  }

  std::mutex random_mutex_;
  std::mt19937_64 random_;  // guarded by random_mutex_
};

}  // namespace

std::unique_ptr<Provider> MakeOpenAiProvider(OpenAiOptions options) {
  return std::make_unique<OpenAiProvider>(std::move(options));
}

std::unique_ptr<Provider> MakeAnthropicProvider(OpenAiOptions options) {
  options.wire = WireProtocol::kAnthropic;
  options.api_key_header = "x-api-key";
  options.extra_headers.emplace_back("anthropic-version", "2023-06-01");
  return std::make_unique<OpenAiProvider>(std::move(options));
}

}  // namespace l2mac::llm
