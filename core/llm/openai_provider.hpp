// A Provider for the OpenAI chat-completions API and every server that speaks it (Ollama,
// vLLM, llama.cpp's server, LM Studio, OpenRouter, Azure OpenAI, ...), over libcurl, with
// tool calling, streaming by default.
//
// Streaming ("stream": true) reads the reply as Server-Sent Events as it is generated, so
// a stalled server is noticed after idle_timeout instead of request_timeout; the result
// is the same ChatResponse a non-streaming call gives. A server that ignores "stream" and
// answers with one JSON body is understood too.
//
// Retries follow RetryPolicy (retry_policy.hpp): 429, 5xx, resets, stalls and streams cut
// short are retried with backoff and full jitter or the server's requested delay; 400,
// 401, 403, 404 and 422 never. A reply cut off by the output token limit in the middle of
// a tool call is asked again with a larger limit (max_length_retries times), then the
// broken call is dropped with a note in the reply's text, never passed on as a call.
//
// Every request carries "User-Agent: l2mac/<version>" (http_client.cpp) and the fields of
// extra_body. Error messages name the URL and the fix, never the API key; a rejected key
// (401/403) names the variable it came from and quotes the server's reason. Complete() is
// thread-safe: parallel lanes call one instance at once (each call has its own HTTP handle
// and retry state); the rate limiter may be shared too.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/llm/provider.hpp"
#include "core/llm/rate_limiter.hpp"
#include "core/token_estimator.hpp"

namespace l2mac::llm {

enum class WireProtocol {
  kOpenAi,     // POST {base_url}/chat/completions
  kAnthropic,  // POST {base_url}/messages, Anthropic's Messages API (anthropic_wire.hpp)
};

struct OpenAiOptions {
  WireProtocol wire = WireProtocol::kOpenAi;
  std::string base_url = "https://api.openai.com/v1";  // ".../v1"; "/chat/completions" is appended
  std::string model = "gpt-4o";
  std::string api_key;  // may be empty for local servers
  // The environment variable the key came from (not a secret): named in the advice of an
  // HTTP 401/403, so the user knows which variable to fix. Empty: the wire's usual one
  // (OPENAI_API_KEY, ANTHROPIC_API_KEY) when a key is set, else none.
  std::string api_key_env;
  // The header carrying the key: "Authorization" sends "Bearer <key>"; any other name
  // (Azure's "api-key", Anthropic's "x-api-key") sends the key as is.
  std::string api_key_header = "Authorization";
  std::vector<std::pair<std::string, std::string>> extra_headers;  // never secrets
  std::string query;       // appended to the URL after "?", e.g. "api-version=2024-10-21"
  bool send_model = true;  // Azure takes the model from the deployment URL
  // Server-specific fields added to every request body (extra_body.hpp); null for none.
  // Keys l2mac sets itself make every call fail with kInvalidArgument naming the key.
  nlohmann::json extra_body;
  bool stream = true;
  bool stream_usage = true;  // ask for usage in the last chunk (stream_options)
  int max_retries = 6;       // retries after the first attempt
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{20000};
  std::chrono::milliseconds max_total_retry_wait{300000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds first_byte_timeout{300000};  // streaming only
  std::chrono::milliseconds idle_timeout{120000};        // streaming only
  std::chrono::milliseconds request_timeout{600000};     // the whole call, per attempt
  int max_length_retries = 1;
  std::shared_ptr<RateLimiter> limiter;  // optional, shared by every provider of the run
  // Counts what a call may take from the limiter's tokens per minute (its prompt plus its
  // output limit): the run's counter (--tokenizer), null for the fast estimate. Shared and
  // immutable; only the limiter uses it.
  std::shared_ptr<const TokenCounter> token_counter;
};

std::unique_ptr<Provider> MakeOpenAiProvider(OpenAiOptions options);

// The same client speaking Anthropic's Messages API: the key goes in x-api-key, with
// anthropic-version 2023-06-01; base_url defaults to https://api.anthropic.com/v1.
std::unique_ptr<Provider> MakeAnthropicProvider(OpenAiOptions options);

}  // namespace l2mac::llm
