// The interface every model backend implements: one request in, one response out.
//
// Implementations handle their own retries for transient failures. Errors come back as a
// Status: kUnauthenticated (401/403), kNotFound (404: wrong model or URL), kInvalidArgument
// (400/422: the request cannot succeed), kUnavailable (connection refused, 5xx or 429 after
// retries), kDeadlineExceeded (timeouts), kResourceExhausted (replay transcript exhausted).
// A Provider may be called from one thread at a time unless an implementation says more.
#pragma once

#include <string>

#include "core/llm/message.hpp"
#include "core/status.hpp"

namespace l2mac::llm {

class Provider {
 public:
  virtual ~Provider() = default;
  virtual Result<ChatResponse> Complete(const ChatRequest& request) = 0;
  // A short description for logs and reports, e.g. "openai-compatible gpt-4o at http://...".
  // Never contains credentials.
  virtual std::string Describe() const = 0;
  // True when the responses follow the order of the calls rather than the requests (a
  // replay of a transcript recorded without exchange keys): such a provider cannot serve
  // parallel lanes, whose calls interleave differently in every run. Wrappers forward it.
  virtual bool AnswersInCallOrder() const { return false; }
};

}  // namespace l2mac::llm
