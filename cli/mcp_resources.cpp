#include "cli/mcp_resources.hpp"

#include <cctype>

#include "filestore/file_store.hpp"

namespace l2mac::cli {
namespace {

constexpr std::string_view kScheme = "l2mac://";

bool Unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string ResourceUri(const std::string& run_id, const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri(kScheme);
  uri += run_id;
  uri += '/';
  for (unsigned char c : path) {
    if (Unreserved(c)) {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri;
}

Result<std::pair<std::string, std::string>> ParseResourceUri(const std::string& uri) {
  auto invalid = [&uri](const std::string& why) {
    return Status::InvalidArgument("resource URI '" + uri.substr(0, 200) + "' " + why +
                                   "; use a URI from resources/list, like "
                                   "l2mac://run-1/src/app.py");
  };
  if (uri.rfind(kScheme, 0) != 0) return invalid("does not start with l2mac://");
  std::string rest = uri.substr(kScheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
    return invalid("has no run id and file path");
  }
  std::string path;
  for (size_t i = slash + 1; i < rest.size(); ++i) {
    if (rest[i] != '%') {
      path += rest[i];
      continue;
    }
    int high = i + 2 < rest.size() ? HexValue(rest[i + 1]) : -1;
    int low = i + 2 < rest.size() ? HexValue(rest[i + 2]) : -1;
    if (high < 0 || low < 0) return invalid("has a broken %-escape");
    path += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return std::make_pair(rest.substr(0, slash), path);
}

Result<std::unique_ptr<control_unit::Workspace>> OpenRunView(const ManagedRun& run) {
  std::error_code ec;
  if (!std::filesystem::exists(control_unit::Workspace::StatePath(run.dir), ec)) {
    return Status::NotFound("run " + run.id + " (" + run.dir.string() +
                            ") holds no state yet: it may still be starting (try again in a "
                            "moment, or see run_status), or no run was started there");
  }
  return control_unit::Workspace::Open(run.dir, control_unit::OpenMode::kReadOnlyView);
}

nlohmann::json ListResources(RunRegistry& runs) {
  nlohmann::json list = nlohmann::json::array();
  bool truncated = false;
  for (const auto& run : runs.runs()) {
    auto view = OpenRunView(*run);
    if (!view.ok()) continue;  // not started yet: nothing to list
    filestore::FileStore& store = (*view)->store();
    auto head = store.Head();
    if (!head.ok()) continue;
    auto files = store.List(*head);
    if (!files.ok()) continue;
    for (const auto& file : *files) {
      if (list.size() >= kMaxListedResources) {
        truncated = true;
        break;
      }
      list.push_back({{"uri", ResourceUri(run->id, file.path)},
                      {"name", file.path},
                      {"title", run->id + ": " + file.path},
                      {"description", "a file of run " + run->id + " in " + run->dir.string() +
                                          " (" + std::to_string(file.lines) + " lines)"},
                      {"mimeType", "text/plain"},
                      {"size", file.size}});
    }
  }
  nlohmann::json result = {{"resources", std::move(list)}};
  if (truncated) {
    result["_meta"] = {{"truncated", true},
                       {"note", "more files than listed; use the list_files tool per run"}};
  }
  return result;
}

Result<nlohmann::json> ReadResource(RunRegistry& runs, const std::string& uri) {
  L2MAC_ASSIGN_OR_RETURN(auto parsed, ParseResourceUri(uri));
  L2MAC_ASSIGN_OR_RETURN(ManagedRun * run, runs.ById(parsed.first));
  L2MAC_ASSIGN_OR_RETURN(auto view, OpenRunView(*run));
  filestore::FileStore& store = view->store();
  L2MAC_ASSIGN_OR_RETURN(int64_t head, store.Head());
  L2MAC_ASSIGN_OR_RETURN(auto content, store.Read(head, parsed.second));
  if (!content) {
    return Status::NotFound("run " + run->id + " has no file '" + parsed.second +
                            "' at the head of its store; list them with resources/list");
  }
  if (content->size() > kMaxResourceBytes) {
    return Status::ResourceExhausted("'" + parsed.second + "' is " +
                                     std::to_string(content->size()) + " bytes, over the " +
                                     std::to_string(kMaxResourceBytes) +
                                     " a resource read returns; read it in pieces with the "
                                     "read_file tool (first_line, last_line)");
  }
  nlohmann::json item = {{"uri", uri}, {"mimeType", "text/plain"}};
  if (IsUtf8(*content)) {
    item["text"] = std::move(*content);
  } else {
    item["mimeType"] = "application/octet-stream";
    item["blob"] = Base64(*content);
  }
  return nlohmann::json{{"contents", nlohmann::json::array({std::move(item)})}};
}

bool IsUtf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) |
                 uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace l2mac::cli
