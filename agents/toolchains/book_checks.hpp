// The book checks of the acceptance gate: the Markdown files an instruction wrote must exist
// and have content. Internal to the toolchains module; RunGate() is the public entry point.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/toolchains/gate.hpp"

namespace l2mac::toolchains {

// Every path in `touched` ending in .md that exists under `snapshot` must hold more than
// whitespace, and at least one such file must exist. Paths that are absolute or climb out
// of the snapshot are not store paths and are ignored.
CheckOutcome CheckMarkdownFiles(const std::filesystem::path& snapshot,
                                const std::vector<std::string>& touched,
                                const GateOptions& options);

// Structure of every touched Markdown file that exists: heading levels that do not skip,
// no empty sections, internal links (files and #anchors) that resolve in the snapshot.
CheckOutcome CheckMarkdownStructure(const std::filesystem::path& snapshot,
                                    const std::vector<std::string>& touched,
                                    const GateOptions& options);

// The length an instruction asks for, in words: "about 1500 words", "800-1200 words",
// "at least 500 words", "no more than 300 words". Either bound may be absent.
struct WordTarget {
  std::optional<size_t> min_words;
  std::optional<size_t> max_words;
  std::string phrase;  // the words of the instruction that set it, for the report
};

// The first length target stated in `instruction_text`, if any. "About N" (or a bare N)
// accepts half to twice N, a range "A-B" accepts 3/4 of A to 1.5 times B, "at least N"
// accepts 9/10 of N and more, "at most N" up to 11/10 of N: a chapter is judged against
// its outline, not to the word.
std::optional<WordTarget> ParseWordTarget(std::string_view instruction_text);

// Words in Markdown text: runs of non-space characters holding a letter or digit, so
// heading marks, list bullets and rules do not count.
size_t CountWords(std::string_view markdown);

// The touched Markdown files together against the target the instruction states
// (GateOptions::instruction_text). Passes with "no length target" when none is stated.
CheckOutcome CheckMarkdownLength(const std::filesystem::path& snapshot,
                                 const std::vector<std::string>& touched,
                                 const GateOptions& options);

}  // namespace l2mac::toolchains
