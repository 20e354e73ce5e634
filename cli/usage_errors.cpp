#include "cli/usage_errors.hpp"

#include <iostream>
#include <string>
#include <vector>

#include "cli/exit_codes.hpp"
#include "core/nearest_name.hpp"

namespace l2mac::cli {
namespace {

// The app, then the subcommand parsed at each level: what the user was running.
std::vector<const CLI::App*> CommandPath(const CLI::App& app) {
  std::vector<const CLI::App*> path = {&app};
  while (true) {
    std::vector<CLI::App*> parsed = path.back()->get_subcommands();
    if (parsed.empty()) return path;
    path.push_back(parsed.back());
  }
}

// "l2mac run", "l2mac files ls".
std::string CommandLine(const std::vector<const CLI::App*>& path) {
  std::string line;
  for (const CLI::App* command : path) {
    if (!line.empty()) line += " ";
    line += command->get_name();
  }
  return line;
}

std::vector<std::string> SubcommandNames(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* sub : command.get_subcommands(
           [](const CLI::App* sub) { return !sub->get_name().empty() && !sub->get_disabled(); })) {
    names.push_back(sub->get_name());
  }
  return names;
}

std::string Join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

// The options usable at the end of `path`: its own and, because subcommands fall through
// to their parents, those of every command above it.
std::vector<std::string> OptionNames(const std::vector<const CLI::App*>& path) {
  std::vector<std::string> names;
  for (const CLI::App* command : path) {
    for (const CLI::Option* option : command->get_options()) {
      for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
      for (const std::string& name : option->get_snames()) names.push_back("-" + name);
    }
  }
  return names;
}

// What is wrong with `arg`, an argument no command or option took.
std::string DescribeUnknown(const std::vector<const CLI::App*>& path, const std::string& arg) {
  const std::string where = "`" + CommandLine(path) + "`";
  if (arg.size() > 1 && arg[0] == '-') {
    const std::string name = arg.substr(0, arg.find('='));
    return "unknown option " + name + " for " + where + DidYouMean(name, OptionNames(path));
  }
  const std::vector<std::string> commands = SubcommandNames(*path.back());
  if (!commands.empty()) {
    const std::string kind = path.size() == 1 ? "command" : where + " command";
    return "unknown " + kind + " '" + arg + "'" + DidYouMean(arg, commands) + " (choose one of " +
           Join(commands) + ")";
  }
  return "unexpected argument '" + arg + "' for " + where;
}

}  // namespace

int ReportParseError(const CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(error);
  const std::vector<const CLI::App*> path = CommandPath(app);
  const std::vector<std::string> unknown = app.remaining(/*recurse=*/true);
  std::string message;
  if (!unknown.empty()) {
    // An unknown word explains the other complaints ("--outt" leaves --out missing).
    message = DescribeUnknown(path, unknown.front());
  } else if (std::string(error.what()) == "A subcommand is required") {
    const std::string kind = path.size() == 1 ? "command" : "`" + CommandLine(path) + "` command";
    message = "no " + kind + " given: choose one of " + Join(SubcommandNames(*path.back()));
  } else if (const std::string what = error.what(); error.get_name() == "ArgumentMismatch" &&
                                                    what.find(" required ") != std::string::npos) {
    // CLI11 says "--out: 1 required TEXT missing" for an option given without its value.
    message = what.substr(0, what.find(':')) + " needs a value";
  } else {
    message = error.what();
  }
  std::cerr << "l2mac: error: " << message << "\nl2mac: `" << CommandLine(path)
            << " --help` shows the usage\n";
  return kExitUsage;
}

}  // namespace l2mac::cli
