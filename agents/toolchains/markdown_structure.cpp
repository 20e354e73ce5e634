#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <re2/re2.h>

#include "agents/toolchains/book_checks.hpp"

namespace l2mac::toolchains {
namespace {

namespace fs = std::filesystem;

struct Heading {
  int level = 0;
  int line = 0;
  std::string title;
};

// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'.
std::string Slug(const std::string& title) {
  std::string slug;
  for (unsigned char c : title) {
    if (std::isalnum(c) || c == '-' || c == '_' || c >= 0x80) {
      slug += static_cast<char>(std::tolower(c));
    } else if (c == ' ') {
      slug += '-';
    }
  }
  return slug;
}

// "scheme:..." (https:, mailto:, ...): a letter, then letters, digits, '+', '.', '-', then ':'.
bool IsExternal(const std::string& target) {
  if (target.empty() || std::isalpha(static_cast<unsigned char>(target[0])) == 0) return false;
  for (size_t i = 1; i < target.size(); ++i) {
    const auto c = static_cast<unsigned char>(target[i]);
    if (c == ':') return true;
    if (std::isalnum(c) == 0 && c != '+' && c != '.' && c != '-') return false;
  }
  return false;
}

// The problems of one Markdown file, each as "path:line: message".
std::vector<std::string> CheckOne(const fs::path& snapshot, const std::string& path) {
  std::ifstream in(snapshot / path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);

  // RE2 (linear time in the line: a model writes these files), Latin-1 so any byte counts.
  static const RE2 kHeading(R"((#{1,6})\s+(.*?)\s*#*\s*)", RE2::Latin1);
  static const RE2 kLink(R"(\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\))", RE2::Latin1);
  std::vector<Heading> headings;
  std::vector<std::pair<int, std::string>> links;
  std::vector<bool> has_text;  // per heading: any content before the next heading
  bool in_fence = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind("```", 0) == 0 || line.rfind("~~~", 0) == 0) in_fence = !in_fence;
    std::string hashes, title;
    if (!in_fence && RE2::FullMatch(line, kHeading, &hashes, &title)) {
      headings.push_back(Heading{static_cast<int>(hashes.size()), static_cast<int>(i + 1), title});
      has_text.push_back(false);
      continue;
    }
    if (!headings.empty() && line.find_first_not_of(" \t\r") != std::string::npos) {
      has_text.back() = true;
    }
    if (in_fence) continue;
    re2::StringPiece rest(line);
    std::string target;
    while (RE2::FindAndConsume(&rest, kLink, &target)) {
      links.emplace_back(static_cast<int>(i + 1), target);
    }
  }

  std::vector<std::string> problems;
  auto problem = [&](int line, const std::string& message) {
    problems.push_back(path + ":" + std::to_string(line) + ": " + message);
  };
  for (size_t i = 1; i < headings.size(); ++i) {
    if (headings[i].level > headings[i - 1].level + 1) {
      problem(headings[i].line, "heading level jumps from " +
                                    std::to_string(headings[i - 1].level) + " to " +
                                    std::to_string(headings[i].level) + " (\"" + headings[i].title +
                                    "\"); do not skip levels");
    }
  }
  for (size_t i = 0; i < headings.size(); ++i) {
    // Empty: no text before the next heading of the same or a higher level (a heading
    // followed by its subsections is not empty).
    const bool last = i + 1 == headings.size();
    const bool next_is_sibling_or_parent = !last && headings[i + 1].level <= headings[i].level;
    if (!has_text[i] && (last || next_is_sibling_or_parent)) {
      problem(headings[i].line, "section \"" + headings[i].title + "\" is empty");
    }
  }
  std::set<std::string> anchors;
  for (const Heading& heading : headings) anchors.insert(Slug(heading.title));
  for (const auto& [line, target] : links) {
    if (IsExternal(target)) continue;
    const size_t hash = target.find('#');
    const std::string file = target.substr(0, hash);
    if (file.empty()) {
      if (hash != std::string::npos && anchors.count(target.substr(hash + 1)) == 0) {
        problem(line, "link to \"" + target + "\": no heading in this file has that anchor");
      }
      continue;
    }
    const fs::path resolved = (fs::path(path).parent_path() / file).lexically_normal();
    std::error_code error;
    if (resolved.empty() || *resolved.begin() == ".." || !fs::exists(snapshot / resolved, error)) {
      problem(line, "link to \"" + target + "\": " + resolved.generic_string() +
                        " does not exist in the book");
    }
  }
  return problems;
}

}  // namespace

CheckOutcome CheckMarkdownStructure(const std::filesystem::path& snapshot,
                                    const std::vector<std::string>& touched,
                                    const GateOptions& options) {
  CheckOutcome outcome;
  outcome.name = "markdown structure";
  std::vector<std::string> problems;
  for (const std::string& path : touched) {
    if (path.size() < 3 || path.substr(path.size() - 3) != ".md") continue;
    if (fs::path(path).is_absolute() || path.find("..") != std::string::npos) continue;
    std::error_code error;
    if (!fs::is_regular_file(snapshot / path, error)) continue;
    for (std::string& p : CheckOne(snapshot, path)) problems.push_back(std::move(p));
  }
  if (problems.empty()) {
    outcome.passed = true;
    return outcome;
  }
  outcome.summary =
      std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems");
  std::string text = outcome.summary + ":\n";
  for (const std::string& p : problems) text += "- " + p + "\n";
  outcome.detail = ElideMiddle(text, options.max_report_bytes);
  return outcome;
}

}  // namespace l2mac::toolchains
