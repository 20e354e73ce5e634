// The worker agent: carries out one instruction in a fresh context with the tool loop.
//
// It calls the model, executes the tool calls in order against the staged transaction,
// runs the gate when the model calls step_complete, returns failures to the model, and
// restarts the context with a progress summary before it would overflow. It does not
// commit: the caller commits the transaction when the outcome is kCompleted and discards
// it otherwise. Errors (as opposed to a failed instruction) are problems the run cannot
// continue past: the model is unreachable, a budget is spent, the database failed.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "agents/agent_events.hpp"
#include "agents/context_budget.hpp"
#include "agents/model_gateway.hpp"
#include "agents/prompt_set.hpp"
#include "agents/tool_box.hpp"
#include "core/status.hpp"
#include "filestore/file_store.hpp"
#include "registry/requirements.hpp"

namespace l2mac::agents {

struct WorkerLimits {
  ContextBudget budget;
  int max_context_restarts = 6;
  int max_gate_failures = 4;  // failed step_complete checks before the instruction fails
  int max_turns = 80;         // model calls for the instruction, summaries excluded
  // Where max_turns came from, named in the failure ("--max-turns", or the instruction's
  // own "max_turns" in the prompt program).
  std::string max_turns_source = "--max-turns";
  int max_idle_replies = 3;      // consecutive replies without any tool call
  int max_repeated_actions = 4;  // the same tool call with the same arguments in a row
  size_t max_manifest_entries = 300;
  size_t max_summaries_bytes = 12000;
  size_t max_report_bytes = 6000;    // gate failure text returned to the model
  size_t max_write_bytes = 1 << 20;  // largest file the model may write
  // Before a refused step goes back to the model, ask for the failure's root cause in a
  // fresh context (agents/failure_analysis.hpp) and give it with the check output. Not for
  // the refusal that ends the instruction (nobody would read it).
  bool analyze_failures = false;
  size_t max_analysis_files_bytes = 16 * 1024;  // the changed files shown to the analysis
};

struct WorkerInput {
  std::string task;
  std::string instruction_id;
  std::string instruction_text;
  int instruction_count = 1;
  // "[id] summary" of each committed instruction, oldest first.
  std::vector<std::string> earlier_summaries;
  // The program's requirements this instruction covers. When there are some, the first user
  // message ends with them and the test-naming convention (PromptSet::requirements);
  // otherwise it is exactly what it was before requirements existed.
  std::vector<registry::Requirement> requirements;
  // Why an earlier try's result could not join main (--parallel: a conflict with, or a
  // failing check after, what other instructions committed meanwhile); when set, the first
  // user message ends with it. Empty for a first try, which reads exactly as before.
  std::string rerun_note;
};

struct WorkerOutcome {
  bool completed = false;
  std::string summary;  // when completed
  // When completed: the passing gate's report, whose tests the caller protects from now on.
  toolchains::GateReport gate_report;
  std::string failure;  // when not: why, for the report
  int context_restarts = 0;
  int gate_failures = 0;
  int turns = 0;
  int analyses = 0;  // failure analyses made (WorkerLimits::analyze_failures)
  // When completed: the instructions its add_instructions calls added, each checked, for
  // the caller to append in the commit's transaction.
  std::vector<registry::Instruction> added_instructions;
};

class Worker {
 public:
  Worker(const PromptSet& prompts, ModelGateway& model, filestore::StoreTransaction& txn,
         std::filesystem::path output_root, CheckRunner run_checks, WorkerLimits limits,
         AgentEventSink events = {});

  Result<WorkerOutcome> Run(const WorkerInput& input);

  // Offers the model add_instructions (agents/add_instructions.hpp), each call checked by
  // `validate`; not offered without it.
  void set_instruction_validator(InstructionValidator validate) {
    validate_added_ = std::move(validate);
  }
  // The check of a step_complete, when it differs from run_tests' (`run_checks`, the
  // staged state as it is): with --parallel, the staged changes as they would join main.
  void set_step_checker(CheckRunner check_step) { check_step_ = std::move(check_step); }

 private:
  // The base messages, with the manifest and the summaries shrunk (halved, down to a
  // floor) until they fit the budget as a store grows.
  std::vector<llm::ChatMessage> BaseMessages(const WorkerInput& input) const;
  std::vector<llm::ChatMessage> BaseMessagesWithin(const WorkerInput& input,
                                                   size_t manifest_entries,
                                                   size_t summaries_bytes) const;
  std::string Manifest(size_t max_entries) const;
  // The failure analysis of a refused step (WorkerLimits::analyze_failures): the root cause
  // the model states for `failures` and the staged files.
  Result<std::string> Analyze(const WorkerInput& input, const std::string& failures) const;
  Status Report(const AgentEvent& event) const { return events_ ? events_(event) : Status::Ok(); }

  const PromptSet& prompts_;
  ModelGateway& model_;
  filestore::StoreTransaction& txn_;
  std::filesystem::path output_root_;
  CheckRunner run_checks_;
  WorkerLimits limits_;
  // Told of every tool call, context restart and rejected step (see agent_events.hpp);
  // may be empty. Its error ends Run() with that error.
  AgentEventSink events_;
  InstructionValidator validate_added_;
  CheckRunner check_step_;  // empty: step_complete runs run_checks_
};

// Caps on what one tool result may hold, scaled to the context budget so that a single
// read never fills a small window.
ToolBoxOptions ToolOptionsFor(const ContextBudget& budget, size_t max_report_bytes);

// "path (N lines, M bytes)" per file, sorted, cut at `max_entries` with a count of the
// rest; "(no files yet)" when empty.
std::string FormatManifest(const std::vector<filestore::FileInfo>& files, size_t max_entries);

}  // namespace l2mac::agents
