// `l2mac doctor --model`: a few tiny requests to the configured model server, to tell
// before a run whether it answers, whether tool calling works and whether streaming does.
//
// At most three requests, each bounded by `timeout` with no retries:
//   1. whole (not streamed), offering one trivial tool and asking the model to call it:
//      reachability, latency, and tool calling (called / answered in text / refused);
//   2. streamed, without tools: whether streaming works;
//   3. only when the server refused tools and streaming failed: whole, without tools,
//      to tell whether plain completions work at all.
// The model is usable when any request got a completion. Not thread-safe (one probe at a
// time per process is all the CLI needs).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/provider_setup.hpp"

namespace l2mac::cli {

struct ModelProbeReport {
  std::string server;  // Describe() of the provider: wire, model and URL, never the key
  bool usable = false;
  std::string problem;                // why it is unusable (the first failure's message)
  std::optional<int64_t> latency_ms;  // of the first answer
  std::string tools = "unknown";      // "yes", "no" (answered in text) or "refused"
  std::string tools_detail;
  std::string streaming = "unknown";  // "yes" or "no"
  std::string streaming_detail;

  nlohmann::json ToJson() const;
  // Indented lines for the doctor's text report, ending in a newline.
  std::string ToText() const;
};

// `choice` as ChooseServer built it; its retries and timeouts are replaced by the probe's.
ModelProbeReport ProbeModel(ServerChoice choice, std::chrono::milliseconds timeout);

}  // namespace l2mac::cli
