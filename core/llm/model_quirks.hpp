// What some model families need differently in an OpenAI chat-completions request, as
// data: a small table keyed by model-name prefix, applied by RequestToOpenAiJson
// (openai_wire.cpp) and documented in docs/MODELS.md.
//
//   prefix   family                        output limit field      temperature
//   o1       OpenAI reasoning (o-series)   max_completion_tokens   not sent
//   o3       OpenAI reasoning (o-series)   max_completion_tokens   not sent
//   o4-mini  OpenAI reasoning (o-series)   max_completion_tokens   not sent
//   gpt-5    OpenAI GPT-5 family           max_completion_tokens   not sent
//
// Every other model gets "max_tokens" and "temperature". A prefix matches the model's
// name, or its last path segment ("openai/o3-mini" on OpenRouter), when the name is the
// prefix itself or continues with a character that is not a letter or digit ("o3",
// "o3-mini", "gpt-5.1"; not "o30"). Anthropic's Messages API has no such quirks: it
// always takes max_tokens (anthropic_wire.cpp sends it on every request).
//
// The table is immutable; everything here is thread-safe.
#pragma once

#include <string_view>
#include <vector>

namespace l2mac::llm {

struct ModelQuirks {
  std::string_view prefix;
  std::string_view family;             // for messages: "OpenAI reasoning (o-series)"
  bool max_completion_tokens = false;  // the output limit goes in "max_completion_tokens"
  bool no_temperature = false;         // the model refuses "temperature": never send it
};

// Every row, in table order.
const std::vector<ModelQuirks>& ModelQuirkTable();

// The row whose prefix matches `model`, or null for a model without quirks.
const ModelQuirks* FindModelQuirks(std::string_view model);

}  // namespace l2mac::llm
