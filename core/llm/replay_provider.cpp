#include "core/llm/replay_provider.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "core/llm/json_diff.hpp"
#include "core/llm/json_field.hpp"
#include "core/llm/transcript.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

struct Recorded {
  json request;  // null when the line has none
  ChatResponse response;
  ExchangeKey key;  // empty when the line has none
};

Result<ExchangeKey> ParseKey(const json& key) {
  if (!key.is_object()) return FieldTypeError("key", key, "an object");
  ExchangeKey parsed;
  auto instruction = key.find("instruction");
  auto attempt = key.find("attempt");
  auto turn = key.find("turn");
  if (instruction == key.end() || !instruction->is_string() || attempt == key.end() ||
      !attempt->is_number_integer() || turn == key.end() || !turn->is_number_integer() ||
      attempt->get<int64_t>() < 1 || turn->get<int64_t>() < 1) {
    return Status::InvalidArgument(
        "\"key\" must be {\"instruction\": a string, \"attempt\": an integer from 1, "
        "\"turn\": an integer from 1}");
  }
  parsed.instruction = instruction->get<std::string>();
  parsed.attempt = attempt->get<int64_t>();
  parsed.turn = turn->get<int64_t>();
  return parsed;
}

std::string DescribeKey(const ExchangeKey& key) {
  return fmt::format(
      "{}, try {}, call {}",
      key.instruction.empty() ? std::string("planning") : "instruction " + key.instruction,
      key.attempt, key.turn);
}

Result<Recorded> ParseLine(const std::string& line) {
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
  Recorded recorded;
  if (request != exchange.end()) recorded.request = *request;
  L2MAC_ASSIGN_OR_RETURN(recorded.response, ResponseFromTranscriptJson(*response));
  if (auto key = exchange.find("key"); key != exchange.end()) {
    L2MAC_ASSIGN_OR_RETURN(recorded.key, ParseKey(*key));
  }
  return recorded;
}

class ReplayProvider final : public Provider {
 public:
  // `lines[i]` is the line of the file the i-th exchange was read from.
  ReplayProvider(std::string path, std::vector<Recorded> responses, std::vector<size_t> lines,
                 size_t next, ReplayMode mode)
      : path_(std::move(path)),
        responses_(std::move(responses)),
        lines_(std::move(lines)),
        next_(next),
        mode_(mode) {
    for (size_t i = 0; i < responses_.size(); ++i) {
      if (!responses_[i].key.empty()) by_key_.emplace(responses_[i].key, i);
    }
  }

  Result<ChatResponse> Complete(const ChatRequest& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!request.key.empty() && !by_key_.empty()) return ByKey(request);
    if (next_ >= responses_.size()) {
      return Status::ResourceExhausted(fmt::format(
          "the replay transcript {} has only {} responses but the run asked for more: the run "
          "diverged from the recording, or the transcript is incomplete",
          path_, responses_.size()));
    }
    const Recorded& recorded = responses_[next_];
    L2MAC_RETURN_IF_ERROR(CompareStrict(request, next_, ""));
    ++next_;
    return recorded.response;
  }

  // A keyed transcript (recorded with exchange keys): the response recorded under the
  // request's key, whatever order the calls come in (parallel lanes interleave them
  // differently in every run).
  Result<ChatResponse> ByKey(const ChatRequest& request) {
    auto found = by_key_.find(request.key);
    if (found == by_key_.end()) {
      return Status::ResourceExhausted(
          fmt::format("the replay transcript {} has no response for {}: the run diverged from the "
                      "recording, or the transcript is incomplete",
                      path_, DescribeKey(request.key)));
    }
    L2MAC_RETURN_IF_ERROR(CompareStrict(request, found->second, "; " + DescribeKey(request.key)));
    return responses_[found->second].response;
  }

  // In strict mode, kFailedPrecondition when `request` differs from the one recorded as
  // exchange `index`; `key` names its key ("; ..."), or "" in order.
  Status CompareStrict(const ChatRequest& request, size_t index, const std::string& key) const {
    if (mode_ != ReplayMode::kStrict) return Status::Ok();
    const json& recorded = responses_[index].request;
    json now = RequestToTranscriptJson(request);
    // Transcripts recorded before requests carried these fields are compared without them.
    for (const char* later_field : {"max_output_tokens", "temperature"}) {
      if (!recorded.contains(later_field)) now.erase(later_field);
    }
    auto difference = FirstJsonDifference(recorded, now);
    if (!difference) return Status::Ok();
    return Status::FailedPrecondition(fmt::format(
        "strict replay: request {} differs from the one recorded in {} (line {}{}): {}; the "
        "run no longer behaves as recorded (a run recorded with --parallel N replays strictly "
        "only with the same --parallel N; replay without --replay-strict to ignore requests)",
        index + 1, path_, lines_[index], key, *difference));
  }

  // A transcript without keys is served in order.
  bool AnswersInCallOrder() const override { return by_key_.empty(); }

  std::string Describe() const override {
    return fmt::format("{}replay of {} ({} responses)",
                       mode_ == ReplayMode::kStrict ? "strict " : "", path_, responses_.size());
  }

 private:
  const std::string path_;
  const std::vector<Recorded> responses_;
  const std::vector<size_t> lines_;
  std::map<ExchangeKey, size_t> by_key_;  // the keyed lines, by key
  std::mutex mutex_;
  size_t next_;
  const ReplayMode mode_;
};

}  // namespace

Result<std::unique_ptr<Provider>> OpenReplayProvider(const std::string& path, size_t skip,
                                                     ReplayMode mode) {
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
  std::vector<Recorded> responses;
  std::vector<size_t> lines;
  std::map<ExchangeKey, size_t> first_line_of_key;
  std::string line;
  size_t line_number = 0;
  try {
    while (std::getline(in, line)) {
      ++line_number;
      if (IsBlank(line)) continue;
      Result<Recorded> response = ParseLine(line);
      if (response.ok() && mode == ReplayMode::kStrict && response->request.is_null()) {
        response = Status::InvalidArgument(
            "the exchange has no \"request\", which --replay-strict compares; record the "
            "transcript with `l2mac transcript`, or replay without --replay-strict");
      }
      if (!response.ok()) {
        return Status::InvalidArgument(
            fmt::format("{}:{}: {}; each line must be one exchange as `l2mac transcript` writes "
                        "it",
                        path, line_number, response.status().message()));
      }
      if (!response->key.empty()) {
        auto [at, fresh] = first_line_of_key.emplace(response->key, line_number);
        if (!fresh) {
          return Status::InvalidArgument(fmt::format(
              "{}:{}: the exchange key ({}) was already used on line {}; each call of a run "
              "has one key: the transcript was edited or joined from two recordings",
              path, line_number, DescribeKey(response->key), at->second));
        }
      }
      responses.push_back(std::move(response).value());
      lines.push_back(line_number);
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
      std::make_unique<ReplayProvider>(path, std::move(responses), std::move(lines), skip, mode));
}

}  // namespace l2mac::llm
