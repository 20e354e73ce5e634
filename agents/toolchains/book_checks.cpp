#include "agents/toolchains/book_checks.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>

namespace l2mac::toolchains {
namespace {

bool IsMarkdownPath(const std::string& path) {
  if (path.size() < 3) return false;
  std::string suffix = path.substr(path.size() - 3);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return suffix == ".md";
}

// A relative path that stays inside the snapshot.
bool IsStorePath(const std::filesystem::path& path) {
  if (path.empty() || path.is_absolute() || path.has_root_name()) return false;
  for (const std::filesystem::path& part : path.lexically_normal()) {
    if (part == "..") return false;
  }
  return true;
}

enum class ContentState { kMissing, kBlank, kHasText, kUnreadable };

ContentState ReadContentState(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) return ContentState::kMissing;
  std::ifstream in(file, std::ios::binary);
  if (!in) return ContentState::kUnreadable;
  const bool has_text =
      std::any_of(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(),
                  [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
  if (in.bad()) return ContentState::kUnreadable;
  return has_text ? ContentState::kHasText : ContentState::kBlank;
}

}  // namespace

CheckOutcome CheckMarkdownFiles(const std::filesystem::path& snapshot,
                                const std::vector<std::string>& touched,
                                const GateOptions& options) {
  CheckOutcome outcome;
  outcome.name = "markdown files";
  size_t existing = 0;
  size_t offending = 0;
  std::string problems;
  for (const std::string& path : touched) {
    if (!IsMarkdownPath(path) || !IsStorePath(path)) continue;
    switch (ReadContentState(snapshot / path)) {
      case ContentState::kMissing:
        break;
      case ContentState::kHasText:
        ++existing;
        break;
      case ContentState::kBlank:
        ++existing;
        ++offending;
        problems += "- " + path +
                    " is empty (nothing but whitespace): write its full content with "
                    "write_file\n";
        break;
      case ContentState::kUnreadable:
        ++existing;
        ++offending;
        problems += "- " + path + " could not be read back from the snapshot\n";
        break;
    }
  }
  if (existing == 0) {
    outcome.summary = "no Markdown file written";
    outcome.detail =
        "this instruction wrote no Markdown file: write the chapter with write_file before "
        "calling step_complete";
    return outcome;
  }
  if (offending > 0) {
    outcome.summary = std::to_string(offending) +
                      (offending == 1 ? " file without content" : " files without content");
    outcome.detail = ElideMiddle(problems, options.max_report_bytes);
    return outcome;
  }
  outcome.passed = true;
  outcome.summary = std::to_string(existing) + (existing == 1 ? " file" : " files");
  return outcome;
}

}  // namespace l2mac::toolchains
