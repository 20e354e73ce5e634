// The book domain's length check: a chapter is measured against the length its
// instruction (written by the planner from the outline) asks for.
#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>

#include <re2/re2.h>

#include "agents/toolchains/book_checks.hpp"

namespace l2mac::toolchains {
namespace {

std::optional<size_t> ParseCount(const std::string& digits) {
  std::string plain;
  for (char c : digits) {
    if (std::isdigit(static_cast<unsigned char>(c))) plain += c;
  }
  if (plain.empty() || plain.size() > 9) return std::nullopt;
  size_t value = std::stoul(plain);
  if (value == 0) return std::nullopt;
  return value;
}

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool IsMarkdownFile(const std::string& path) {
  return path.size() > 3 && Lowercase(path.substr(path.size() - 3)) == ".md";
}

}  // namespace

std::optional<WordTarget> ParseWordTarget(std::string_view instruction_text) {
  // Normalise the dashes a planner writes in ranges ("800–1200") to '-'.
  std::string text = Lowercase(instruction_text);
  for (const std::string dash : {"\u2013", "\u2014"}) {
    for (size_t at = text.find(dash); at != std::string::npos; at = text.find(dash, at)) {
      text.replace(at, dash.size(), "-");
    }
  }
  static const std::string kNumber = R"((\d{1,3}(?:,\d{3})+|\d+))";
  // RE2: linear time in the instruction, which a model (the planner) wrote.
  static const RE2 kRange(kNumber + R"(\s*(?:-|to)\s*)" + kNumber + R"(\s+words\b)", RE2::Latin1);
  static const RE2 kAtLeast(
      R"((?:at least|no fewer than|minimum of|a minimum of)\s+)" + kNumber + R"(\s+words\b)",
      RE2::Latin1);
  static const RE2 kAtMost(R"((?:at most|no more than|up to|maximum of|a maximum of|under)\s+)" +
                               kNumber + R"(\s+words\b)",
                           RE2::Latin1);
  static const RE2 kAbout(kNumber + R"(\s*(?:-\s*)?words?\b)", RE2::Latin1);

  // The earliest statement wins; at equal positions the more specific pattern does.
  struct Candidate {
    size_t position;
    WordTarget target;
  };
  std::optional<Candidate> best;
  // groups[0] is the whole match, groups[1] and [2] the numbers.
  using Groups = std::array<re2::StringPiece, 3>;
  auto consider = [&](const RE2& pattern, auto make) {
    Groups groups;
    const int count = 1 + pattern.NumberOfCapturingGroups();
    if (!pattern.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), count)) return;
    auto target = make(groups);
    if (!target) return;
    const auto position = static_cast<size_t>(groups[0].data() - text.data());
    if (best && best->position <= position) return;
    target->phrase = std::string(groups[0].data(), groups[0].size());
    best = Candidate{position, *target};
  };
  auto number = [](const re2::StringPiece& digits) {
    return ParseCount(std::string(digits.data(), digits.size()));
  };
  consider(kRange, [&](const Groups& m) -> std::optional<WordTarget> {
    auto low = number(m[1]);
    auto high = number(m[2]);
    if (!low || !high || *high < *low) return std::nullopt;
    return WordTarget{*low * 3 / 4, *high * 3 / 2, ""};
  });
  consider(kAtLeast, [&](const Groups& m) -> std::optional<WordTarget> {
    auto count = number(m[1]);
    if (!count) return std::nullopt;
    return WordTarget{*count * 9 / 10, std::nullopt, ""};
  });
  consider(kAtMost, [&](const Groups& m) -> std::optional<WordTarget> {
    auto count = number(m[1]);
    if (!count) return std::nullopt;
    return WordTarget{std::nullopt, *count * 11 / 10, ""};
  });
  consider(kAbout, [&](const Groups& m) -> std::optional<WordTarget> {
    auto count = number(m[1]);
    if (!count) return std::nullopt;
    return WordTarget{*count / 2, *count * 2, ""};
  });
  if (!best) return std::nullopt;
  return best->target;
}

size_t CountWords(std::string_view markdown) {
  size_t words = 0;
  bool in_token = false;
  bool token_has_text = false;
  for (char c : markdown) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isspace(byte)) {
      if (in_token && token_has_text) ++words;
      in_token = false;
      token_has_text = false;
      continue;
    }
    in_token = true;
    // Bytes of multi-byte UTF-8 sequences count as text: letters of other scripts.
    if (std::isalnum(byte) || byte >= 0x80) token_has_text = true;
  }
  if (in_token && token_has_text) ++words;
  return words;
}

CheckOutcome CheckMarkdownLength(const std::filesystem::path& snapshot,
                                 const std::vector<std::string>& touched,
                                 const GateOptions& options) {
  CheckOutcome outcome;
  outcome.name = "markdown length";
  const std::optional<WordTarget> target = ParseWordTarget(options.instruction_text);
  if (!target) {
    outcome.passed = true;
    outcome.summary = "no length target";
    return outcome;
  }
  size_t words = 0;
  std::string files;
  for (const std::string& path : touched) {
    if (!IsMarkdownFile(path) || path.find("..") != std::string::npos) continue;
    std::ifstream in(snapshot / path, std::ios::binary);
    if (!in) continue;  // deleted by the instruction
    std::ostringstream content;
    content << in.rdbuf();
    words += CountWords(content.str());
    files += (files.empty() ? "" : ", ") + path;
  }
  const std::string measured = std::to_string(words) + " words";
  if (target->min_words && words < *target->min_words) {
    outcome.summary = measured + ", too short";
    outcome.detail = "the instruction asks for " + target->phrase + " but " +
                     (files.empty() ? std::string("the Markdown written") : files) + " has " +
                     measured + " (at least " + std::to_string(*target->min_words) +
                     " needed): expand the thin sections with edit_file";
    return outcome;
  }
  if (target->max_words && words > *target->max_words) {
    outcome.summary = measured + ", too long";
    outcome.detail = "the instruction asks for " + target->phrase + " but " + files + " has " +
                     measured + " (at most " + std::to_string(*target->max_words) +
                     " accepted): tighten it with edit_file";
    return outcome;
  }
  outcome.passed = true;
  outcome.summary = measured + " for " + target->phrase;
  return outcome;
}

}  // namespace l2mac::toolchains
