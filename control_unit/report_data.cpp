#include "control_unit/report_data.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "agents/context_budget.hpp"
#include "control_unit/check_reports.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"
#include "filestore/text_diff.hpp"

namespace l2mac::control_unit {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `text` cut to `max_bytes`, saying how much was left out.
std::string Bounded(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::string cut = TruncateUtf8(text, max_bytes);
  return cut + "\n[" + std::to_string(text.size() - cut.size()) + " more bytes not shown]";
}

// The settings the run stored (RunOptions::ToJson); absent or unreadable ones stay unknown.
void ReadStoredOptions(const std::optional<std::string>& stored, ReportData& data) {
  if (!stored || JsonNestingDepth(*stored) > kMaxJsonNesting) return;
  nlohmann::json options = nlohmann::json::parse(*stored, nullptr, /*allow_exceptions=*/false);
  if (!options.is_object()) return;
  auto number = [&options](const char* key) -> int64_t {
    auto it = options.find(key);
    return it != options.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  data.context_window = number("context_window");
  if (data.context_window > 0) {
    data.context_usable_tokens =
        agents::ContextBudget::ForWindow(data.context_window, 1.0, number("max_output_tokens"))
            .usable();
  }
  auto provider = options.find("provider");
  if (provider != options.end() && provider->is_object()) {
    auto model = provider->find("model");
    if (model != provider->end() && model->is_string()) data.model = model->get<std::string>();
  }
}

// The run's state and instructions from the run-status model, so the report and
// `l2mac status` agree; then what only the report shows.
Status GatherRunState(Workspace& workspace, ReportData& data, const ReportLimits& limits) {
  L2MAC_ASSIGN_OR_RETURN(RunStatus status, ReadRunStatus(workspace));
  data.busy = status.busy;
  data.state = std::move(status.state);
  data.provider = std::move(status.provider);
  data.instructions = std::move(status.instructions);
  data.verdicts = std::move(status.verdicts);
  // The meta values are optional for the report: a run killed while starting may lack some.
  auto get = [&workspace](const char* key) {
    auto value = workspace.GetMeta(key);
    return value.ok() ? *value : std::nullopt;
  };
  data.task = Bounded(get("task").value_or(""), limits.max_text_bytes);
  ReadStoredOptions(get("options"), data);
  return Status::Ok();
}

Status GatherExchanges(Workspace& workspace, ReportData& data, const ReportLimits& limits) {
  ExchangeLog& log = workspace.exchanges();
  L2MAC_ASSIGN_OR_RETURN(data.totals, log.Totals());
  L2MAC_ASSIGN_OR_RETURN(data.exchanges_total, log.CountAll());
  L2MAC_ASSIGN_OR_RETURN(data.exchanges, log.Latest(limits.max_exchanges));
  if (data.exchanges.empty()) return Status::Ok();

  // The gate reports the model received, from the requests of the exchanges shown.
  // The `events` table (control_unit/event_log.hpp: typed check events with failing test
  // names) is a further source to read here; keep these request-borne reports for runs
  // recorded before events existed.
  std::map<int64_t, const ExchangeSummary*> by_seq;
  for (const auto& exchange : data.exchanges) by_seq[exchange.seq] = &exchange;
  std::vector<ReportCheckFailure> reports;
  L2MAC_RETURN_IF_ERROR(log.ForEachRequestContaining(
      data.exchanges.front().seq, std::string(kFailedCheckMarker),
      [&](int64_t seq, std::string_view request) -> Status {
        auto exchange = by_seq.find(seq);
        if (exchange == by_seq.end()) return Status::Ok();
        for (auto& found : FailedChecksInRequest(request)) {
          ReportCheckFailure report;
          report.instruction_id = exchange->second->instruction_id;
          report.exchange_seq = seq;
          report.time_ms = exchange->second->created_ms - exchange->second->latency_ms;
          report.tool = std::move(found.tool);
          report.text = Bounded(found.text, limits.max_text_bytes);
          report.superseded = exchange->second->superseded;
          reports.push_back(std::move(report));
          // Only the newest reports are kept, so memory stays bounded on a long run.
          if (reports.size() > 2 * limits.max_check_reports) {
            const auto drop =
                static_cast<std::ptrdiff_t>(reports.size() - limits.max_check_reports);
            data.check_reports_omitted += drop;
            reports.erase(reports.begin(), reports.begin() + drop);
          }
        }
        return Status::Ok();
      }));
  if (reports.size() > limits.max_check_reports) {
    const auto drop = static_cast<std::ptrdiff_t>(reports.size() - limits.max_check_reports);
    data.check_reports_omitted += drop;
    reports.erase(reports.begin(), reports.begin() + drop);
  }
  data.check_reports = std::move(reports);
  return Status::Ok();
}

bool LooksBinary(std::string_view content) { return content.find('\0') != std::string::npos; }

// Lines added and removed from `before` to `after`, when both are text of countable size.
Status CountLines(filestore::FileStore& store, const std::optional<std::string>& before,
                  const std::optional<std::string>& after, const ReportLimits& limits,
                  ReportFileChange& change) {
  std::string old_text, new_text;
  if (before) {
    L2MAC_ASSIGN_OR_RETURN(old_text, store.ReadBlob(*before));
  }
  if (after) {
    L2MAC_ASSIGN_OR_RETURN(new_text, store.ReadBlob(*after));
  }
  if (old_text.size() > limits.max_diff_bytes || new_text.size() > limits.max_diff_bytes ||
      LooksBinary(old_text) || LooksBinary(new_text)) {
    return Status::Ok();
  }
  filestore::LineCounts counts = filestore::CountChangedLines(old_text, new_text);
  change.added = counts.added;
  change.removed = counts.removed;
  return Status::Ok();
}

Status GatherFiles(Workspace& workspace, ReportData& data, const ReportLimits& limits) {
  filestore::FileStore& store = workspace.store();
  L2MAC_ASSIGN_OR_RETURN(data.head_commit, store.Head());
  if (data.head_commit == 0) return Status::Ok();
  L2MAC_ASSIGN_OR_RETURN(data.head_files, store.List(data.head_commit));
  L2MAC_ASSIGN_OR_RETURN(std::vector<filestore::CommitRecord> commits, store.AllCommits());

  // Main's first-parent history, oldest first: the commits the output folder went through.
  std::map<int64_t, const filestore::CommitRecord*> by_id;
  for (const auto& commit : commits) by_id[commit.info.id] = &commit;
  std::vector<const filestore::CommitRecord*> history;
  std::set<int64_t> seen;
  for (auto it = by_id.find(data.head_commit); it != by_id.end() && seen.insert(it->first).second;
       it = it->second->info.parent ? by_id.find(*it->second->info.parent) : by_id.end()) {
    history.push_back(it->second);
  }
  std::reverse(history.begin(), history.end());
  if (!history.empty()) {
    data.first_commit_ms = history.front()->info.time_ms;
    data.last_commit_ms = history.back()->info.time_ms;
  }

  size_t total_changes = 0;
  for (const auto* commit : history) total_changes += commit->changes.size();
  const size_t first_counted =
      total_changes > limits.max_file_changes ? total_changes - limits.max_file_changes : 0;
  data.file_changes_omitted = static_cast<int64_t>(first_counted);

  std::map<std::string, std::string> tree;  // path -> blob hash, as of the commit walked
  size_t index = 0;
  for (const auto* commit : history) {
    for (const auto& [path, hash] : commit->changes) {
      std::optional<std::string> before;
      auto previous = tree.find(path);
      if (previous != tree.end()) before = previous->second;
      if (index++ >= first_counted) {
        ReportFileChange change;
        change.commit_id = commit->info.id;
        change.author = commit->info.author;
        change.time_ms = commit->info.time_ms;
        change.path = path;
        change.created = !before && hash;
        change.deleted = !hash;
        L2MAC_RETURN_IF_ERROR(CountLines(store, before, hash, limits, change));
        data.file_changes.push_back(std::move(change));
      }
      if (hash) {
        tree[path] = *hash;
      } else {
        tree.erase(path);
      }
    }
  }
  return Status::Ok();
}

void FindActivitySpan(ReportData& data) {
  auto note = [&data](int64_t ms) {
    if (ms <= 0) return;
    data.first_activity_ms =
        data.first_activity_ms == 0 ? ms : std::min(data.first_activity_ms, ms);
    data.last_activity_ms = std::max(data.last_activity_ms, ms);
  };
  note(data.totals.first_call_ms);
  note(data.totals.last_reply_ms);
  note(data.first_commit_ms);
  note(data.last_commit_ms);
}

}  // namespace

Result<ReportData> GatherReportData(Workspace& workspace, const ReportLimits& limits) {
  ReportData data;
  data.dir = workspace.dir().string();
  data.generated_ms = NowMs();
  L2MAC_RETURN_IF_ERROR(GatherRunState(workspace, data, limits));
  L2MAC_RETURN_IF_ERROR(GatherExchanges(workspace, data, limits));
  L2MAC_RETURN_IF_ERROR(GatherFiles(workspace, data, limits));
  FindActivitySpan(data);
  return data;
}

}  // namespace l2mac::control_unit
