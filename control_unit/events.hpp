// The run's event stream: every state change of a run as a typed, versioned RunEvent,
// sent to the EventSink an embedder puts in RunOptions::events (as LevelDB's Options
// carries info_log) and persisted in the workspace's `events` table (see event_log.hpp),
// so that a live view, `l2mac run --json`, `l2mac events` and a report all read one
// history. The JSON form of each event is documented in docs/EVENTS.md, whose schema
// (docs/events.schema.json) a test checks every event of a simulated run against.
//
// Each event has a sequence number (strictly increasing within a run and continued across
// resumes), a wall-clock time and the instruction it belongs to ("" for the run and its
// planning). Text deltas take sequence numbers but are not persisted, so the stored
// history has gaps where they were.
//
// Threads: the control unit calls a sink one event at a time, in sequence order, never
// two calls at once. Without --parallel every call comes from the thread that runs the
// run; with parallel lanes calls come from the lanes' threads too (serialized by the
// emitter), so a sink that shares state with other threads of its own locks it. A sink
// must not throw and should return quickly: it runs inside the run loop, sometimes inside
// a database transaction, and while it runs no other lane can emit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/agent_events.hpp"

namespace l2mac::control_unit {

// The "v" of every event's JSON. Raised when a field changes meaning or disappears;
// adding an event type or a field does not raise it (consumers ignore what they do not
// know).
inline constexpr int kEventSchemaVersion = 1;

struct RunStarted {
  std::string task_source;  // the spec's path, or "--task"
  std::string domain;       // "codebase", "book", "custom"
  std::string model;        // Provider::Describe(), never a secret
};

// `resume` continued the run: what starts over.
struct RunResumed {
  int interrupted = 0;  // instructions a stop left running
  int retried = 0;      // failed or skipped instructions that run again
  std::string model;
};

struct RunFinished {
  // "completed", "incomplete", "budget_reached", "requirements_unmet", or "error" (then
  // `error` says why)
  std::string outcome;
  std::string error;
  int instructions = 0;
  int committed = 0;
  int failed = 0;
  int skipped = 0;
  int context_restarts = 0;
  int gate_failures = 0;
  int64_t model_calls = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t cost_microusd = 0;
  int64_t files = 0;
  // The judge's last verdict, when the run was judged: Features %, the unmet requirements
  // and the number of inconsistencies left (the fields are absent from the JSON otherwise).
  std::optional<double> features_pct;
  std::vector<std::string> unmet_requirements;
  int inconsistency_count = 0;
};

struct PlanStarted {};

struct PlannedInstruction {
  std::string id;
  std::string text;
  std::vector<std::string> depends_on;
};

// The prompt program, in the order it runs (planned, or supplied with --program).
struct PlanReady {
  std::vector<PlannedInstruction> instructions;
};

struct InstructionStarted {
  std::string text;
  int position = 0;  // 1-based among the program's instructions
  int count = 0;     // instructions in the program
};

struct InstructionCommitted {
  int64_t commit = 0;         // the store commit
  int64_t files_changed = 0;  // written or deleted by the instruction
  std::string summary;        // the first line of the model's summary
};

// Instructions a worker's add_instructions calls added, appended to the program with the
// commit of the instruction that added them (sent just before its instruction_committed).
struct InstructionsAdded {
  std::vector<std::string> instructions;  // their ids, in program order
};

struct InstructionFailed {
  std::string failure;
  // The store branch that keeps the files staged when the instruction gave up, when they
  // changed after its last refused check ("" otherwise: that attempt's branch has them).
  std::string kept_as;
};

// --parallel: the instruction's passing result could not join main as it is now: it
// conflicted with what other lanes committed since its try began, or the merged result
// failed the checks. Nothing of it was committed; it runs again on the new head with the
// reason in its context.
struct MergeRetried {
  std::string reason;              // "conflict" or "checks"
  std::vector<std::string> paths;  // the conflicting paths ("conflict")
  std::string detail;              // what the rerun's context is told, cut to 2000 bytes
  int attempt = 0;                 // the try that starts now (from 2)
};

struct InstructionSkipped {
  std::string reason;  // e.g. "depends on 2, which failed"
};

struct ModelCallStarted {
  std::string purpose;  // "plan", "work", "summary", "judge", "analysis"
  int64_t estimated_prompt_tokens = 0;
  // The estimated prompt against the context's usable budget: 100 is where the context
  // restarts. 0 when the budget is unknown.
  double context_fill_pct = 0;
};

struct ModelCallFinished {
  std::string purpose;
  bool ok = true;
  std::string error;  // when not ok (secrets scrubbed by the provider)
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t cost_microusd = 0;
  int64_t latency_ms = 0;
  double context_fill_pct = 0;
  std::string finish_reason;
  int tool_calls = 0;
};

// An attempt of a model call failed in a way worth retrying (a transport error, HTTP 429 or
// 5xx, a broken stream); the provider waits `delay_ms` and tries again. Sent before the
// wait, so a view can show it.
struct ModelCallRetried {
  std::string purpose;
  int attempt = 0;  // the attempt about to be made: 2 for the first retry
  int max_attempts = 0;
  int64_t delay_ms = 0;
  std::string reason;  // why the last attempt failed; the provider scrubs secrets from it
};

// The rate limiter holds a model call back for about `expected_ms` (sent only for waits
// expected to last a second or more); a rate_limit_waited follows when it is over.
struct RateLimitWaitStarted {
  int64_t expected_ms = 0;
};

struct RateLimitWaited {
  int64_t waited_ms = 0;
};

// A piece of the reply's text as the server streams it. Never persisted. A retried
// attempt streams its text again from the start.
struct TextDelta {
  std::string text;
};

// The gate starts on a snapshot of the staged state: for step_complete, or for the
// run_tests tool (which may name test files).
struct CheckStarted {
  std::vector<std::string> test_paths;  // the tests asked for; empty: every test
};

struct FailingTest {
  std::string id;       // the runner's test id, e.g. tests/test_app.py::test_add
  std::string file;     // may be empty
  std::string message;  // the first line of its failure, when the report has it
};

struct CheckResult {
  std::string name;     // "python syntax", "pytest", ...
  std::string verdict;  // "passed", "failed", "timed_out"
  std::string summary;  // e.g. "1 failed, 3 passed"
  // The tests the runners reported failing, under the failed check whose findings name
  // them (else the first failed check); at most kMaxFailingTests over all checks.
  std::vector<FailingTest> failing_tests;
};

struct CheckFinished {
  bool passed = false;
  std::string summary;  // GateReport::OneLine()
  std::vector<CheckResult> checks;
  int64_t duration_ms = 0;
};
inline constexpr size_t kMaxFailingTests = 50;

// A budget is close to spent (at 80%); sent once per budget per run.
struct BudgetWarning {
  std::string budget;  // "max_cost_usd" or "max_tokens"
  double spent = 0;
  double limit = 0;
};

// A budget is spent: the run stops before the next step.
struct BudgetReached {
  std::string budget;
  double spent = 0;
  double limit = 0;
  std::string message;  // e.g. "--max-cost: $0.0123 spent of $0.0100"
};

// The judge starts scoring the program's requirements against the store (round 1 after
// the program, round n+1 after the instructions the n-th verdict appended).
struct JudgeStarted {
  int round = 0;
  int requirements = 0;
};
struct RequirementVerdict {
  std::string id;
  std::string score;  // "implemented", "partial", "missing"
};
// The judge's verdict (agents/judge_verdict.hpp), stored before this is sent; `appended`
// names the instructions it added to the program for the unmet requirements (empty when
// none are unmet or no round is left).
struct JudgeVerdictReady {
  int round = 0;
  double features_pct = 0;
  std::vector<RequirementVerdict> requirements;
  std::vector<std::string> unmet;
  std::vector<std::string> inconsistencies;  // what each one is (the book domain's check)
  std::vector<std::string> appended;
};
// Something the run tells its user that is not a state change of its own: a user edit
// imported or kept, a calibrated context budget, a warning from a library component (the
// provider's reply cut by its token limit, the text tool protocol taking over, the
// sandbox's fallback), a run that is started over.
struct Notice {
  std::string level;  // "debug", "info", "warning"
  std::string message;
};

using EventPayload =
    std::variant<RunStarted, RunResumed, RunFinished, PlanStarted, PlanReady, InstructionStarted,
                 InstructionCommitted, InstructionsAdded, InstructionFailed, InstructionSkipped,
                 MergeRetried, ModelCallStarted, ModelCallFinished, ModelCallRetried,
                 RateLimitWaitStarted, RateLimitWaited, TextDelta, agents::ToolCalled,
                 agents::ContextRestarted, agents::StepRejected, agents::FailureAnalyzed,
                 CheckStarted, CheckFinished, BudgetWarning, BudgetReached, JudgeStarted,
                 JudgeVerdictReady, Notice>;

struct RunEvent {
  int64_t seq = 0;
  int64_t time_ms = 0;      // milliseconds since the Unix epoch
  std::string instruction;  // "" for the run and its planning
  EventPayload payload;
  // The parallel lane (from 1) whose instruction it belongs to; 0 (no "lane" in the
  // JSON) for the run's own events and for every event of a run without --parallel.
  int lane = 0;

  // The JSON "type": "run_started", "tool_call", ... (docs/EVENTS.md).
  const char* type() const;
  // Whether it is stored in the events table (everything but text deltas).
  bool persisted() const { return !std::holds_alternative<TextDelta>(payload); }
};

// {"v", "seq", "time_ms", "type", "instruction", "lane" (when not 0)} and then the
// payload's fields, flat, in that order (ordered_json keeps the order for readers of the
// JSONL).
nlohmann::ordered_json EventToJson(const RunEvent& event);
// What the events table stores beside the envelope's columns: "lane" (when not 0) and the
// payload's fields, serialized, so a stored event reads back as EventToJson() gave it.
std::string StoredEventData(const RunEvent& event);
// The payload's fields alone (what the events table stores beside the envelope).
nlohmann::ordered_json PayloadToJson(const EventPayload& payload);

// Receives a run's events; see the file comment for the threading contract.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnEvent(const RunEvent& event) = 0;
};

}  // namespace l2mac::control_unit
