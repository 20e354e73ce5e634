// The MCP server's framing and dispatch without a client process: lines split and bounded,
// malformed, oversize and unknown messages answered with their JSON-RPC errors while the
// server goes on, version negotiation, tool errors as results, and the resource URIs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/json_rpc.hpp"
#include "cli/mcp_resources.hpp"
#include "cli/mcp_server.hpp"

namespace l2mac::cli {
namespace {

using nlohmann::json;

// A server whose output is collected; its runs would execute a binary that is not there
// (no test here starts one).
struct Harness {
  explicit Harness(size_t max_bytes = kMaxMessageBytes)
      : server(
            "/nonexistent/l2mac",
            [this](const std::string& line) {
              EXPECT_EQ(line.find('\n'), std::string::npos);
              sent.push_back(json::parse(line));
              return true;
            },
            max_bytes),
        splitter(max_bytes) {}

  // Feeds raw bytes as stdin would deliver them; returns what the server wrote.
  std::vector<json> Feed(const std::string& bytes) {
    sent.clear();
    for (const auto& line : splitter.Feed(bytes)) server.HandleLine(line);
    return sent;
  }
  json Request(const json& message) {
    auto out = Feed(message.dump() + "\n");
    EXPECT_EQ(out.size(), 1u) << message.dump();
    return out.empty() ? json() : out[0];
  }

  std::vector<json> sent;
  McpServer server;
  jsonrpc::LineSplitter splitter;
};

json Call(int id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

TEST(JsonRpcFraming, LinesSplitAcrossReadsAndOversizeOnesAreSkippedToTheirNewline) {
  jsonrpc::LineSplitter splitter(10);
  auto first = splitter.Feed("{\"a\":");
  EXPECT_TRUE(first.empty());
  auto second = splitter.Feed("1}\r\n\n0123456789ABCDEF");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].text, "{\"a\":1}");
  auto third = splitter.Feed("GHIJ\nok\n");
  ASSERT_EQ(third.size(), 2u);
  EXPECT_TRUE(third[0].oversize);
  EXPECT_EQ(third[1].text, "ok");
  EXPECT_FALSE(third[1].oversize);
  splitter.Feed("tail");
  auto last = splitter.Finish();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->text, "tail");
  EXPECT_FALSE(splitter.Finish().has_value());
}

TEST(McpServerDispatch, MalformedLinesGetParseErrorsAndTheServerGoesOn) {
  Harness h;
  auto out =
      h.Feed("this is not json\n[1,2]\n{\"jsonrpc\":\"1.0\",\"id\":4,\"method\":\"ping\"}\n");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["error"]["code"], jsonrpc::kParseError);
  EXPECT_TRUE(out[0]["id"].is_null());
  EXPECT_EQ(out[1]["error"]["code"], jsonrpc::kInvalidRequest);
  EXPECT_EQ(out[2]["error"]["code"], jsonrpc::kInvalidRequest);
  EXPECT_EQ(out[2]["id"], 4);
  json pong = h.Request(Call(5, "ping"));
  EXPECT_EQ(pong["id"], 5);
  EXPECT_EQ(pong["result"], json::object());
}

