// A Provider that serves the responses recorded in a JSONL transcript (see transcript.hpp),
// in order. Lenient mode ignores the requests (the offline demo replays hand-written
// transcripts without them). Strict mode compares each request with the recorded one
// (messages, tool names, output limit and temperature, as RequestToTranscriptJson writes
// them) and refuses to answer
// a request that differs, naming the exchange and the first difference: the way to prove
// a change to prompts or agents left a run's behaviour exactly as recorded.
#pragma once

#include <memory>
#include <string>

#include "core/llm/provider.hpp"

namespace l2mac::llm {

// Reads and validates the whole transcript up front: a malformed line is an
// kInvalidArgument error naming the file and line. `skip` responses are consumed at
// once (used when resuming a replayed run). Complete() past the last response returns
// kResourceExhausted saying how many responses the transcript had.
//
// A transcript whose lines carry a "key" (an llm::ExchangeKey, as `l2mac transcript` writes
// for exchanges recorded with one) is served by key: a request with a key gets the response
// recorded under it, in any order, so a run whose parallel lanes interleave their calls
// differently replays all the same; a key missing from the transcript is
// kResourceExhausted naming it, and a key used twice in the file is kInvalidArgument.
// Requests without a key, and transcripts without keys, are served in order.
enum class ReplayMode { kLenient, kStrict };

// In strict mode every line must carry its "request"; a mismatch is kFailedPrecondition.
Result<std::unique_ptr<Provider>> OpenReplayProvider(const std::string& path, size_t skip = 0,
                                                     ReplayMode mode = ReplayMode::kLenient);

}  // namespace l2mac::llm
