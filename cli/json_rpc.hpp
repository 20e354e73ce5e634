// JSON-RPC 2.0 over a byte stream of newline-delimited messages, as the Model Context
// Protocol's stdio transport frames it: the line splitter (bounded: a line over the limit
// is skipped to its newline and reported, never buffered whole), the parse of one line
// into a request, notification or response (or the error response to send), and the
// builders of what goes back. Pure: no I/O; one thread at a time per LineSplitter.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace l2mac::cli::jsonrpc {

using Json = nlohmann::json;

// The error codes JSON-RPC 2.0 defines.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
// The deepest nesting of arrays and objects a message may have (kInvalidRequest beyond).
inline constexpr int kMaxNesting = 64;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

// One line of input, without its newline. `oversize` lines carry no text: their bytes
// were dropped as they arrived.
struct Line {
  std::string text;
  bool oversize = false;
};

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line_bytes) : max_(max_line_bytes) {}

  // Takes the next bytes of the stream; returns the lines they complete, in order.
  std::vector<Line> Feed(std::string_view bytes);
  // At the end of the stream: the unterminated last line, if any.
  std::optional<Line> Finish();

 private:
  size_t max_;
  std::string pending_;
  bool skipping_ = false;  // inside an oversize line: drop bytes up to its newline
};

// A message the peer sent. `id` is null for a notification.
struct Incoming {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  Json id;
  std::string method;
  Json params;  // an object, an array or null (absent)
};

// One line parsed: the message, or the error response to write back (a parse error, an
// invalid request; for a malformed notification there is nothing to answer, and
// `std::nullopt` is returned as the error).
using Parsed = std::variant<Incoming, std::optional<Json>>;
Parsed ParseLine(const Line& line, size_t max_line_bytes);

Json Response(const Json& id, Json result);
Json ErrorResponse(const Json& id, int code, const std::string& message);
Json Notification(const std::string& method, Json params);

// One line of output, without the newline: compact, invalid UTF-8 replaced (a JSON text
// never holds a raw newline, so the framing holds).
std::string Serialize(const Json& message);

}  // namespace l2mac::cli::jsonrpc
