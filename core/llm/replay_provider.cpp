#include "core/llm/replay_provider.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <utility>
#include <vector>

#include "core/llm/json_field.hpp"
#include "core/llm/transcript.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

Result<ChatResponse> ParseLine(const std::string& line) {
  json exchange;
  try {
    exchange = json::parse(line);
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument(fmt::format("not valid JSON ({})", JsonErrorDetail(e)));
  }
  if (!exchange.is_object()) {
    return Status::InvalidArgument(
        fmt::format("the line is {}, expected an object with a \"response\" field",
                    DescribeJsonType(exchange)));
  }
  auto request = exchange.find("request");
  if (request != exchange.end() && !request->is_object()) {
    return FieldTypeError("request", *request, "an object");
  }
  auto response = exchange.find("response");
  if (response == exchange.end()) return MissingFieldError("response", "an object");
  return ResponseFromTranscriptJson(*response);
}

class ReplayProvider final : public Provider {
 public:
  ReplayProvider(std::string path, std::vector<ChatResponse> responses, size_t next)
      : path_(std::move(path)), responses_(std::move(responses)), next_(next) {}

  Result<ChatResponse> Complete(const ChatRequest& /*request*/) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (next_ >= responses_.size()) {
      return Status::ResourceExhausted(fmt::format(
          "the replay transcript {} has only {} responses but the run asked for more: the run "
          "diverged from the recording, or the transcript is incomplete",
          path_, responses_.size()));
    }
    return responses_[next_++];
  }

  std::string Describe() const override {
    return fmt::format("replay of {} ({} responses)", path_, responses_.size());
  }

 private:
  const std::string path_;
  const std::vector<ChatResponse> responses_;
  std::mutex mutex_;
  size_t next_;
};

}  // namespace

Result<std::unique_ptr<Provider>> OpenReplayProvider(const std::string& path, size_t skip) {
  std::error_code exists_error;
  if (!std::filesystem::exists(path, exists_error)) {
    return Status::NotFound(fmt::format(
        "the replay transcript {} does not exist; check the path given to --replay", path));
  }
  if (std::filesystem::is_directory(path, exists_error)) {
    return Status::InvalidArgument(
        fmt::format("the replay transcript {} is a directory; --replay takes a .jsonl file", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IoError(
        fmt::format("cannot open the replay transcript {}: {}", path, std::strerror(errno)));
  }
  std::vector<ChatResponse> responses;
  std::string line;
  size_t line_number = 0;
  try {
    while (std::getline(in, line)) {
      ++line_number;
      if (IsBlank(line)) continue;
      Result<ChatResponse> response = ParseLine(line);
      if (!response.ok()) {
        return Status::InvalidArgument(
            fmt::format("{}:{}: {}; each line must be one exchange as `l2mac transcript` writes "
                        "it",
                        path, line_number, response.status().message()));
      }
      responses.push_back(std::move(response).value());
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("{}:{}: {}", path, line_number, JsonErrorDetail(e)));
  }
  if (in.bad()) {
    return Status::IoError(fmt::format("cannot read the replay transcript {}", path));
  }
  if (skip > responses.size()) {
    return Status::InvalidArgument(fmt::format(
        "cannot skip {} responses of the replay transcript {}: it has only {}; the state "
        "database belongs to a different recording",
        skip, path, responses.size()));
  }
  return std::unique_ptr<Provider>(
      std::make_unique<ReplayProvider>(path, std::move(responses), skip));
}

}  // namespace l2mac::llm
