// Executes an agent's tool calls against the instruction's staged store transaction.
//
// Every result is a JSON object with "ok"; when not ok, "error" says what went wrong and
// what to do instead. Nothing here throws or fails the run: bad arguments, bad paths and
// unknown tools become error results for the model to correct. Borrows the transaction
// (which must outlive the ToolBox); one thread at a time.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/add_instructions.hpp"
#include "agents/toolchains/gate.hpp"
#include "core/llm/message.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::agents {

struct ToolOutcome {
  nlohmann::json result;       // what the model sees
  bool step_complete = false;  // the model called step_complete with valid arguments
  std::string summary;         // its summary
};

// Runs the checks on the staged state, optionally restricted to some test paths.
using CheckRunner =
    std::function<Result<toolchains::GateReport>(const std::vector<std::string>& test_paths)>;

// Every bound on what a model's tool call may ask for. Past one, the call gets an error
// naming the limit and what to do instead; nothing is cut silently that the model needs.
struct ToolBoxOptions {
  size_t max_read_lines = 400;        // a read_file without a range returns at most this many
  size_t max_read_bytes = 48 * 1024;  // read_file content, search_files matches (a longer
                                      // single line is cut, with a note)
  size_t max_list_entries = 1000;     // list_files says how many more there are
  size_t max_report_bytes = 6000;
  // A write_file or edit_file whose result is larger is refused (files.max_file_bytes).
  // The raw arguments of one call may be 2 x this + 64 KiB (JSON escapes grow text).
  size_t max_write_bytes = 1 << 20;
  size_t max_argument_depth = 8;    // nesting of arrays and objects in the arguments
  size_t max_summary_bytes = 8192;  // step_complete's summary
  size_t max_search_results = 200;  // search_files's max_results is clamped to this
  size_t max_outline_items = 500;   // outline_file lists this many, then says how many more
  size_t max_test_paths = 100;      // run_tests's paths
  int max_test_runs = 40;           // run_tests calls per instruction
  // run_tests' result lists each test the runners reported ("tests": [{"id", "outcome"}]),
  // at most this many (then "tests_omitted"); 0: no list (the worker's run_tests).
  size_t max_listed_tests = 0;
  int max_calls = 1000;  // tool calls per instruction; step_complete stays allowed
};

class ToolBox {
 public:
  // `output_root` is the materialized folder: writes whose path passes through a symlink
  // there are refused, since materializing them would write outside the folder.
  ToolBox(filestore::StoreTransaction& txn, std::filesystem::path output_root,
          CheckRunner run_checks, ToolBoxOptions options = {});

  // step_complete is validated here (a summary is required) but the gate is the caller's.
  ToolOutcome Execute(const llm::ToolCall& call);

  // Offers add_instructions: each call is parsed (ParseAddedInstructions, `limits`) and
  // checked by `validate` with every instruction added so far; the accepted ones are
  // collected here, for the caller to append when the instruction commits.
  void EnableAddInstructions(InstructionValidator validate, AddInstructionsLimits limits = {}) {
    validate_added_ = std::move(validate);
    added_limits_ = limits;
  }
  const std::vector<registry::Instruction>& added_instructions() const { return added_; }

 private:
  nlohmann::json ListFiles(const nlohmann::json& args);
  nlohmann::json ReadFile(const nlohmann::json& args);
  nlohmann::json WriteFile(const nlohmann::json& args);
  nlohmann::json EditFile(const nlohmann::json& args);
  nlohmann::json SearchFiles(const nlohmann::json& args);
  nlohmann::json OutlineFile(const nlohmann::json& args);
  nlohmann::json DeleteFile(const nlohmann::json& args);
  nlohmann::json RunTests(const nlohmann::json& args);
  nlohmann::json AddInstructions(const nlohmann::json& args);
  // Normalizes a path argument and checks it against symlinks in the output folder.
  Result<std::string> WritablePath(const nlohmann::json& args);
  // kResourceExhausted when a file of `bytes` would exceed ToolBoxOptions::max_write_bytes.
  Status CheckWriteSize(const std::string& path, size_t bytes) const;
  // The arguments of `call` as a JSON object, or the error to show the model (too large,
  // nested too deep, not an object).
  Result<nlohmann::json> ParseArguments(const llm::ToolCall& call) const;

  filestore::StoreTransaction& txn_;
  std::filesystem::path output_root_;
  CheckRunner run_checks_;
  ToolBoxOptions options_;
  int calls_ = 0;                        // Execute calls so far
  int test_runs_ = 0;                    // run_tests calls that ran the checks
  InstructionValidator validate_added_;  // empty: add_instructions is not offered
  AddInstructionsLimits added_limits_;
  std::vector<registry::Instruction> added_;
};

// {"ok": false, "error": message}
nlohmann::json ToolError(const std::string& message);

}  // namespace l2mac::agents
