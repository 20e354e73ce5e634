#include "cli/eval_tasks.hpp"

#include <cctype>
#include <filesystem>
#include <set>
#include <string_view>

#include "cli/input_files.hpp"
#include "core/nearest_name.hpp"

namespace l2mac::cli {
namespace eval_specs {
std::string_view FindEmbedded(std::string_view name);  // generated from examples/eval/
}  // namespace eval_specs

namespace {

constexpr size_t kMaxSpecBytes = 1 << 20;

// A folder name from a spec file's name: letters, digits, '-', '_' and '.' kept, any other
// byte replaced by '_'.
std::string FolderName(const std::string& stem) {
  std::string name = stem;
  for (char& c : name) {
    const bool keep =
        std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!keep) c = '_';
  }
  if (name.empty() || name[0] == '.') name = "spec" + name;
  return name;
}

}  // namespace

const std::vector<std::string>& BuiltinEvalTaskNames() {
  static const std::vector<std::string> names = {"url_shortener", "social_media", "chat_app"};
  return names;
}

Result<std::vector<EvalTask>> ResolveEvalTasks(const std::string& names,
                                               const std::vector<std::string>& spec_files) {
  std::vector<EvalTask> tasks;
  size_t start = 0;
  while (start <= names.size() && !names.empty()) {
    size_t comma = names.find(',', start);
    if (comma == std::string::npos) comma = names.size();
    std::string name = names.substr(start, comma - start);
    start = comma + 1;
    if (name.empty()) continue;
    std::string_view text = eval_specs::FindEmbedded(name + ".md");
    if (text.empty()) {
      std::string known;
      for (const auto& one : BuiltinEvalTaskNames()) known += (known.empty() ? "" : ", ") + one;
      return Status::NotFound(
          "unknown task '" + name + "'" + DidYouMean(name, BuiltinEvalTaskNames()) +
          " (the built-in tasks are " + known + "; give your own spec with --spec FILE)");
    }
    tasks.push_back({name, "built-in " + name, std::string(text)});
  }
  for (const auto& file : spec_files) {
    L2MAC_ASSIGN_OR_RETURN(std::string text, ReadUserTextFile(file, "spec", kMaxSpecBytes));
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Status::InvalidArgument("the spec file '" + file + "' is empty: describe the task");
    }
    tasks.push_back({FolderName(std::filesystem::path(file).stem().string()), file, text});
  }
  std::set<std::string> seen;
  for (const auto& task : tasks) {
    if (!seen.insert(task.name).second) {
      return Status::InvalidArgument("two tasks are named '" + task.name +
                                     "' (each task's runs go to a folder of its name): give "
                                     "each task once, and spec files different names");
    }
  }
  return tasks;
}

}  // namespace l2mac::cli
