#include "core/llm/replay_provider.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/llm/transcript.hpp"

namespace l2mac::llm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class ReplayProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("l2mac_replay_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& text) {
    std::string path = (dir_ / "transcript.jsonl").string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  static std::string Line(const ChatResponse& response) {
    ChatRequest request;
    request.messages = {ChatMessage::User("ignored on replay")};
    return ExchangeToTranscriptJson(request, response).dump() + "\n";
  }

  static ChatResponse Text(std::string content) {
    ChatResponse response;
    response.message = ChatMessage::Assistant(std::move(content));
    response.finish_reason = "stop";
    response.usage = {5, 1};
    return response;
  }

  std::filesystem::path dir_;
};

TEST_F(ReplayProviderTest, ServesResponsesInOrderIgnoringRequests) {
  ChatResponse call;
  call.message = ChatMessage::Assistant("", {ToolCall{"c1", "write_file", "{broken"}});
  call.finish_reason = "tool_calls";
  std::string path = Write(Line(Text("first")) + Line(call) + Line(Text("third")));
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  EXPECT_EQ((*provider)->Describe(), "replay of " + path + " (3 responses)");

  ChatRequest unrelated;
  unrelated.messages = {ChatMessage::User("something else entirely")};
  Result<ChatResponse> first = (*provider)->Complete(unrelated);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, Text("first"));
  Result<ChatResponse> second = (*provider)->Complete(ChatRequest{});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*second, call);
  Result<ChatResponse> third = (*provider)->Complete(ChatRequest{});
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->message.content, "third");
}

TEST_F(ReplayProviderTest, ExhaustedTranscriptSaysHowManyResponsesItHad) {
  std::string path = Write(Line(Text("a")) + Line(Text("b")));
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  ASSERT_TRUE((*provider)->Complete(ChatRequest{}).ok());
  ASSERT_TRUE((*provider)->Complete(ChatRequest{}).ok());
  Result<ChatResponse> third = (*provider)->Complete(ChatRequest{});
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(),
              HasSubstr("the replay transcript " + path + " has only 2 responses"));
  EXPECT_THAT(third.status().message(), HasSubstr("diverged"));
}

TEST_F(ReplayProviderTest, BlankLinesAndResponseOnlyLinesAreAccepted) {
  std::string path = Write("\n" + Line(Text("a")) + "   \r\n\n" +
                           R"({"response": {"content": "hand written"}})" + "\r\n");
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  EXPECT_EQ((*provider)->Describe(), "replay of " + path + " (2 responses)");
  ASSERT_TRUE((*provider)->Complete(ChatRequest{}).ok());
  Result<ChatResponse> second = (*provider)->Complete(ChatRequest{});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->message.content, "hand written");
}

TEST_F(ReplayProviderTest, MalformedLineIsNamedByFileAndLine) {
  std::string path = Write(Line(Text("a")) + "\n" + "{\"response\": {\"content\": \"x\"\n");
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path);
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(provider.status().message(), HasSubstr(path + ":3: not valid JSON ("));
}

TEST_F(ReplayProviderTest, LineWithoutResponseIsNamed) {
  std::string path = Write(Line(Text("a")) + R"({"request": {"messages": []}})" + "\n");
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path);
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(provider.status().message(), HasSubstr(path + ":2: `response` is missing"));
}

TEST_F(ReplayProviderTest, BadResponseFieldIsNamedWithItsLine) {
  std::string path = Write(R"({"response": {"tool_calls": [{"id": "c"}]}})"
                           "\n");
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path);
  ASSERT_FALSE(provider.ok());
  EXPECT_THAT(provider.status().message(),
              HasSubstr(path + ":1: `response.tool_calls[0].name` is missing"));
}

TEST_F(ReplayProviderTest, LineThatIsNotAnObjectIsRejected) {
  std::string path = Write("[1, 2]\n");
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path);
  ASSERT_FALSE(provider.ok());
  EXPECT_THAT(provider.status().message(), HasSubstr(path + ":1: the line is an array"));
}

TEST_F(ReplayProviderTest, SkipConsumesResponsesAtOnce) {
  std::string path = Write(Line(Text("a")) + Line(Text("b")) + Line(Text("c")));
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path, 2);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  Result<ChatResponse> next = (*provider)->Complete(ChatRequest{});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->message.content, "c");
  EXPECT_EQ((*provider)->Complete(ChatRequest{}).status().code(), StatusCode::kResourceExhausted);
}

TEST_F(ReplayProviderTest, SkippingPastTheEndIsAnError) {
  std::string path = Write(Line(Text("a")));
  Result<std::unique_ptr<Provider>> all = OpenReplayProvider(path, 1);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  Result<std::unique_ptr<Provider>> beyond = OpenReplayProvider(path, 2);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(beyond.status().message(), HasSubstr("has only 1"));
}

TEST_F(ReplayProviderTest, MissingFileIsNotFound) {
  std::string path = (dir_ / "nope.jsonl").string();
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path);
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(provider.status().message(), HasSubstr(path));
  EXPECT_THAT(provider.status().message(), HasSubstr("--replay"));
}

TEST_F(ReplayProviderTest, DirectoryIsRejected) {
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(dir_.string());
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(provider.status().message(), HasSubstr("is a directory"));
}

// The output limit and the temperature are part of the recorded request, so a strict
// replay with other settings stops at the first request instead of passing as exact.
TEST_F(ReplayProviderTest, StrictReplayComparesTheOutputLimitAndTemperature) {
  ChatRequest request;
  request.messages = {ChatMessage::User("go")};
  request.max_output_tokens = 1500;
  request.temperature = 0.4;
  std::string path = Write(ExchangeToTranscriptJson(request, Text("done")).dump() + "\n");
  json recorded = json::parse(std::ifstream(path));
  EXPECT_EQ(recorded["request"]["max_output_tokens"], 1500);
  EXPECT_DOUBLE_EQ(recorded["request"]["temperature"].get<double>(), 0.4);

  auto replay = [&](int max_output_tokens, double temperature) {
    ChatRequest now = request;
    now.max_output_tokens = max_output_tokens;
    now.temperature = temperature;
    Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path, 0, ReplayMode::kStrict);
    EXPECT_TRUE(provider.ok()) << provider.status().ToString();
    return (*provider)->Complete(now);
  };
  EXPECT_TRUE(replay(1500, 0.4).ok());
  Result<ChatResponse> more_tokens = replay(1600, 0.4);
  ASSERT_FALSE(more_tokens.ok());
  EXPECT_THAT(more_tokens.status().message(),
              HasSubstr("max_output_tokens: recorded 1500, now 1600"));
  Result<ChatResponse> warmer = replay(1500, 0.9);
  ASSERT_FALSE(warmer.ok());
  EXPECT_THAT(warmer.status().message(), HasSubstr("temperature: recorded 0.4, now 0.9"));
}

// Transcripts recorded before requests carried the two fields still replay strictly.
TEST_F(ReplayProviderTest, StrictReplayOfAnOlderTranscriptComparesMessagesAndTools) {
  ChatRequest request;
  request.messages = {ChatMessage::User("go")};
  json line = ExchangeToTranscriptJson(request, Text("done"));
  line["request"].erase("max_output_tokens");
  line["request"].erase("temperature");
  std::string path = Write(line.dump() + "\n");
  Result<std::unique_ptr<Provider>> provider = OpenReplayProvider(path, 0, ReplayMode::kStrict);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  ChatRequest now = request;
  now.max_output_tokens = 2048;
  EXPECT_TRUE((*provider)->Complete(now).ok());
}

}  // namespace
}  // namespace l2mac::llm
