// The tools an `l2mac mcp` server offers (start_run, run_status, wait_run, resume_run,
// cancel_run, list_files, read_file, diff_files, write_report): their JSON schemas and
// their calls. A tool's failure is a result with `isError` and text that says what to do;
// only an unknown tool name is a protocol error. Runs are children (RunRegistry), so a
// call returns at once, except wait_run, which is answered later by Poll() (when the run's
// child ends or its timeout passes) while other requests go on; during the wait it sends
// notifications/progress for the run's milestones when the request carried a
// progressToken. Model settings are passed to the child as flags; an API key never is
// (only the name of the variable holding it), so none reaches a result or an error.
//
// Threads: one thread at a time (the server's loop). Owns the runs and their children.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/mcp_progress.hpp"
#include "cli/mcp_runs.hpp"
#include "core/status.hpp"

namespace l2mac::cli {

inline constexpr size_t kMaxSpecTextBytes = 100000;  // the child's argv; a file beyond it
inline constexpr size_t kMaxToolTextBytes = 512 * 1024;

class McpTools {
 public:
  // Writes one protocol message (a notification, or a deferred response) to the client.
  using Send = std::function<void(const nlohmann::json& message)>;

  // `exe`: the l2mac binary the runs' children execute.
  McpTools(std::filesystem::path exe, Send send);

  // The tools/list result's "tools" array.
  static nlohmann::json List();

  // Calls the tool. Returns its CallToolResult, or nullopt when the response to
  // `request_id` will be sent later through Send (wait_run). kNotFound for an unknown
  // tool (a JSON-RPC error, -32602). `progress_token` is null when the client gave none.
  Result<std::optional<nlohmann::json>> Call(const nlohmann::json& request_id,
                                             const std::string& name,
                                             const nlohmann::json& arguments,
                                             const nlohmann::json& progress_token);

  // Reaps ended children, sends progress to the waits that asked for it and answers those
  // that are due. Call it every few hundred milliseconds.
  void Poll();
  // notifications/cancelled: the wait answering `request_id` is dropped unanswered.
  void CancelRequest(const nlohmann::json& request_id);
  // Interrupts the running children and waits for them (bounded); waits are dropped.
  void Shutdown();

  RunRegistry& runs() { return runs_; }

 private:
  struct Wait {
    nlohmann::json request_id;
    ManagedRun* run = nullptr;
    nlohmann::json progress_token;  // null: no progress
    std::chrono::steady_clock::time_point deadline;
    std::unique_ptr<ProgressFollower> follower;
    int64_t last_progress = 0;
    bool flushed = false;  // the last progress is sent; the answer goes at the next tick
    bool ended = false;    // the run had ended when it was flushed
    std::chrono::steady_clock::time_point answer_after;
  };

  Result<ManagedRun*> RunOf(const nlohmann::json& arguments);
  nlohmann::json StartRun(const nlohmann::json& arguments);
  nlohmann::json ResumeRun(const nlohmann::json& arguments);
  nlohmann::json CancelRun(const nlohmann::json& arguments);
  nlohmann::json RunStatus(const nlohmann::json& arguments);
  std::optional<nlohmann::json> WaitRun(const nlohmann::json& request_id,
                                        const nlohmann::json& arguments,
                                        const nlohmann::json& progress_token);
  nlohmann::json ListFiles(const nlohmann::json& arguments);
  nlohmann::json ReadFile(const nlohmann::json& arguments);
  nlohmann::json DiffFiles(const nlohmann::json& arguments);
  nlohmann::json WriteReport(const nlohmann::json& arguments);
  // The run's state as run_status and wait_run return it.
  nlohmann::json Describe(ManagedRun& run);
  // Sends the wait's new milestones; false when it has nothing more to send now.
  void SendProgress(Wait& wait);

  RunRegistry runs_;
  Send send_;
  std::vector<std::unique_ptr<Wait>> waits_;
};

}  // namespace l2mac::cli
