#include "core/nearest_name.hpp"

#include <algorithm>

namespace l2mac {

size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic-programming table: two back (for swaps), one back, current.
  std::vector<size_t> two_back(b.size() + 1);
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], two_back[j - 2] + 1);
      }
    }
    std::swap(two_back, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> NearestName(std::string_view typed,
                                       const std::vector<std::string>& candidates) {
  constexpr size_t kMaxEdits = 2;
  const std::string* best = nullptr;
  size_t best_distance = kMaxEdits + 1;
  for (const std::string& candidate : candidates) {
    if (candidate == typed) return std::nullopt;
    const size_t distance = EditDistance(typed, candidate);
    if (distance > kMaxEdits || 3 * distance > std::max(typed.size(), candidate.size())) continue;
    if (distance < best_distance) {
      best = &candidate;
      best_distance = distance;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::string DidYouMean(std::string_view typed, const std::vector<std::string>& candidates) {
  std::optional<std::string> nearest = NearestName(typed, candidates);
  return nearest ? "; did you mean " + *nearest + "?" : std::string();
}

}  // namespace l2mac
