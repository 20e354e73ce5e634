// Line diffs and three-way merges of text: the basis of the store's history views (diff,
// blame) and of merging branches.
//
// Lines keep their '\n' (a final line without one differs from the same line with one), so
// a diff or merge reproduces files byte for byte. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace l2mac::filestore {

// The lines of `text`, each with its '\n' (the last may lack one). "" has none.
std::vector<std::string_view> SplitLinesKeepEnds(std::string_view text);

// A longest common subsequence of `a` and `b` (Myers' O((N+M)D) algorithm after trimming
// the common prefix and suffix), as increasing pairs (index in a, index in b) of equal
// lines. Very different inputs (D above a bound that keeps memory small) fall back to
// matching only the common prefix and suffix.
std::vector<std::pair<size_t, size_t>> MatchLines(const std::vector<std::string_view>& a,
                                                  const std::vector<std::string_view>& b);

struct LineCounts {
  int added = 0;
  int removed = 0;
};
LineCounts CountChangedLines(std::string_view before, std::string_view after);

// A unified diff ("--- a/x", "+++ b/x", "@@ -l,n +l,n @@" hunks with `context` lines)
// from `before` to `after`; "" when they are equal. An empty label ("" for a created or
// deleted file) prints as /dev/null.
std::string UnifiedDiff(std::string_view before, std::string_view after,
                        const std::string& before_label, const std::string& after_label,
                        size_t context = 3);

// One region both sides changed differently. Line numbers are 1-based, ranges
// half-open [begin, end) in each version.
struct MergeConflict {
  size_t base_begin = 0, base_end = 0;
  size_t ours_begin = 0, ours_end = 0;
  size_t theirs_begin = 0, theirs_end = 0;
};

struct MergeResult {
  // The merged text; each conflict appears between "<<<<<<< ours", "=======" and
  // ">>>>>>> theirs" marker lines.
  std::string content;
  std::vector<MergeConflict> conflicts;
  bool clean() const { return conflicts.empty(); }
};

// diff3: changes made on only one side are taken, identical changes on both are taken
// once, and overlapping different changes are conflicts.
MergeResult Merge3(std::string_view base, std::string_view ours, std::string_view theirs);

}  // namespace l2mac::filestore
