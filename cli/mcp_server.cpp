#include "cli/mcp_server.hpp"

#include <spdlog/spdlog.h>

#include <exception>

#include "cli/mcp_resources.hpp"
#include "core/version.hpp"

namespace l2mac::cli {
namespace {

using nlohmann::json;

constexpr const char* kInstructions =
    "l2mac turns a spec into a codebase (or a book) far larger than one context: start_run "
    "returns a run id at once; wait_run follows it with progress; run_status, list_files, "
    "read_file, diff_files and write_report inspect it; cancel_run stops it at a safe point "
    "and resume_run continues. The files are resources l2mac://<run-id>/<path>.";

}  // namespace

const std::vector<std::string>& SupportedProtocolVersions() {
  static const std::vector<std::string> kVersions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                     "2024-11-05"};
  return kVersions;
}

McpServer::McpServer(std::filesystem::path exe, Writer writer, size_t max_message_bytes)
    : writer_(std::move(writer)),
      max_message_bytes_(max_message_bytes),
      tools_(std::move(exe), [this](const json& message) { Send(message); }) {}

void McpServer::Send(const json& message) {
  if (closed_) return;
  if (!writer_(jsonrpc::Serialize(message))) closed_ = true;
}

void McpServer::HandleLine(const jsonrpc::Line& line) {
  jsonrpc::Parsed parsed = jsonrpc::ParseLine(line, max_message_bytes_);
  if (auto* error = std::get_if<std::optional<json>>(&parsed)) {
    if (*error) Send(**error);
    return;
  }
  const auto& message = std::get<jsonrpc::Incoming>(parsed);
  switch (message.kind) {
    case jsonrpc::Incoming::Kind::kRequest:
      try {
        HandleRequest(message);
      } catch (const std::exception& e) {
        // A bug must not end the session: the request fails, the server goes on.
        spdlog::error("internal error handling {}: {}", message.method, e.what());
        Send(jsonrpc::ErrorResponse(message.id, jsonrpc::kInternalError,
                                    std::string("internal error (a bug in l2mac): ") + e.what()));
      }
      return;
    case jsonrpc::Incoming::Kind::kNotification:
      HandleNotification(message);
      return;
    case jsonrpc::Incoming::Kind::kResponse:
      return;  // this server sends no requests, so no answer is expected
  }
}

void McpServer::HandleNotification(const jsonrpc::Incoming& notification) {
  if (notification.method == "notifications/cancelled" && notification.params.is_object()) {
    auto id = notification.params.find("requestId");
    if (id != notification.params.end()) tools_.CancelRequest(*id);
  }
  // notifications/initialized and the others need nothing.
}

void McpServer::HandleRequest(const jsonrpc::Incoming& request) {
  const json& params = request.params;
  auto invalid = [&](const std::string& why) {
    Send(jsonrpc::ErrorResponse(request.id, jsonrpc::kInvalidParams, why));
  };
  if (!params.is_null() && !params.is_object()) {
    invalid(request.method + " takes its params as an object");
    return;
  }
  if (request.method == "initialize") {
    std::string asked;
    if (params.is_object() && params.contains("protocolVersion") &&
        params["protocolVersion"].is_string()) {
      asked = params["protocolVersion"].get<std::string>();
    } else {
      invalid("initialize needs params.protocolVersion (a string)");
      return;
    }
    std::string version = SupportedProtocolVersions().front();
    for (const auto& supported : SupportedProtocolVersions()) {
      if (supported == asked) version = asked;
    }
    Send(jsonrpc::Response(request.id,
                           {{"protocolVersion", version},
                            {"capabilities",
                             {{"tools", {{"listChanged", false}}},
                              {"resources", {{"listChanged", false}, {"subscribe", false}}}}},
                            {"serverInfo", {{"name", "l2mac"}, {"version", L2macVersion()}}},
                            {"instructions", kInstructions}}));
    return;
  }
  if (request.method == "ping") {
    Send(jsonrpc::Response(request.id, json::object()));
    return;
  }
  if (request.method == "tools/list") {
    Send(jsonrpc::Response(request.id, {{"tools", McpTools::List()}}));
    return;
  }
  if (request.method == "tools/call") {
    if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
      invalid("tools/call needs params.name (a string)");
      return;
    }
    json arguments = params.value("arguments", json::object());
    if (!arguments.is_object()) {
      invalid("tools/call's params.arguments must be an object");
      return;
    }
    json token = nullptr;
    if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
      auto it = meta->find("progressToken");
      if (it != meta->end() && (it->is_string() || it->is_number_integer())) token = *it;
    }
    auto result = tools_.Call(request.id, params["name"].get<std::string>(), arguments, token);
    if (!result.ok()) {
      invalid(result.status().message());
      return;
    }
    if (*result) Send(jsonrpc::Response(request.id, std::move(**result)));
    return;
  }
  if (request.method == "resources/list") {
    Send(jsonrpc::Response(request.id, ListResources(tools_.runs())));
    return;
  }
  if (request.method == "resources/templates/list") {
    Send(jsonrpc::Response(
        request.id,
        {{"resourceTemplates", json::array({{{"uriTemplate", "l2mac://{run_id}/{+path}"},
                                             {"name", "run file"},
                                             {"description", "a file at the head of a run's store"},
                                             {"mimeType", "text/plain"}}})}}));
    return;
  }
  if (request.method == "resources/read") {
    if (!params.is_object() || !params.contains("uri") || !params["uri"].is_string()) {
      invalid("resources/read needs params.uri (a string)");
      return;
    }
    auto result = ReadResource(tools_.runs(), params["uri"].get<std::string>());
    if (!result.ok()) {
      // -32002 is the code the MCP specification gives "resource not found".
      int code = result.status().code() == StatusCode::kNotFound ? -32002 : jsonrpc::kInvalidParams;
      Send(jsonrpc::ErrorResponse(request.id, code, result.status().message()));
      return;
    }
    Send(jsonrpc::Response(request.id, std::move(*result)));
    return;
  }
  Send(jsonrpc::ErrorResponse(request.id, jsonrpc::kMethodNotFound,
                              "method not found: '" + request.method.substr(0, 100) +
                                  "'; this server offers initialize, ping, tools/list, "
                                  "tools/call, resources/list, resources/read"));
}

}  // namespace l2mac::cli
