#include "control_unit/git_command.hpp"

#include "core/text.hpp"

namespace l2mac::control_unit {

GitCommand::GitCommand(std::filesystem::path cwd, std::chrono::milliseconds timeout)
    : cwd_(std::move(cwd)), timeout_(timeout) {}

Result<ProcessResult> GitCommand::Run(const std::vector<std::string>& args,
                                      const std::vector<std::string>& env) const {
  ProcessOptions options;
  options.argv.reserve(args.size() + 1);
  options.argv.push_back("git");
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.cwd = cwd_.string();
  options.env = CleanEnvironment();
  // Never wait for a password or an editor; messages in one language, for the errors.
  options.env.push_back("GIT_TERMINAL_PROMPT=0");
  options.env.push_back("GIT_EDITOR=true");
  options.env.push_back("LC_ALL=C");
  options.env.insert(options.env.end(), env.begin(), env.end());
  options.timeout = timeout_;
  options.max_output_bytes = 1 << 20;
  auto result = RunProcess(options);
  if (!result.ok()) {
    return Status::Unavailable("git could not be started (" + result.status().message() +
                               "): install git, or run without --git-branch");
  }
  return std::move(result).value();
}

Result<std::string> GitCommand::Output(const std::vector<std::string>& args,
                                       const std::vector<std::string>& env) const {
  L2MAC_ASSIGN_OR_RETURN(ProcessResult result, Run(args, env));
  if (!result.succeeded() || result.output_truncated) {
    return Status::IoError(GitFailureText(args, result));
  }
  std::string output = std::move(result.output);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

std::string GitFailureText(const std::vector<std::string>& args, const ProcessResult& result) {
  std::string command = "git";
  for (size_t i = 0; i < args.size() && i < 3; ++i) command += " " + args[i];
  if (args.size() > 3) command += " ...";
  std::string said(TrimWhitespace(result.output));
  if (result.output_truncated) said += " (output cut at 1 MiB)";
  return command + " failed (" + result.Describe() + ")" +
         (said.empty() ? std::string() : ": " + TruncateUtf8(said, 400));
}

}  // namespace l2mac::control_unit
