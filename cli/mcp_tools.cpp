#include "cli/mcp_tools.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <utility>

#include "cli/json_rpc.hpp"
#include "cli/mcp_resources.hpp"
#include "cli/report_writer.hpp"
#include "cli/status_text.hpp"
#include "control_unit/run_status.hpp"
#include "core/text.hpp"
#include "filestore/store_history.hpp"
#include "filestore/store_queries.hpp"

namespace l2mac::cli {
namespace {

using nlohmann::json;

constexpr size_t kMaxArgumentBytes = 4096;
constexpr size_t kMaxListedFiles = 5000;
constexpr double kDefaultWaitSeconds = 50;

json Prop(const char* type, const char* description) {
  return {{"type", type}, {"description", description}};
}

// The properties that name the run: its id from start_run, or its output folder.
void AddRunRef(json& properties) {
  properties["run_id"] = Prop("string", "the id start_run returned (e.g. run-1)");
  properties["out"] =
      Prop("string",
           "or the run's output folder (absolute; any l2mac run, also one not started "
           "by this server)");
}

// The model settings start_run and resume_run pass to the run as flags.
void AddModelSettings(json& properties) {
  properties["preset"] = Prop("string",
                              "a model preset: openai, anthropic, openrouter, ollama, vllm, "
                              "lmstudio, azure, ... (see `l2mac run --help`)");
  properties["model"] = Prop("string", "the model name, e.g. gpt-4o");
  properties["base_url"] = Prop("string", "the server's URL, e.g. http://localhost:11434/v1");
  properties["api_key_env"] =
      Prop("string",
           "the NAME of the environment variable (of this server) that holds the API key, e.g. "
           "OPENAI_API_KEY; never the key itself");
  properties["max_cost_usd"] = Prop("number", "stop the run when it has cost this much");
  properties["max_tokens"] = Prop("integer", "stop the run when it has used this many tokens");
}

json Tool(const char* name, const char* description, json properties,
          std::vector<std::string> required = {}) {
  json schema = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = required;
  return {{"name", name}, {"description", description}, {"inputSchema", std::move(schema)}};
}

json ToolResult(const std::string& text, bool is_error = false) {
  return {{"content", json::array({{{"type", "text"}, {"text", text}}})}, {"isError", is_error}};
}
json ToolError(const Status& status) { return ToolResult("error: " + status.message(), true); }
json JsonResult(const json& value) {
  return ToolResult(value.dump(2, ' ', false, json::error_handler_t::replace));
}

// Cuts `text` to the tool output bound, saying how to read the rest.
std::string Bounded(const std::string& text, const std::string& how_to_see_more) {
  if (text.size() <= kMaxToolTextBytes) return text;
  return TruncateUtf8(text, kMaxToolTextBytes) + "\n[cut at " + std::to_string(kMaxToolTextBytes) +
         " of " + std::to_string(text.size()) + " bytes; " + how_to_see_more + "]";
}

// Arguments: checked against the tool's schema (unknown names, required ones), then read
// with the typed getters below.
Status CheckArguments(const std::string& tool, const json& arguments) {
  if (!arguments.is_object()) {
    return Status::InvalidArgument("the arguments of " + tool + " must be a JSON object");
  }
  for (const json& definition : McpTools::List()) {
    if (definition["name"] != tool) continue;
    const json& schema = definition["inputSchema"];
    std::string known;
    for (const auto& [key, value] : schema["properties"].items()) {
      known += (known.empty() ? "" : ", ") + key;
    }
    for (const auto& [key, value] : arguments.items()) {
      if (!schema["properties"].contains(key)) {
        return Status::InvalidArgument("unknown argument '" + TruncateUtf8(key, 100) + "' for " +
                                       tool + "; it takes " + known);
      }
    }
    for (const auto& key : schema.value("required", json::array())) {
      if (!arguments.contains(key.get<std::string>())) {
        return Status::InvalidArgument(tool + " needs the argument '" + key.get<std::string>() +
                                       "'");
      }
    }
  }
  return Status::Ok();
}

// "" when absent; kInvalidArgument when not a string or longer than `max_bytes`.
Result<std::string> GetString(const json& arguments, const char* key,
                              size_t max_bytes = kMaxArgumentBytes) {
  auto it = arguments.find(key);
  if (it == arguments.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Status::InvalidArgument(std::string(key) + " must be a string");
  std::string value = it->get<std::string>();
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(std::string(key) + " is " + std::to_string(value.size()) +
                                   " bytes, over the " + std::to_string(max_bytes) +
                                   " it may hold");
  }
  return value;
}

Result<std::optional<double>> GetNumber(const json& arguments, const char* key, double low,
                                        double high) {
  auto it = arguments.find(key);
  if (it == arguments.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) return Status::InvalidArgument(std::string(key) + " must be a number");
  double value = it->get<double>();
  if (!(value >= low && value <= high)) {
    return Status::InvalidArgument(std::string(key) + " must be between " + json(low).dump() +
                                   " and " + json(high).dump());
  }
  return std::optional<double>(value);
}

Result<std::optional<int64_t>> GetInteger(const json& arguments, const char* key, int64_t low,
                                          int64_t high) {
  auto it = arguments.find(key);
  if (it == arguments.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) {
    return Status::InvalidArgument(std::string(key) + " must be a whole number");
  }
  int64_t value = it->get<int64_t>();
  if (value < low || value > high) {
    return Status::InvalidArgument(std::string(key) + " must be between " + std::to_string(low) +
                                   " and " + std::to_string(high));
  }
  return std::optional<int64_t>(value);
}

bool IsVariableName(const std::string& name) {
  if (name.empty() || name.size() > 128 || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (unsigned char c : name) {
    if (std::isalnum(c) == 0 && c != '_') return false;
  }
  return true;
}

// The model settings as `l2mac run`/`resume` flags. The API key's variable is checked to
// be a name; a value that is not one is never echoed (it may be a key pasted by mistake).
Result<std::vector<std::string>> ModelFlags(const json& arguments) {
  std::vector<std::string> flags;
  for (const auto& [key, flag] : std::vector<std::pair<const char*, const char*>>{
           {"preset", "--preset"}, {"model", "--model"}, {"base_url", "--base-url"}}) {
    L2MAC_ASSIGN_OR_RETURN(std::string value, GetString(arguments, key));
    if (value.empty()) continue;
    if (std::string(key) == "base_url" && value.find('@') != std::string::npos) {
      // user:password@host would be stored with the run and shown in its status.
      return Status::InvalidArgument(
          "base_url must not hold credentials (user:password@); put the key in an environment "
          "variable of this server and name it with api_key_env. The URL is not repeated here");
    }
    flags.push_back(flag);
    flags.push_back(value);
  }
  auto key_env = GetString(arguments, "api_key_env");
  if (!key_env.ok() || (!key_env->empty() && !IsVariableName(*key_env))) {
    return Status::InvalidArgument(
        "api_key_env must be the name of an environment variable of this server (like "
        "OPENAI_API_KEY: letters, digits, _), not the key itself; the value given is not "
        "repeated here. Set the variable where the MCP client starts `l2mac mcp`");
  }
  if (!key_env->empty()) {
    flags.push_back("--api-key-env");
    flags.push_back(*key_env);
  }
  L2MAC_ASSIGN_OR_RETURN(auto cost, GetNumber(arguments, "max_cost_usd", 0, 1e6));
  if (cost) {
    flags.push_back("--max-cost");
    flags.push_back(json(*cost).dump());
  }
  L2MAC_ASSIGN_OR_RETURN(auto tokens, GetInteger(arguments, "max_tokens", 1, int64_t{1} << 40));
  if (tokens) {
    flags.push_back("--max-tokens");
    flags.push_back(std::to_string(*tokens));
  }
  return flags;
}

Result<int64_t> ResolveCommit(filestore::FileStore& store, const std::string& at) {
  if (at.empty()) return store.Head();
  return store.Resolve(at);
}

// A run's store opened read-only, with the commit `at` names (the head when empty).
struct StoreAt {
  std::unique_ptr<control_unit::Workspace> view;
  int64_t commit = 0;
  filestore::FileStore& store() const { return view->store(); }
};

Result<StoreAt> OpenStoreAt(const ManagedRun& run, const std::string& at) {
  StoreAt opened;
  L2MAC_ASSIGN_OR_RETURN(opened.view, OpenRunView(run));
  L2MAC_ASSIGN_OR_RETURN(opened.commit, ResolveCommit(opened.view->store(), at));
  return opened;
}

}  // namespace

McpTools::McpTools(std::filesystem::path exe, Send send)
    : runs_(std::move(exe)), send_(std::move(send)) {}

json McpTools::List() {
  static const json kTools = [] {
    json start = json::object();
    start["out"] = Prop("string",
                        "the output folder (absolute; relative ones are taken from the server's "
                        "working folder): new, holding existing code (imported as the base), "
                        "or holding a finished run (the task continues it); not an unfinished "
                        "run (resume it)");
    start["spec_text"] = Prop("string", "the task's spec as text (at most 100000 bytes)");
    start["spec_file"] = Prop("string", "or a spec file (Markdown or text) on this machine");
    start["domain"] = {{"type", "string"},
                       {"enum", {"codebase", "book", "custom"}},
                       {"description", "what is produced (default codebase)"}};
    start["context_window"] = Prop("integer", "the model's context window in tokens");
    start["max_attempts"] = Prop("integer", "failed checks allowed per instruction");
    start["max_turns"] = Prop("integer", "model calls allowed per instruction");
    AddModelSettings(start);
    json resume = json::object();
    AddRunRef(resume);
    AddModelSettings(resume);
    json ref = json::object();
    AddRunRef(ref);
    json wait = ref;
    wait["timeout_seconds"] =
        Prop("number",
             "return after this long even if the run goes on (default 50, at most "
             "3600; keep it under the client's request timeout)");
    json at = ref;
    at["at"] = Prop("string", "the commit: a number, a branch, or NAME~N (default: head of main)");
    json list = at;
    list["prefix"] = Prop("string", "only paths starting with this");
    json read = at;
    read["path"] = Prop("string", "the file's path in the store, e.g. src/app.py");
    read["first_line"] = Prop("integer", "read from this line (1-based), numbered");
    read["last_line"] = Prop("integer", "to this line (inclusive)");
    json diff = ref;
    diff["from"] = Prop("string", "the older commit (default: the parent of `to`)");
    diff["to"] = Prop("string", "the newer commit (default: head of main)");
    diff["path"] = Prop("string", "only paths under this prefix");
    json report = ref;
    report["output"] = Prop("string", "where to write the page (default DIR/.l2mac/report.html)");
    return json::array({
        Tool("start_run",
             "Start an l2mac run in a new output folder: plan the task, then execute, check and "
             "commit each instruction. Returns at once with a run id; follow it with wait_run "
             "(progress notifications) or run_status.",
             start, {"out"}),
        Tool("run_status",
             "The run's process state and its status: each instruction's state, attempts, "
             "failures, tokens and cost, and the next steps.",
             ref),
        Tool("wait_run",
             "Wait until the run's process ends (or the timeout passes), sending progress "
             "notifications for its milestones when the request has a progressToken; returns "
             "the status as run_status does.",
             wait),
        Tool("resume_run",
             "Continue an interrupted or incomplete run; committed instructions are not redone. "
             "Returns at once.",
             resume),
        Tool("cancel_run",
             "Interrupt the run: it stops at its next safe point (exit 130) and stays "
             "resumable with resume_run.",
             ref),
        Tool("list_files", "The files in the run's store, with line counts and sizes.", list),
        Tool("read_file", "A file of the run's store (whole, or numbered lines).", read, {"path"}),
        Tool("diff_files",
             "A unified diff between two commits of the run's store (default: what the last "
             "commit changed).",
             diff),
        Tool("write_report",
             "Write the run's self-contained HTML report (program graph, timeline, costs, "
             "failed checks) and return its path.",
             report),
    });
  }();
  return kTools;
}

Result<std::optional<json>> McpTools::Call(const json& request_id, const std::string& name,
                                           const json& arguments, const json& progress_token) {
  bool known = false;
  for (const json& tool : List()) known = known || tool["name"] == name;
  if (!known) {
    return Status::NotFound("unknown tool '" + TruncateUtf8(name, 100) +
                            "'; tools/list names the tools");
  }
  const json args = arguments.is_null() ? json::object() : arguments;
  if (Status checked = CheckArguments(name, args); !checked.ok()) {
    return std::optional<json>(ToolError(checked));
  }
  runs_.Reap();
  if (name == "start_run") return std::optional<json>(StartRun(args));
  if (name == "resume_run") return std::optional<json>(ResumeRun(args));
  if (name == "cancel_run") return std::optional<json>(CancelRun(args));
  if (name == "run_status") return std::optional<json>(RunStatus(args));
  if (name == "wait_run") return WaitRun(request_id, args, progress_token);
  if (name == "list_files") return std::optional<json>(ListFiles(args));
  if (name == "read_file") return std::optional<json>(ReadFile(args));
  if (name == "diff_files") return std::optional<json>(DiffFiles(args));
  return std::optional<json>(WriteReport(args));
}

Result<ManagedRun*> McpTools::RunOf(const json& arguments) {
  L2MAC_ASSIGN_OR_RETURN(std::string id, GetString(arguments, "run_id"));
  L2MAC_ASSIGN_OR_RETURN(std::string out, GetString(arguments, "out"));
  if (!id.empty() && !out.empty()) {
    return Status::InvalidArgument("give either run_id or out, not both");
  }
  if (!id.empty()) return runs_.ById(id);
  if (out.empty()) {
    return Status::InvalidArgument("name the run: run_id (from start_run) or out (its folder)");
  }
  return &runs_.ByFolder(out);
}

json McpTools::StartRun(const json& arguments) {
  auto out = GetString(arguments, "out");
  auto spec_text = GetString(arguments, "spec_text", kMaxSpecTextBytes);
  auto spec_file = GetString(arguments, "spec_file");
  auto domain = GetString(arguments, "domain");
  if (!spec_text.ok()) {
    return ToolError(Status::InvalidArgument(spec_text.status().message() +
                                             ": write the spec to a file and pass spec_file"));
  }
  for (const Status& status : {out.status(), spec_file.status(), domain.status()}) {
    if (!status.ok()) return ToolError(status);
  }
  if (out->empty()) return ToolError(Status::InvalidArgument("out must name the output folder"));
  if (spec_text->empty() == spec_file->empty()) {
    return ToolError(Status::InvalidArgument(
        "give the task as spec_text or as spec_file (exactly one of them)"));
  }
  std::vector<std::string> args;
  if (!spec_file->empty()) {
    std::error_code ec;
    std::filesystem::path spec = std::filesystem::absolute(*spec_file, ec);
    if (ec || !std::filesystem::is_regular_file(spec, ec)) {
      return ToolError(Status::NotFound("spec_file " + *spec_file +
                                        " is not a file this server can read; pass an absolute "
                                        "path, or the text as spec_text"));
    }
    args.push_back(spec.string());
  } else {
    args.push_back("--task");
    args.push_back(*spec_text);
  }
  ManagedRun& run = runs_.ByFolder(*out);
  args.push_back("--out");
  args.push_back(run.dir.string());
  if (!domain->empty()) {
    if (*domain != "codebase" && *domain != "book" && *domain != "custom") {
      return ToolError(Status::InvalidArgument("domain must be codebase, book or custom"));
    }
    args.push_back("--domain");
    args.push_back(*domain);
  }
  for (const auto& [key, flag, low, high] :
       std::vector<std::tuple<const char*, const char*, int64_t, int64_t>>{
           {"context_window", "--context-window", 1000, 100000000},
           {"max_attempts", "--max-attempts", 1, 1000},
           {"max_turns", "--max-turns", 1, 100000}}) {
    auto value = GetInteger(arguments, key, low, high);
    if (!value.ok()) return ToolError(value.status());
    if (*value) {
      args.push_back(flag);
      args.push_back(std::to_string(**value));
    }
  }
  auto model = ModelFlags(arguments);
  if (!model.ok()) return ToolError(model.status());
  args.insert(args.end(), model->begin(), model->end());
  args.push_back("--no-progress");
  if (Status spawned = runs_.Spawn(run, "run", args); !spawned.ok()) return ToolError(spawned);
  return JsonResult({{"run_id", run.id},
                     {"out", run.dir.string()},
                     {"log", run.log.string()},
                     {"next",
                      "follow it with wait_run (progress notifications) or run_status; "
                      "stop it with cancel_run"}});
}

json McpTools::ResumeRun(const json& arguments) {
  auto run = RunOf(arguments);
  if (!run.ok()) return ToolError(run.status());
  auto model = ModelFlags(arguments);
  if (!model.ok()) return ToolError(model.status());
  std::vector<std::string> args = {(*run)->dir.string()};
  args.insert(args.end(), model->begin(), model->end());
  args.push_back("--no-progress");
  if (Status spawned = runs_.Spawn(**run, "resume", args); !spawned.ok()) {
    return ToolError(spawned);
  }
  return JsonResult({{"run_id", (*run)->id},
                     {"out", (*run)->dir.string()},
                     {"log", (*run)->log.string()},
                     {"next", "follow it with wait_run or run_status"}});
}

json McpTools::CancelRun(const json& arguments) {
  auto run = RunOf(arguments);
  if (!run.ok()) return ToolError(run.status());
  if (Status sent = runs_.Interrupt(**run); !sent.ok()) return ToolError(sent);
  return ToolResult("cancel requested: " + (*run)->id +
                    " stops at its next safe point (exit 130) and stays resumable with "
                    "resume_run; wait_run returns when it has stopped");
}

json McpTools::Describe(ManagedRun& run) {
  json process = {{"command", run.command}};
  if (run.running) {
    process["state"] = run.cancel_requested ? "stopping" : "running";
    process["pid"] = run.pid;
  } else if (run.exited) {
    process["state"] = "exited";
    if (run.term_signal != 0) {
      process["signal"] = run.term_signal;
      process["meaning"] = "killed by a signal: resumable with resume_run";
    } else {
      process["exit_code"] = run.exit_code;
      process["meaning"] = ExitMeaning(run.exit_code);
    }
  } else {
    process["state"] = control_unit::Workspace::IsBusy(run.dir) ? "running in another process"
                                                                : "not started by this server";
  }
  json result = {{"run_id", run.id}, {"out", run.dir.string()}, {"process", std::move(process)}};
  if (run.exited || run.running) result["log"] = run.log.string();
  if (run.exited && run.exit_code != 0 && run.exit_code != 130) {
    result["log_tail"] = LogTail(run.log);
  }
  auto view = OpenRunView(run);
  auto status = view.ok() ? control_unit::ReadRunStatus(**view)
                          : Result<control_unit::RunStatus>(view.status());
  if (status.ok()) {
    result["status"] = StatusJson(*status, run.dir.string());
  } else {
    result["status_error"] = status.status().message();
  }
  return result;
}

json McpTools::RunStatus(const json& arguments) {
  auto run = RunOf(arguments);
  if (!run.ok()) return ToolError(run.status());
  return JsonResult(Describe(**run));
}

std::optional<json> McpTools::WaitRun(const json& request_id, const json& arguments,
                                      const json& progress_token) {
  auto run = RunOf(arguments);
  if (!run.ok()) return ToolError(run.status());
  auto timeout = GetNumber(arguments, "timeout_seconds", 0, 3600);
  if (!timeout.ok()) return ToolError(timeout.status());
  auto wait = std::make_unique<Wait>();
  wait->request_id = request_id;
  wait->run = *run;
  wait->progress_token = progress_token;
  wait->deadline = std::chrono::steady_clock::now() +
                   std::chrono::milliseconds(
                       static_cast<int64_t>(timeout->value_or(kDefaultWaitSeconds) * 1000));
  wait->follower = std::make_unique<ProgressFollower>((*run)->dir);
  waits_.push_back(std::move(wait));
  return std::nullopt;
}

void McpTools::SendProgress(Wait& wait) {
  if (wait.progress_token.is_null()) return;
  auto steps = wait.follower->Next();
  if (!steps.ok()) {
    spdlog::warn("mcp: cannot read the progress of {}: {}", wait.run->id, steps.status().message());
    return;
  }
  for (const auto& step : *steps) {
    if (step.progress <= wait.last_progress) continue;
    wait.last_progress = step.progress;
    send_(jsonrpc::Notification("notifications/progress", {{"progressToken", wait.progress_token},
                                                           {"progress", step.progress},
                                                           {"message", step.message}}));
  }
}

void McpTools::Poll() {
  runs_.Reap();
  const auto now = std::chrono::steady_clock::now();
  for (auto it = waits_.begin(); it != waits_.end();) {
    Wait& wait = **it;
    if (wait.flushed) {
      if (now < wait.answer_after) {
        ++it;
        continue;
      }
    } else {
      SendProgress(wait);
    }
    const bool ended = wait.flushed ? wait.ended : !runs_.Active(*wait.run);
    if (!ended && now < wait.deadline) {
      ++it;
      continue;
    }
    if (!wait.flushed) {
      // What the run wrote last goes out now, the answer at the next tick: clients (the
      // TypeScript SDK) handle notifications asynchronously and drop progress that is
      // handled after the response it belongs to.
      if (ended) wait.follower->Reopen();
      SendProgress(wait);
      wait.flushed = true;
      wait.ended = ended;
      wait.answer_after = now + std::chrono::milliseconds(150);
      if (!wait.progress_token.is_null()) {
        ++it;
        continue;
      }
    }
    json described = Describe(*wait.run);
    if (!wait.ended) {
      described["wait"] = "timed out; the run goes on: call wait_run again";
    }
    send_(jsonrpc::Response(wait.request_id, JsonResult(described)));
    it = waits_.erase(it);
  }
}

void McpTools::CancelRequest(const json& request_id) {
  for (auto it = waits_.begin(); it != waits_.end(); ++it) {
    if ((*it)->request_id == request_id) {
      waits_.erase(it);
      return;
    }
  }
}

void McpTools::Shutdown() {
  waits_.clear();
  runs_.Shutdown();
}

json McpTools::ListFiles(const json& arguments) {
  auto run = RunOf(arguments);
  auto at = GetString(arguments, "at");
  auto prefix = GetString(arguments, "prefix");
  for (const Status& status : {run.status(), at.status(), prefix.status()}) {
    if (!status.ok()) return ToolError(status);
  }
  auto opened = OpenStoreAt(**run, *at);
  if (!opened.ok()) return ToolError(opened.status());
  filestore::FileStore& store = opened->store();
  const int64_t commit = opened->commit;
  auto files = store.List(commit, *prefix);
  if (!files.ok()) return ToolError(files.status());
  json list = json::array();
  for (const auto& file : *files) {
    if (list.size() >= kMaxListedFiles) break;
    list.push_back({{"path", file.path},
                    {"lines", file.lines},
                    {"bytes", file.size},
                    {"uri", ResourceUri((*run)->id, file.path)}});
  }
  json result = {{"run_id", (*run)->id}, {"commit", commit}, {"files", std::move(list)}};
  if (files->size() > kMaxListedFiles) {
    result["truncated"] = "only the first " + std::to_string(kMaxListedFiles) + " of " +
                          std::to_string(files->size()) + " files; narrow with prefix";
  }
  return JsonResult(result);
}

json McpTools::ReadFile(const json& arguments) {
  auto run = RunOf(arguments);
  auto at = GetString(arguments, "at");
  auto path = GetString(arguments, "path");
  auto first = GetInteger(arguments, "first_line", 1, int64_t{1} << 40);
  auto last = GetInteger(arguments, "last_line", 1, int64_t{1} << 40);
  for (const Status& status :
       {run.status(), at.status(), path.status(), first.status(), last.status()}) {
    if (!status.ok()) return ToolError(status);
  }
  auto opened = OpenStoreAt(**run, *at);
  if (!opened.ok()) return ToolError(opened.status());
  filestore::FileStore& store = opened->store();
  const int64_t commit = opened->commit;
  if (*first || *last) {
    int64_t from = first->value_or(1);
    auto lines = filestore::ReadLines(store, commit, *path, from, last->value_or(from + 999));
    if (!lines.ok()) return ToolError(lines.status());
    return ToolResult(Bounded(*lines, "ask for fewer lines"));
  }
  auto content = store.Read(commit, *path);
  if (!content.ok()) return ToolError(content.status());
  if (!*content) {
    return ToolError(Status::NotFound("no file '" + *path + "' at commit " +
                                      std::to_string(commit) + "; list them with list_files"));
  }
  if (!IsUtf8(**content)) {
    return ToolError(Status::InvalidArgument("'" + *path + "' is binary (" +
                                             std::to_string((*content)->size()) +
                                             " bytes); read it as a resource (base64)"));
  }
  return ToolResult(Bounded(**content, "read the rest with first_line and last_line"));
}

json McpTools::DiffFiles(const json& arguments) {
  auto run = RunOf(arguments);
  auto from_text = GetString(arguments, "from");
  auto to_text = GetString(arguments, "to");
  auto path = GetString(arguments, "path");
  for (const Status& status : {run.status(), from_text.status(), to_text.status(), path.status()}) {
    if (!status.ok()) return ToolError(status);
  }
  auto opened = OpenStoreAt(**run, *to_text);
  if (!opened.ok()) return ToolError(opened.status());
  filestore::FileStore& store = opened->store();
  const int64_t to = opened->commit;
  int64_t from = 0;
  if (from_text->empty()) {
    auto history = store.LogFrom(to, 1);
    if (!history.ok()) return ToolError(history.status());
    from = history->empty() ? 0 : (*history)[0].parent.value_or(0);
  } else {
    auto resolved = store.Resolve(*from_text);
    if (!resolved.ok()) return ToolError(resolved.status());
    from = *resolved;
  }
  auto diff = filestore::DiffCommits(store, from, to, *path);
  if (!diff.ok()) return ToolError(diff.status());
  if (diff->empty()) return ToolResult("no differences");
  return ToolResult(Bounded(*diff, "narrow it with path"));
}

json McpTools::WriteReport(const json& arguments) {
  auto run = RunOf(arguments);
  auto output = GetString(arguments, "output");
  for (const Status& status : {run.status(), output.status()}) {
    if (!status.ok()) return ToolError(status);
  }
  auto written = WriteRunReport((*run)->dir.string(), *output);
  if (!written.ok()) return ToolError(written.status());
  return JsonResult({{"run_id", (*run)->id}, {"path", written->string()}});
}

}  // namespace l2mac::cli
