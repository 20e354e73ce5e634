#include "agents/tool_box.hpp"

#include <algorithm>

#include "agents/search_replace.hpp"
#include "core/glob.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"
#include "filestore/path.hpp"
#include "filestore/text_diff.hpp"
#include "filestore/text_query.hpp"

namespace l2mac::agents {
namespace {

using nlohmann::json;

// search_files and outline_file show at most this much of one line or name.
constexpr size_t kMaxShownLineBytes = 300;
// The longest path the store accepts (filestore/path.cpp): a longer prefix finds nothing.
constexpr size_t kMaxPrefixBytes = 1024;

Result<std::string> StringArg(const json& args, const char* name) {
  auto it = args.find(name);
  if (it == args.end())
    return Status::InvalidArgument(std::string("missing argument \"") + name + "\"");
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("argument \"") + name + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<std::optional<int64_t>> OptionalIntArg(const json& args, const char* name) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) {
    return Status::InvalidArgument(std::string("argument \"") + name + "\" must be an integer");
  }
  return std::optional<int64_t>(it->get<int64_t>());
}

std::vector<std::string_view> Lines(const std::string& text) {
  std::vector<std::string_view> lines;
  std::string_view view(text);
  size_t start = 0;
  while (start < view.size()) {
    size_t end = view.find('\n', start);
    if (end == std::string_view::npos) end = view.size();
    lines.push_back(view.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// NUL bytes or invalid UTF-8: shown to the model as a binary file, never as text.
bool LooksBinary(const std::string& content) { return filestore::LooksBinary(content); }

// A string argument of at most `max_bytes`; the error names the limit and `advice`.
Result<std::string> BoundedStringArg(const json& args, const char* name, size_t max_bytes,
                                     const std::string& advice) {
  L2MAC_ASSIGN_OR_RETURN(std::string value, StringArg(args, name));
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(std::string("argument \"") + name + "\" is " +
                                   std::to_string(value.size()) + " bytes, above the limit of " +
                                   std::to_string(max_bytes) + " bytes: " + advice);
  }
  return value;
}

// A name the model sent, safe to quote in an error: short, and shown as it came.
std::string Quoted(const std::string& text) { return "'" + TruncateUtf8(text, 100) + "'"; }

std::string CallSignatureHelp(const std::string& tool) {
  if (tool == "write_file") return R"({"path": "src/app.py", "content": "..."})";
  if (tool == "read_file") return R"({"path": "src/app.py", "start_line": 1, "end_line": 80})";
  if (tool == "edit_file")
    return R"({"path": "src/app.py", "search": "old text", "replace": "new text"})";
  if (tool == "delete_file") return R"({"path": "src/old.py"})";
  if (tool == "step_complete") return R"({"summary": "what now exists"})";
  return "{}";
}

}  // namespace

json ToolError(const std::string& message) { return {{"ok", false}, {"error", message}}; }

ToolBox::ToolBox(filestore::StoreTransaction& txn, std::filesystem::path output_root,
                 CheckRunner run_checks, ToolBoxOptions options)
    : txn_(txn),
      output_root_(std::move(output_root)),
      run_checks_(std::move(run_checks)),
      options_(options) {}

Result<json> ToolBox::ParseArguments(const llm::ToolCall& call) const {
  const size_t max_bytes = 2 * options_.max_write_bytes + 64 * 1024;
  if (call.arguments.size() > max_bytes) {
    return Status::InvalidArgument(
        "the arguments of " + Quoted(call.name) + " are " + std::to_string(call.arguments.size()) +
        " bytes, above the limit of " + std::to_string(max_bytes) +
        " bytes, so the call was not executed. Write a large file in parts: write_file with the "
        "first part, then edit_file to add the rest, or split it into several files");
  }
  const size_t depth = JsonNestingDepth(call.arguments);
  if (depth > options_.max_argument_depth) {
    return Status::InvalidArgument(
        "the arguments of " + Quoted(call.name) + " nest " + std::to_string(depth) +
        " levels of arrays and objects, above the limit of " +
        std::to_string(options_.max_argument_depth) +
        ", so the call was not executed. Tool arguments are one flat JSON object, for example " +
        CallSignatureHelp(call.name));
  }
  json args = json::parse(call.arguments.empty() ? std::string("{}") : call.arguments, nullptr,
                          /*allow_exceptions=*/false);
  if (args.is_discarded() || !args.is_object()) {
    return Status::InvalidArgument("the arguments of " + Quoted(call.name) +
                                   " are not a valid JSON object, so the call was not executed. "
                                   "Send the arguments as a JSON object, for example " +
                                   CallSignatureHelp(call.name));
  }
  return args;
}

json ToolBox::AddInstructions(const json& args) {
  auto parsed = ParseAddedInstructions(args, added_limits_);
  if (!parsed.ok()) return ToolError(parsed.status().message());
  if (added_.size() + parsed->size() > added_limits_.max_per_instruction) {
    return ToolError("not added: one instruction may add at most " +
                     std::to_string(added_limits_.max_per_instruction) + " instructions, and " +
                     std::to_string(added_.size()) + " are added already");
  }
  std::vector<registry::Instruction> all = added_;
  all.insert(all.end(), parsed->begin(), parsed->end());
  if (Status valid = validate_added_(all); !valid.ok()) {
    return ToolError("not added: " + valid.message());
  }
  json ids = json::array();
  for (const auto& instruction : *parsed) ids.push_back(instruction.id);
  added_ = std::move(all);
  return {{"ok", true},
          {"added", std::move(ids)},
          {"note",
           "they join the program after the current instructions when this instruction passes "
           "its checks (not before, and not if it fails)"}};
}

ToolOutcome ToolBox::Execute(const llm::ToolCall& call) {
  ToolOutcome outcome;
  if (++calls_ > options_.max_calls && call.name != "step_complete") {
    outcome.result = ToolError(
        "not executed: this instruction has made " + std::to_string(options_.max_calls) +
        " tool calls, the limit for one instruction. Finish it with step_complete (the checks "
        "then run and tell you what is left)");
    return outcome;
  }
  auto parsed = ParseArguments(call);
  if (!parsed.ok()) {
    outcome.result = ToolError(parsed.status().message());
    return outcome;
  }
  const json& args = *parsed;
  try {
    if (call.name == "list_files") {
      outcome.result = ListFiles(args);
    } else if (call.name == "read_file") {
      outcome.result = ReadFile(args);
    } else if (call.name == "write_file") {
      outcome.result = WriteFile(args);
    } else if (call.name == "edit_file") {
      outcome.result = EditFile(args);
    } else if (call.name == "delete_file") {
      outcome.result = DeleteFile(args);
    } else if (call.name == "search_files") {
      outcome.result = SearchFiles(args);
    } else if (call.name == "outline_file") {
      outcome.result = OutlineFile(args);
    } else if (call.name == "run_tests") {
      outcome.result = RunTests(args);
    } else if (call.name == "add_instructions" && validate_added_) {
      outcome.result = AddInstructions(args);
    } else if (call.name == "step_complete") {
      auto summary = StringArg(args, "summary");
      if (!summary.ok() || summary->find_first_not_of(" \t\r\n") == std::string::npos) {
        outcome.result = ToolError(
            "step_complete needs a non-empty \"summary\" of what now exists, for the "
            "instructions that follow");
      } else if (summary->size() > options_.max_summary_bytes) {
        outcome.result = ToolError(
            "the summary is " + std::to_string(summary->size()) + " bytes, above the limit of " +
            std::to_string(options_.max_summary_bytes) +
            " bytes: say briefly what now exists (files, functions, decisions); the instructions "
            "that follow can read the files themselves");
      } else {
        outcome.step_complete = true;
        outcome.summary = *summary;
        outcome.result = {{"ok", true}};
      }
    } else {
      outcome.result = ToolError("unknown tool " + Quoted(call.name) +
                                 ". Available tools: list_files, read_file, write_file, "
                                 "edit_file, delete_file, search_files, outline_file, run_tests, "
                                 "step_complete");
    }
  } catch (const json::exception& e) {
    // Defensive: argument access above checks types, so this means a bug, reported to the
    // model rather than crashing the run.
    outcome.result = ToolError(std::string("the tool failed on its arguments: ") + e.what());
  }
  return outcome;
}

json ToolBox::ListFiles(const json& args) {
  std::string prefix;
  if (auto it = args.find("prefix"); it != args.end() && !it->is_null()) {
    if (!it->is_string()) return ToolError("argument \"prefix\" must be a string");
    prefix = it->get<std::string>();
    if (prefix.size() > kMaxPrefixBytes) {
      return ToolError("argument \"prefix\" is " + std::to_string(prefix.size()) +
                       " bytes, longer than any path (at most " + std::to_string(kMaxPrefixBytes) +
                       " bytes): pass a folder such as 'src/'");
    }
    if (prefix.rfind("./", 0) == 0) prefix = prefix.substr(2);
  }
  auto files = txn_.List(prefix);
  if (!files.ok()) return ToolError(files.status().message());
  json list = json::array();
  for (const auto& file : *files) {
    if (list.size() == options_.max_list_entries) break;
    list.push_back({{"path", file.path}, {"size", file.size}, {"lines", file.lines}});
  }
  json result = {{"ok", true}, {"files", list}, {"count", files->size()}};
  if (list.size() < files->size()) {
    result["note"] = "showing " + std::to_string(list.size()) + " of " +
                     std::to_string(files->size()) + " files: pass a longer prefix to see the rest";
  }
  return result;
}

json ToolBox::ReadFile(const json& args) {
  auto raw_path = StringArg(args, "path");
  if (!raw_path.ok()) return ToolError(raw_path.status().message());
  auto path = filestore::NormalizePath(*raw_path);
  if (!path.ok()) return ToolError(path.status().message());
  auto start_arg = OptionalIntArg(args, "start_line");
  auto end_arg = OptionalIntArg(args, "end_line");
  if (!start_arg.ok()) return ToolError(start_arg.status().message());
  if (!end_arg.ok()) return ToolError(end_arg.status().message());

  auto content = txn_.Read(*path);
  if (!content.ok()) return ToolError(content.status().message());
  if (!content->has_value()) {
    return ToolError("no file '" + *path + "' in the store; list_files shows what exists");
  }
  const std::string& text = **content;
  if (LooksBinary(text)) {
    return {{"ok", true},
            {"path", *path},
            {"binary", true},
            {"size", text.size()},
            {"content", "(binary file of " + std::to_string(text.size()) + " bytes; not shown)"}};
  }
  auto lines = Lines(text);
  const auto total = static_cast<int64_t>(lines.size());
  int64_t start = std::max<int64_t>(start_arg->value_or(1), 1);
  if (end_arg->has_value() && **end_arg < start) {
    return ToolError("end_line " + std::to_string(**end_arg) + " is before start_line " +
                     std::to_string(start) + ": give a range with start_line <= end_line");
  }
  if (total > 0 && start > total) {
    return ToolError("start_line " + std::to_string(start) + " is past the end of '" + *path +
                     "', which has " + std::to_string(total) + " lines");
  }
  start = std::min(start, total + 1);  // an empty file: nothing to show, whatever the range
  // Computed from the clamped start, so no line argument can overflow.
  const int64_t end = std::min(
      total,
      end_arg->has_value() ? **end_arg : start + static_cast<int64_t>(options_.max_read_lines) - 1);
  std::string numbered;
  int64_t shown_end = start - 1;
  std::optional<int64_t> cut_line;
  for (int64_t i = start; i <= end; ++i) {
    std::string line =
        std::to_string(i) + ": " + std::string(lines[static_cast<size_t>(i - 1)]) + "\n";
    if (numbered.size() + line.size() > options_.max_read_bytes) {
      if (i > start) break;
      // One line longer than the whole budget: show its start rather than nothing.
      line = TruncateUtf8(line, options_.max_read_bytes) + "\n";
      cut_line = i;
    }
    numbered += line;
    shown_end = i;
  }
  json result = {{"ok", true},           {"path", *path},
                 {"start_line", start},  {"end_line", shown_end},
                 {"total_lines", total}, {"content", numbered}};
  std::string note;
  if (cut_line) {
    note = "line " + std::to_string(*cut_line) + " is " +
           std::to_string(lines[static_cast<size_t>(*cut_line - 1)].size()) +
           " bytes, so only its start is shown (the limit is " +
           std::to_string(options_.max_read_bytes) + " bytes); search_files finds text inside it. ";
  }
  if (shown_end < end || (shown_end < total && !end_arg->has_value())) {
    note += "the file continues: read_file with start_line " + std::to_string(shown_end + 1) +
            " for more";
  }
  if (!note.empty()) result["note"] = note;
  return result;
}

Result<std::string> ToolBox::WritablePath(const json& args) {
  L2MAC_ASSIGN_OR_RETURN(std::string raw, StringArg(args, "path"));
  L2MAC_ASSIGN_OR_RETURN(std::string path, filestore::NormalizePath(raw));
  if (!output_root_.empty()) {
    L2MAC_RETURN_IF_ERROR(filestore::CheckNoSymlinkOnDisk(output_root_, path));
  }
  return path;
}

Status ToolBox::CheckWriteSize(const std::string& path, size_t bytes) const {
  if (bytes <= options_.max_write_bytes) return Status::Ok();
  return Status::ResourceExhausted(
      "'" + path + "' would be " + std::to_string(bytes) + " bytes, above the limit of " +
      std::to_string(options_.max_write_bytes) + " bytes per file: split it into smaller files");
}

json ToolBox::WriteFile(const json& args) {
  auto path = WritablePath(args);
  if (!path.ok()) return ToolError(path.status().message());
  auto content = StringArg(args, "content");
  if (!content.ok()) return ToolError(content.status().message());
  if (Status size = CheckWriteSize(*path, content->size()); !size.ok()) {
    return ToolError(size.message());
  }
  auto previous = txn_.Read(*path);
  bool existed = previous.ok() && previous->has_value();
  size_t bytes = content->size();
  int64_t lines = static_cast<int64_t>(Lines(*content).size());
  filestore::LineCounts changed =
      filestore::CountChangedLines(existed ? **previous : std::string(), *content);
  Status status = txn_.Write(*path, std::move(content).value());
  if (!status.ok()) return ToolError(status.message());
  return {{"ok", true},
          {"path", *path},
          {"bytes", bytes},
          {"lines", lines},
          {"created", !existed},
          {"lines_added", changed.added},
          {"lines_removed", changed.removed}};
}

json ToolBox::EditFile(const json& args) {
  auto path = WritablePath(args);
  if (!path.ok()) return ToolError(path.status().message());
  auto search = BoundedStringArg(args, "search", options_.max_write_bytes,
                                 "it cannot match a file that size; replace the whole file with "
                                 "write_file, or edit a smaller part");
  if (!search.ok()) return ToolError(search.status().message());
  auto replace = BoundedStringArg(args, "replace", options_.max_write_bytes,
                                  "split the file into smaller files");
  if (!replace.ok()) return ToolError(replace.status().message());
  auto content = txn_.Read(*path);
  if (!content.ok()) return ToolError(content.status().message());
  if (!content->has_value()) {
    return ToolError("no file '" + *path + "' to edit; create it with write_file");
  }
  auto edit = ApplySearchReplace(**content, *search, *replace);
  if (!edit.ok()) return ToolError("edit_file on '" + *path + "': " + edit.status().message());
  if (Status size = CheckWriteSize(*path, edit->content.size()); !size.ok()) {
    return ToolError(size.message());
  }
  Status status = txn_.Write(*path, edit->content);
  if (!status.ok()) return ToolError(status.message());
  json result = {{"ok", true},
                 {"path", *path},
                 {"lines_removed", edit->lines_removed},
                 {"lines_added", edit->lines_added}};
  if (edit->whitespace_tolerant) {
    result["note"] = "matched after ignoring differences in indentation or trailing spaces";
  }
  return result;
}

json ToolBox::DeleteFile(const json& args) {
  auto path = WritablePath(args);
  if (!path.ok()) return ToolError(path.status().message());
  Status status = txn_.Delete(*path);
  if (!status.ok()) return ToolError(status.message());
  return {{"ok", true}, {"path", *path}, {"deleted", true}};
}

json ToolBox::SearchFiles(const json& args) {
  auto pattern = StringArg(args, "pattern");
  if (!pattern.ok()) return ToolError(pattern.status().message());
  filestore::SearchOptions options;
  options.max_results = 50;
  options.max_line_bytes = kMaxShownLineBytes;
  if (auto it = args.find("regex"); it != args.end() && !it->is_null()) {
    if (!it->is_boolean()) return ToolError("argument \"regex\" must be true or false");
    options.regex = it->get<bool>();
  }
  std::optional<Glob> glob;
  if (auto it = args.find("glob"); it != args.end() && !it->is_null()) {
    if (!it->is_string()) return ToolError("argument \"glob\" must be a string");
    auto compiled = Glob::Compile(it->get<std::string>());
    if (!compiled.ok()) return ToolError("argument \"glob\": " + compiled.status().message());
    glob = std::move(compiled).value();
  }
  auto limit = OptionalIntArg(args, "max_results");
  if (!limit.ok()) return ToolError(limit.status().message());
  if (limit->has_value()) {
    options.max_results = static_cast<size_t>(
        std::clamp<int64_t>(**limit, 1, static_cast<int64_t>(options_.max_search_results)));
  }
  auto matcher = filestore::TextMatcher::Create(*pattern, options);
  if (!matcher.ok()) return ToolError(matcher.status().message());
  // The staged state: what this instruction sees, including its own uncommitted writes.
  auto files = txn_.List("");
  if (!files.ok()) return ToolError(files.status().message());
  std::vector<filestore::SearchHit> hits;
  for (const auto& info : *files) {
    if (hits.size() >= options.max_results) break;
    if (glob && !glob->Matches(info.path)) continue;
    auto content = txn_.Read(info.path);
    if (!content.ok() || !content->has_value() || LooksBinary(**content)) continue;
    matcher->Search(info.path, **content, options.max_results, hits);
  }
  json list = json::array();
  size_t bytes = 0;
  bool cut = false;
  for (const auto& hit : hits) {
    bytes += hit.text.size() + hit.path.size();
    if (bytes > options_.max_read_bytes) break;
    cut = cut || hit.truncated;
    list.push_back({{"path", hit.path}, {"line", hit.line}, {"text", hit.text}});
  }
  json result = {{"ok", true}, {"matches", list}};
  std::string note;
  if (list.size() < hits.size()) {
    note = "showing " + std::to_string(list.size()) + " matches (" +
           std::to_string(options_.max_read_bytes) + " bytes): narrow the pattern or pass a glob";
  } else if (hits.size() >= options.max_results) {
    note = "stopped at " + std::to_string(options.max_results) +
           " matches: narrow the pattern or pass a glob";
  }
  if (cut) {
    note += std::string(note.empty() ? "" : "; ") + "long lines are cut to " +
            std::to_string(kMaxShownLineBytes) + " bytes: read_file shows them whole";
  }
  if (!note.empty()) result["note"] = note;
  return result;
}

json ToolBox::OutlineFile(const json& args) {
  auto raw_path = StringArg(args, "path");
  if (!raw_path.ok()) return ToolError(raw_path.status().message());
  auto path = filestore::NormalizePath(*raw_path);
  if (!path.ok()) return ToolError(path.status().message());
  auto content = txn_.Read(*path);
  if (!content.ok()) return ToolError(content.status().message());
  if (!content->has_value()) {
    return ToolError("no file '" + *path + "' in the store; list_files shows what exists");
  }
  if (LooksBinary(**content)) {
    return ToolError("'" + *path + "' is a binary file: it has no outline");
  }
  json items = json::array();
  const auto outline = filestore::Outline(*path, **content);
  for (const auto& item : outline) {
    if (items.size() == options_.max_outline_items) break;
    items.push_back({{"line", item.line},
                     {"depth", item.depth},
                     {"kind", item.kind},
                     {"name", TruncateUtf8(item.name, kMaxShownLineBytes)}});
  }
  json result = {{"ok", true}, {"path", *path}, {"items", items}};
  if (items.size() < outline.size()) {
    result["note"] = "showing the first " + std::to_string(items.size()) + " of " +
                     std::to_string(outline.size()) +
                     " items: read_file with start_line after line " +
                     std::to_string(outline[items.size() - 1].line) + " shows the rest";
  } else if (items.empty()) {
    result["note"] =
        "no functions, classes or headings found (outlines cover Python, C/C++, "
        "JavaScript/TypeScript and Markdown); use read_file";
  }
  return result;
}

json ToolBox::RunTests(const json& args) {
  std::vector<std::string> paths;
  if (auto it = args.find("paths"); it != args.end() && !it->is_null()) {
    if (!it->is_array()) return ToolError("argument \"paths\" must be an array of file paths");
    if (it->size() > options_.max_test_paths) {
      return ToolError("argument \"paths\" names " + std::to_string(it->size()) +
                       " files, above the limit of " + std::to_string(options_.max_test_paths) +
                       ": leave it out to run all the tests, or name fewer files");
    }
    for (const auto& item : *it) {
      if (!item.is_string()) return ToolError("argument \"paths\" must hold strings");
      auto path = filestore::NormalizePath(item.get<std::string>());
      if (!path.ok()) return ToolError(path.status().message());
      paths.push_back(*path);
    }
  }
  if (test_runs_ >= options_.max_test_runs) {
    return ToolError("run_tests already ran " + std::to_string(test_runs_) +
                     " times in this instruction, the limit: fix what it reported, then call "
                     "step_complete, which runs the checks once more");
  }
  ++test_runs_;
  auto report = run_checks_(paths);
  if (!report.ok()) return ToolError("the checks could not run: " + report.status().message());
  json result = {{"ok", true}, {"passed", report->passed}, {"checks", report->OneLine()}};
  if (!report->passed) result["failures"] = report->FailureText(options_.max_report_bytes);
  if (options_.max_listed_tests > 0) {
    json tests = json::array();
    size_t omitted = 0;
    for (const auto& run : report->test_runs) {
      for (const auto& test : run.tests) {
        if (tests.size() >= options_.max_listed_tests) {
          ++omitted;
          continue;
        }
        tests.push_back({{"id", test.id}, {"outcome", toolchains::TestOutcomeName(test.outcome)}});
      }
    }
    result["tests"] = std::move(tests);
    if (omitted > 0) result["tests_omitted"] = omitted;
  }
  return result;
}

}  // namespace l2mac::agents
