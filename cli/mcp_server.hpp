// The Model Context Protocol server behind `l2mac mcp`: dispatches each JSON-RPC message
// (initialize, ping, tools/list, tools/call, resources/list, resources/read,
// resources/templates/list; notifications/initialized and notifications/cancelled) and
// writes the answers through a Writer, one JSON text per line. Every malformed, oversize
// or unknown message gets its JSON-RPC error (a notification gets none) and the server
// goes on. The transport (stdin/stdout, the poll loop) is cli/mcp_command.cpp's.
//
// Threads: one thread at a time. Owns the tools, and through them the runs' children.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/json_rpc.hpp"
#include "cli/mcp_tools.hpp"

namespace l2mac::cli {

// The protocol revisions this server speaks, newest first: an initialize asking for one of
// them gets it, any other gets the newest.
const std::vector<std::string>& SupportedProtocolVersions();

inline constexpr size_t kMaxMessageBytes = 4 << 20;

class McpServer {
 public:
  // Writes one serialized message (no newline); false when the client is gone.
  using Writer = std::function<bool(const std::string& line)>;

  // `exe`: the l2mac binary the runs execute.
  McpServer(std::filesystem::path exe, Writer writer, size_t max_message_bytes = kMaxMessageBytes);

  size_t max_message_bytes() const { return max_message_bytes_; }
  // Handles one line from the client.
  void HandleLine(const jsonrpc::Line& line);
  // Periodic work: progress, reaped children, answers to waits (McpTools::Poll).
  void Poll() { tools_.Poll(); }
  // Interrupts the runs still going and waits for them, bounded.
  void Shutdown() { tools_.Shutdown(); }
  // Whether a write failed (the client closed its end).
  bool closed() const { return closed_; }

 private:
  void Send(const nlohmann::json& message);
  void HandleRequest(const jsonrpc::Incoming& request);
  void HandleNotification(const jsonrpc::Incoming& notification);

  Writer writer_;
  size_t max_message_bytes_;
  McpTools tools_;
  bool closed_ = false;
};

}  // namespace l2mac::cli
