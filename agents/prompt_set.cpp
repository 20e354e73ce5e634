#include "agents/prompt_set.hpp"

#include <fstream>
#include <sstream>
#include <string_view>
#include <tuple>

namespace l2mac::agents {

namespace embedded {
std::string_view FindEmbedded(std::string_view name);  // generated from agents/prompts/
}

namespace {

std::string Builtin(const std::string& name) { return std::string(embedded::FindEmbedded(name)); }

// Reads `dir/name` when it exists; `required` makes a missing file an error.
Result<std::string> ReadOverride(const std::filesystem::path& dir, const std::string& name,
                                 bool required, const std::string& fallback) {
  std::filesystem::path path = dir / name;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (!required) return fallback;
    return Status::InvalidArgument("the custom prompt folder " + dir.string() + " has no " + name +
                                   ": add it (the system prompt for the " +
                                   (name == "planner.md" ? "planner" : "worker") + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument(path.string() + " is empty: write the prompt in it");
  }
  return text.str();
}

}  // namespace

Result<PromptSet> LoadPromptSet(Domain domain, const std::filesystem::path& custom_dir) {
  PromptSet set;
  set.planner_user = Builtin("common/planner_user.md");
  set.worker_user = Builtin("common/worker_user.md");
  set.requirements = Builtin("common/requirements.md");
  set.summary_request = Builtin("common/summary_request.md");
  set.restart = Builtin("common/restart.md");
  set.nudge = Builtin("common/nudge.md");
  set.judge_system = Builtin("common/judge.md");
  set.judge_user = Builtin("common/judge_user.md");
  set.analysis_system = Builtin("common/analysis.md");
  set.analysis_user = Builtin("common/analysis_user.md");
  switch (domain) {
    case Domain::kCodebase:
    case Domain::kBook: {
      std::string folder = domain == Domain::kBook ? "book/" : "codebase/";
      set.planner_system = Builtin(folder + "planner.md");
      set.worker_system = Builtin(folder + "worker.md");
      if (domain == Domain::kBook) {
        // A book is judged as prose, for its consistency too, and has no tests to name ids in.
        set.judge_system = Builtin("book/judge.md");
        set.requirements = Builtin("book/requirements.md");
      }
      break;
    }
    case Domain::kCustom: {
      if (custom_dir.empty()) {
        return Status::InvalidArgument(
            "the custom domain needs your prompt templates: pass --prompts DIR with planner.md "
            "and worker.md in it");
      }
      L2MAC_ASSIGN_OR_RETURN(set.planner_system, ReadOverride(custom_dir, "planner.md", true, ""));
      L2MAC_ASSIGN_OR_RETURN(set.worker_system, ReadOverride(custom_dir, "worker.md", true, ""));
      L2MAC_ASSIGN_OR_RETURN(set.planner_user,
                             ReadOverride(custom_dir, "planner_user.md", false, set.planner_user));
      L2MAC_ASSIGN_OR_RETURN(set.worker_user,
                             ReadOverride(custom_dir, "worker_user.md", false, set.worker_user));
      L2MAC_ASSIGN_OR_RETURN(set.requirements,
                             ReadOverride(custom_dir, "requirements.md", false, set.requirements));
      L2MAC_ASSIGN_OR_RETURN(set.summary_request, ReadOverride(custom_dir, "summary_request.md",
                                                               false, set.summary_request));
      L2MAC_ASSIGN_OR_RETURN(set.restart,
                             ReadOverride(custom_dir, "restart.md", false, set.restart));
      L2MAC_ASSIGN_OR_RETURN(set.nudge, ReadOverride(custom_dir, "nudge.md", false, set.nudge));
      L2MAC_ASSIGN_OR_RETURN(set.judge_system,
                             ReadOverride(custom_dir, "judge.md", false, set.judge_system));
      L2MAC_ASSIGN_OR_RETURN(set.judge_user,
                             ReadOverride(custom_dir, "judge_user.md", false, set.judge_user));
      L2MAC_ASSIGN_OR_RETURN(set.analysis_system,
                             ReadOverride(custom_dir, "analysis.md", false, set.analysis_system));
      L2MAC_ASSIGN_OR_RETURN(set.analysis_user, ReadOverride(custom_dir, "analysis_user.md", false,
                                                             set.analysis_user));
      // A template that drops what only it carries would silently starve the model.
      for (const auto& [text, name, key] :
           {std::tuple{&set.planner_user, "planner_user.md", "{{task}}"},
            std::tuple{&set.worker_user, "worker_user.md", "{{instruction}}"},
            std::tuple{&set.requirements, "requirements.md", "{{requirements}}"},
            std::tuple{&set.judge_user, "judge_user.md", "{{requirements}}"},
            std::tuple{&set.analysis_user, "analysis_user.md", "{{failures}}"},
            std::tuple{&set.restart, "restart.md", "{{summary}}"}}) {
        if (text->find(key) == std::string::npos) {
          return Status::InvalidArgument(std::string("the custom template ") + name + " in " +
                                         custom_dir.string() + " has no " + key +
                                         " placeholder: add it where that text belongs");
        }
      }
      break;
    }
  }
  if (set.planner_system.empty() || set.worker_system.empty() || set.worker_user.empty()) {
    return Status::Internal("built-in prompt templates are missing from this build");
  }
  return set;
}

std::string Render(const std::string& tmpl, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(tmpl.size());
  size_t pos = 0;
  while (pos < tmpl.size()) {
    size_t open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = tmpl.find("}}", open + 2);
    if (close == std::string::npos) break;
    out.append(tmpl, pos, open - pos);
    std::string key = tmpl.substr(open + 2, close - open - 2);
    auto it = values.find(key);
    out += it != values.end() ? it->second : tmpl.substr(open, close + 2 - open);
    pos = close + 2;
  }
  out.append(tmpl, pos, std::string::npos);
  return out;
}

}  // namespace l2mac::agents
