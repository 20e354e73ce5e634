// The output files of the runs an `l2mac mcp` server knows, as MCP resources. A file's URI
// is `l2mac://<run-id>/<path>`, the path as in the file store with each byte outside
// [A-Za-z0-9-._~/] percent-encoded; its content is the head of the store's main branch
// (what the output folder holds after the last commit). Text is returned as text, other
// bytes as base64. Reads go through a read-only view of the folder (no lock), so they work
// while a run is in progress.
//
// Threads: pure functions of their arguments, besides the reads of the state database.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "cli/mcp_runs.hpp"
#include "control_unit/workspace.hpp"
#include "core/status.hpp"

namespace l2mac::cli {

inline constexpr size_t kMaxListedResources = 2000;
inline constexpr size_t kMaxResourceBytes = 4 << 20;

std::string ResourceUri(const std::string& run_id, const std::string& path);
// {run id, path} of a URI ResourceUri() gives; kInvalidArgument otherwise.
Result<std::pair<std::string, std::string>> ParseResourceUri(const std::string& uri);

// A read-only view of the run's folder; kNotFound with what to do when it holds no run yet.
Result<std::unique_ptr<control_unit::Workspace>> OpenRunView(const ManagedRun& run);

// resources/list's result: the files of every known run that holds a store, at most
// kMaxListedResources in all (`truncated` in `_meta` when cut).
nlohmann::json ListResources(RunRegistry& runs);
// resources/read's result for `uri`. kNotFound (the run or the file) or kInvalidArgument
// (the URI), with what to do.
Result<nlohmann::json> ReadResource(RunRegistry& runs, const std::string& uri);

// Whether `text` is valid UTF-8 (so it can travel as JSON text unchanged).
bool IsUtf8(const std::string& text);
std::string Base64(const std::string& bytes);

}  // namespace l2mac::cli
