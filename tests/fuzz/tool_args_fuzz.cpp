// libFuzzer target: a model's tool calls dispatched to the ToolBox over a real (in-memory
// SQLite) file store holding a few files. Input: the tool's name, a newline, then the
// arguments as the model sent them (any text). Checks that every call answers, without
// crashing or throwing, with a JSON object whose "ok" is a boolean and whose error, when
// there is one, says something; and that a result never grows past the read bound by much
// (the model's context is what it protects).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "agents/tool_box.hpp"
#include "core/json_text.hpp"
#include "core/sqlite.hpp"
#include "filestore/file_store.hpp"

namespace {

struct Store {
  Store() {
    db = std::move(l2mac::Database::Open(":memory:")).value();
    store = std::move(l2mac::filestore::FileStore::Open(*db)).value();
    auto txn = std::move(store->Begin()).value();
    std::string long_line;
    for (int i = 0; i < 20000; ++i) long_line += "ab";
    (void)txn->Write("src/app.py", "class App:\n    def run(self):\n        return 1\n");
    (void)txn->Write("tests/test_app.py", "def test_run():\n    assert App().run() == 1\n");
    (void)txn->Write("docs/guide.md", "# Guide\n\n## Use\ntext\n");
    (void)txn->Write("data/long.txt", "x\n" + long_line + "\n");
    (void)txn->Write("bin/blob", std::string("\x89PNG\0\xff", 6));
    (void)txn->Commit("seed", "fuzz");
  }
  std::unique_ptr<l2mac::Database> db;
  std::unique_ptr<l2mac::filestore::FileStore> store;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Store seeded;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  l2mac::llm::ToolCall call;
  call.id = "c1";
  call.name = std::string(input.substr(0, newline));
  call.arguments = std::string(input.substr(newline + 1));

  // A fresh transaction per input, discarded afterwards: every input sees the seed.
  auto txn = seeded.store->Begin();
  if (!txn.ok()) __builtin_trap();
  l2mac::agents::ToolBoxOptions options;
  options.max_write_bytes = 64 * 1024;
  l2mac::agents::ToolBox tools(
      **txn, /*output_root=*/{},
      [](const std::vector<std::string>&) {
        return l2mac::Result<l2mac::toolchains::GateReport>(l2mac::toolchains::GateReport{});
      },
      options);
  l2mac::agents::ToolOutcome outcome = tools.Execute(call);
  const nlohmann::json& result = outcome.result;
  if (!result.is_object() || !result.contains("ok") || !result["ok"].is_boolean()) {
    __builtin_trap();
  }
  if (!result["ok"].get<bool>()) {
    if (!result.contains("error") || result["error"].get<std::string>().empty()) __builtin_trap();
  }
  const std::string text = l2mac::DumpJson(result);
  // Read and search results are bounded by max_read_bytes (48 KiB); JSON escapes and the
  // fields around them add a little. A write echoes no content.
  if (text.size() > 4 * options.max_read_bytes) __builtin_trap();
  return 0;
}
