// A Provider for the OpenAI chat-completions API and every server that speaks it (Ollama,
// vLLM, llama.cpp's server, LM Studio, OpenRouter, ...), over libcurl, with tool calling.
//
// Transient failures (connection refused or reset, timeouts, HTTP 429 and 5xx) are retried
// with exponential backoff and full jitter, honouring a Retry-After header in seconds.
// 400, 401, 403, 404 and 422 are never retried. Error messages name the URL and the fix,
// never the API key. One instance may be used from one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/llm/provider.hpp"

namespace l2mac::llm {

struct OpenAiOptions {
  std::string base_url = "https://api.openai.com/v1";  // ".../v1"; "/chat/completions" is appended
  std::string model = "gpt-4o";
  std::string api_key;  // may be empty for local servers; sent as "Authorization: Bearer"
  int max_retries = 6;  // retries after the first attempt
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{20000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{600000};
};

std::unique_ptr<Provider> MakeOpenAiProvider(OpenAiOptions options);

}  // namespace l2mac::llm
