#include "cli/json_rpc.hpp"

#include <utility>

namespace l2mac::cli::jsonrpc {

std::vector<Line> LineSplitter::Feed(std::string_view bytes) {
  std::vector<Line> lines;
  while (!bytes.empty()) {
    size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    if (skipping_) {
      // The rest of an oversize line: dropped.
    } else if (pending_.size() + piece.size() > max_) {
      skipping_ = true;
      pending_.clear();
      pending_.shrink_to_fit();
    } else {
      pending_.append(piece);
    }
    if (newline == std::string_view::npos) break;
    if (skipping_) {
      lines.push_back(Line{"", true});
      skipping_ = false;
    } else {
      if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
      // Blank lines between messages are tolerated, as most JSON-lines readers do.
      if (!pending_.empty()) lines.push_back(Line{std::move(pending_), false});
      pending_.clear();
    }
    bytes.remove_prefix(newline + 1);
  }
  return lines;
}

std::optional<Line> LineSplitter::Finish() {
  if (skipping_) {
    skipping_ = false;
    return Line{"", true};
  }
  if (pending_.empty()) return std::nullopt;
  Line last{std::move(pending_), false};
  pending_.clear();
  return last;
}

namespace {

bool ValidId(const Json& id) { return id.is_string() || id.is_number_integer(); }

// Whether `text` nests arrays and objects deeper than `limit` (brackets inside strings do
// not count). Checked before parsing: copying or printing a parsed value recurses once per
// level, so a line of a million '[' would overflow the stack.
bool NestsDeeperThan(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Parsed ParseLine(const Line& line, size_t max_line_bytes) {
  if (line.oversize) {
    return std::optional<Json>(ErrorResponse(
        nullptr, kInvalidRequest,
        "message longer than " + std::to_string(max_line_bytes) +
            " bytes: it was skipped; send smaller messages (a long spec can be passed as "
            "spec_file)"));
  }
  if (NestsDeeperThan(line.text, kMaxNesting)) {
    return std::optional<Json>(ErrorResponse(
        nullptr, kInvalidRequest,
        "the message nests arrays and objects more than " + std::to_string(kMaxNesting) +
            " levels deep: it was skipped; send a flatter message"));
  }
  Json message = Json::parse(line.text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    return std::optional<Json>(
        ErrorResponse(nullptr, kParseError,
                      "parse error: the line is not valid JSON; send one JSON-RPC 2.0 "
                      "message per line"));
  }
  if (message.is_array()) {
    return std::optional<Json>(ErrorResponse(
        nullptr, kInvalidRequest, "batches are not supported: send one message per line"));
  }
  if (!message.is_object()) {
    return std::optional<Json>(
        ErrorResponse(nullptr, kInvalidRequest, "a JSON-RPC message must be an object"));
  }
  auto id_it = message.find("id");
  const bool has_id = id_it != message.end();
  Json id = has_id && ValidId(*id_it) ? *id_it : Json(nullptr);
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0") {
    return std::optional<Json>(ErrorResponse(id, kInvalidRequest, "\"jsonrpc\" must be \"2.0\""));
  }
  auto method = message.find("method");
  if (method == message.end()) {
    if (has_id && (message.contains("result") || message.contains("error"))) {
      return Incoming{Incoming::Kind::kResponse, id, "", nullptr};
    }
    return std::optional<Json>(ErrorResponse(id, kInvalidRequest, "the message has no \"method\""));
  }
  if (!method->is_string()) {
    return std::optional<Json>(ErrorResponse(id, kInvalidRequest, "\"method\" must be a string"));
  }
  Json params = nullptr;
  if (auto p = message.find("params"); p != message.end()) {
    if (!p->is_object() && !p->is_array()) {
      if (!has_id) return std::optional<Json>();
      return std::optional<Json>(
          ErrorResponse(id, kInvalidRequest, "\"params\" must be an object or an array"));
    }
    params = *p;
  }
  if (!has_id) {
    return Incoming{Incoming::Kind::kNotification, nullptr, method->get<std::string>(),
                    std::move(params)};
  }
  if (!ValidId(*id_it)) {
    return std::optional<Json>(
        ErrorResponse(nullptr, kInvalidRequest, "\"id\" must be a string or an integer"));
  }
  return Incoming{Incoming::Kind::kRequest, id, method->get<std::string>(), std::move(params)};
}

Json Response(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json ErrorResponse(const Json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

Json Notification(const std::string& method, Json params) {
  return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

std::string Serialize(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace l2mac::cli::jsonrpc
