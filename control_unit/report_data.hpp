// What `l2mac report` shows, gathered from an output folder's state database: the run's
// summary, the prompt program with each instruction's record, the latest model calls, the
// failed checks with the reports the model received, and the file store's history.
//
// Gathering only reads (the workspace may be a read-only view of a run in progress) and
// bounds what it loads (ReportLimits), so a run of any size gives a report of bounded size.
// Everything in it that came from the database is untrusted text (model output, paths,
// test logs): the renderer escapes it. The structs are plain values; GatherReportData
// borrows the workspace for the call, one thread at a time, like the Workspace itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control_unit/exchange_log.hpp"
#include "control_unit/run_status.hpp"
#include "control_unit/workspace.hpp"
#include "core/status.hpp"
#include "registry/instruction_registry.hpp"

namespace l2mac::control_unit {

struct ReportLimits {
  size_t max_exchanges = 2000;      // the most recent model calls (timeline, context fill)
  size_t max_check_reports = 200;   // the most recent failed-check reports
  size_t max_text_bytes = 6000;     // one failure text or check report; longer ones are cut
  size_t max_instructions = 2000;   // rows of the per-instruction table
  size_t max_graph_nodes = 300;     // instructions drawn in the program graph
  size_t max_file_changes = 5000;   // the most recent file changes, with their line counts
  size_t max_files = 2000;          // files listed with their history
  size_t max_diff_bytes = 1 << 20;  // versions larger than this are not line-counted
};

// One change of one file by one commit of main's history.
struct ReportFileChange {
  int64_t commit_id = 0;
  std::string author;  // "instruction 3", or "user" for an import of the user's edits
  int64_t time_ms = 0;
  std::string path;
  bool created = false;
  bool deleted = false;
  // Lines added and removed against the previous version; nullopt when not counted (a
  // binary file, or a version over ReportLimits::max_diff_bytes).
  std::optional<int> added;
  std::optional<int> removed;
};

// A failed check: the report the model received (from a later request), or an
// instruction's own failure text when it gave up.
struct ReportCheckFailure {
  std::string instruction_id;  // empty for planning
  int64_t exchange_seq = 0;    // the exchange whose request carried the report; 0: none
  int64_t time_ms = 0;         // when that request was sent (about when the check ended)
  std::string tool;            // "step_complete", "run_tests"
  std::string text;
  bool superseded = false;  // from an attempt a resume started over
};

struct ReportData {
  std::string dir;             // the output folder as given
  std::string state;           // "finished", "running", "interrupted (...)", ...
  std::string provider;        // how the model was reached, e.g. the server and model name
  std::string model;           // the model name from the stored settings, when there is one
  std::string task;            // the task's text (cut to max_text_bytes)
  bool busy = false;           // an l2mac process works in the folder right now
  int64_t context_window = 0;  // tokens, from the stored run options (0: unknown)
  // Where a context restarts: the window less the reply's reserve and the margin
  // (agents::ContextBudget::usable without calibration). 0 when the window is unknown.
  int64_t context_usable_tokens = 0;
  int64_t generated_ms = 0;  // when the report was made

  // Program order, as the run-status model (run_status.hpp) reads them: each record, its
  // status as `l2mac status` shows it, and the failed attempts of its latest try.
  std::vector<InstructionState> instructions;
  // The judge's verdicts, oldest round first (empty when the run was not judged).
  std::vector<StoredVerdict> verdicts;

  ExchangeTotals totals;                   // over every exchange, superseded included
  int64_t exchanges_total = 0;             // how many exchanges the run recorded
  std::vector<ExchangeSummary> exchanges;  // the last max_exchanges of them, oldest first
  // The run's span: from the first model call (or commit) to the last reply (or commit);
  // 0 when nothing was recorded.
  int64_t first_activity_ms = 0;
  int64_t last_activity_ms = 0;

  std::vector<ReportCheckFailure> check_reports;  // oldest first
  int64_t check_reports_omitted = 0;              // older reports left out

  int64_t head_commit = 0;
  int64_t first_commit_ms = 0;  // main's first and last commits (0: none)
  int64_t last_commit_ms = 0;
  std::vector<filestore::FileInfo> head_files;  // the files of the committed head
  std::vector<ReportFileChange> file_changes;   // oldest first
  int64_t file_changes_omitted = 0;             // older changes left out
};

// Reads the run in `workspace`. Errors are the database's (kCorruption for stored data
// that does not parse).
Result<ReportData> GatherReportData(Workspace& workspace, const ReportLimits& limits = {});

}  // namespace l2mac::control_unit
