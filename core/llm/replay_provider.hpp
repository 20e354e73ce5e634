// A Provider that serves the responses recorded in a JSONL transcript (see transcript.hpp),
// in order, ignoring the requests (lenient in-order replay). Used for deterministic
// re-runs and the offline demo.
#pragma once

#include <memory>
#include <string>

#include "core/llm/provider.hpp"

namespace l2mac::llm {

// Reads and validates the whole transcript up front: a malformed line is an
// kInvalidArgument error naming the file and line. `skip` responses are consumed at
// once (used when resuming a replayed run). Complete() past the last response returns
// kResourceExhausted saying how many responses the transcript had.
Result<std::unique_ptr<Provider>> OpenReplayProvider(const std::string& path, size_t skip = 0);

}  // namespace l2mac::llm
