// "Did you mean ...?" for misspelled commands, options, values and preset names: the known name
// closest to what was typed, by edit distance, offered only when it is a likely typo.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace l2mac {

// The optimal-string-alignment distance (a restricted Damerau-Levenshtein distance)
// between `a` and `b`, byte by byte: the fewest insertions, deletions, substitutions and
// swaps of two adjacent bytes that turn one into the other.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `typed`, when it is at most two edits away and the edits are
// at most a third of the longer name (so "rn" suggests "run", but "ab" suggests nothing
// for "ls"); the first of equally near candidates; nullopt when none is near or `typed`
// is itself a candidate.
std::optional<std::string> NearestName(std::string_view typed,
                                       const std::vector<std::string>& candidates);

// "; did you mean X?" for the nearest candidate, or "" when there is none.
std::string DidYouMean(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace l2mac