TEST(McpServerDispatch, AnOversizeMessageIsRefusedAndTheNextOneAnswered) {
  Harness h(64);
  std::string big = Call(1, "ping", {{"pad", std::string(200, 'x')}}).dump();
  auto out = h.Feed(big.substr(0, 100));
  EXPECT_TRUE(out.empty());
  out = h.Feed(big.substr(100) + "\n" + Call(2, "ping").dump() + "\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["error"]["code"], jsonrpc::kInvalidRequest);
  EXPECT_NE(out[0]["error"]["message"].get<std::string>().find("longer than 64 bytes"),
            std::string::npos);
  EXPECT_EQ(out[1]["id"], 2);
  EXPECT_TRUE(out[1].contains("result"));
}

TEST(McpServerDispatch, ADeeplyNestedMessageIsRefusedBeforeItIsParsed) {
  Harness h;
  // A million levels would overflow the stack when the parsed value is copied; brackets
  // inside a string are text and do not count.
  std::string deep = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":" +
                     std::string(1'000'000, '[') + std::string(1'000'000, ']') + "}}";
  std::string quoted = Call(2, "ping", {{"text", std::string(500, '[')}}).dump();
  auto out = h.Feed(deep + "\n" + quoted + "\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["error"]["code"], jsonrpc::kInvalidRequest);
  EXPECT_NE(out[0]["error"]["message"].get<std::string>().find("64 levels"), std::string::npos);
  EXPECT_EQ(out[1]["id"], 2);
  EXPECT_TRUE(out[1].contains("result"));
}

TEST(McpServerDispatch, UnknownMethodsAndNotifications) {
  Harness h;
  json unknown = h.Request(Call(7, "tools/frobnicate"));
  EXPECT_EQ(unknown["id"], 7);
  EXPECT_EQ(unknown["error"]["code"], jsonrpc::kMethodNotFound);
  // A notification is never answered, known or not.
  EXPECT_TRUE(h.Feed("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
                     "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}\n")
                  .empty());
  // Params that are not an object are invalid params.
  json bad = h.Request(
      {{"jsonrpc", "2.0"}, {"id", "s1"}, {"method", "tools/list"}, {"params", json::array({1})}});
  EXPECT_EQ(bad["id"], "s1");
  EXPECT_EQ(bad["error"]["code"], jsonrpc::kInvalidParams);
}

TEST(McpServerDispatch, InitializeNegotiatesTheProtocolRevision) {
  Harness h;
  json same = h.Request(Call(1, "initialize",
                             {{"protocolVersion", "2025-06-18"},
                              {"capabilities", json::object()},
                              {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
  EXPECT_EQ(same["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(same["result"]["serverInfo"]["name"], "l2mac");
  EXPECT_TRUE(same["result"]["capabilities"].contains("tools"));
  EXPECT_TRUE(same["result"]["capabilities"].contains("resources"));
  json other = h.Request(Call(2, "initialize", {{"protocolVersion", "1999-01-01"}}));
  EXPECT_EQ(other["result"]["protocolVersion"], SupportedProtocolVersions().front());
  json missing = h.Request(Call(3, "initialize"));
  EXPECT_EQ(missing["error"]["code"], jsonrpc::kInvalidParams);
}

TEST(McpServerDispatch, ToolErrorsAreResultsThatSayWhatToDo) {
  Harness h;
  json list = h.Request(Call(1, "tools/list"));
  EXPECT_EQ(list["result"]["tools"].size(), 9u);
  json unknown_tool = h.Request(Call(2, "tools/call", {{"name", "rm_rf"}}));
  EXPECT_EQ(unknown_tool["error"]["code"], jsonrpc::kInvalidParams);
  json no_run = h.Request(
      Call(3, "tools/call", {{"name", "run_status"}, {"arguments", {{"run_id", "run-4"}}}}));
  EXPECT_EQ(no_run["result"]["isError"], true);
  EXPECT_NE(no_run["result"]["content"][0]["text"].get<std::string>().find("start_run"),
            std::string::npos);
  json typo = h.Request(Call(
      4, "tools/call", {{"name", "start_run"}, {"arguments", {{"out", "/tmp/x"}, {"spec", "y"}}}}));
  EXPECT_EQ(typo["result"]["isError"], true);
  EXPECT_NE(typo["result"]["content"][0]["text"].get<std::string>().find("unknown argument 'spec'"),
            std::string::npos);
  // A key pasted where the variable's name goes is refused without being repeated.
  json key = h.Request(Call(
      5, "tools/call",
      {{"name", "start_run"},
       {"arguments", {{"out", "/tmp/x"}, {"spec_text", "t"}, {"api_key_env", "sk-live-123"}}}}));
  EXPECT_EQ(key["result"]["isError"], true);
  EXPECT_EQ(key.dump().find("sk-live-123"), std::string::npos);
  json url = h.Request(Call(
      6, "tools/call",
      {{"name", "start_run"},
       {"arguments", {{"out", "/tmp/x"}, {"spec_text", "t"}, {"base_url", "http://u:pw9@h/v1"}}}}));
  EXPECT_EQ(url["result"]["isError"], true);
  EXPECT_EQ(url.dump().find("pw9"), std::string::npos);
  json long_spec = h.Request(
      Call(7, "tools/call",
           {{"name", "start_run"},
            {"arguments",
             {{"out", "/tmp/x"}, {"spec_text", std::string(kMaxSpecTextBytes + 1, 's')}}}}));
  EXPECT_EQ(long_spec["result"]["isError"], true);
  EXPECT_NE(long_spec.dump().find("spec_file"), std::string::npos);
}

TEST(McpResources, UrisRoundTripAndBadOnesAreRefused) {
  std::string uri = ResourceUri("run-2", "src/my file%.py");
  EXPECT_EQ(uri, "l2mac://run-2/src/my%20file%25.py");
  auto parsed = ParseResourceUri(uri);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->first, "run-2");
  EXPECT_EQ(parsed->second, "src/my file%.py");
  EXPECT_FALSE(ParseResourceUri("file:///etc/passwd").ok());
  EXPECT_FALSE(ParseResourceUri("l2mac://run-1/a%zz").ok());
  EXPECT_FALSE(ParseResourceUri("l2mac://run-1").ok());
  EXPECT_EQ(Base64("hello"), "aGVsbG8=");
  EXPECT_EQ(Base64("hi!"), "aGkh");

  Harness h;
  json bad = h.Request(Call(1, "resources/read", {{"uri", "http://x"}}));
  EXPECT_EQ(bad["error"]["code"], jsonrpc::kInvalidParams);
  json unknown = h.Request(Call(2, "resources/read", {{"uri", "l2mac://run-1/a.py"}}));
  EXPECT_EQ(unknown["error"]["code"], -32002);
  json listed = h.Request(Call(3, "resources/list"));
  EXPECT_EQ(listed["result"]["resources"], json::array());
}

}  // namespace
}  // namespace l2mac::cli
