#include "filestore/text_diff.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace l2mac::filestore {
namespace {

// Myers' traces need (D+1) vectors of 2*max+1 offsets; above this many cells the diff
// gives up on the middle (memory stays bounded for pathological inputs).
constexpr size_t kMaxTraceCells = size_t{16} << 20;

// Myers' greedy forward algorithm on integer line ids, a[a0..a1) against b[b0..b1);
// appends matching pairs in order.
void MyersMiddle(const std::vector<int>& a, const std::vector<int>& b, size_t a0, size_t a1,
                 size_t b0, size_t b1, std::vector<std::pair<size_t, size_t>>& out) {
  const auto n = static_cast<int64_t>(a1 - a0);
  const auto m = static_cast<int64_t>(b1 - b0);
  if (n == 0 || m == 0) return;
  const int64_t max = n + m;
  const int64_t offset = max;
  std::vector<int64_t> v(static_cast<size_t>(2 * max + 2), 0);
  std::vector<std::vector<int64_t>> trace;
  int64_t found_d = -1;
  for (int64_t d = 0; d <= max; ++d) {
    if ((trace.size() + 1) * v.size() > kMaxTraceCells) return;  // give up: no matches
    trace.push_back(v);
    for (int64_t k = -d; k <= d; k += 2) {
      int64_t x;
      if (k == -d || (k != d && v[static_cast<size_t>(offset + k - 1)] <
                                    v[static_cast<size_t>(offset + k + 1)])) {
        x = v[static_cast<size_t>(offset + k + 1)];
      } else {
        x = v[static_cast<size_t>(offset + k - 1)] + 1;
      }
      int64_t y = x - k;
      while (x < n && y < m && a[a0 + static_cast<size_t>(x)] == b[b0 + static_cast<size_t>(y)]) {
        ++x;
        ++y;
      }
      v[static_cast<size_t>(offset + k)] = x;
      if (x >= n && y >= m) {
        found_d = d;
        break;
      }
    }
    if (found_d >= 0) break;
  }
  // Backtrack through the traces, collecting the diagonal (matching) moves.
  std::vector<std::pair<size_t, size_t>> reversed;
  int64_t x = n;
  int64_t y = m;
  for (int64_t d = found_d; d > 0; --d) {
    const std::vector<int64_t>& prev = trace[static_cast<size_t>(d)];
    int64_t k = x - y;
    int64_t prev_k;
    if (k == -d || (k != d && prev[static_cast<size_t>(offset + k - 1)] <
                                  prev[static_cast<size_t>(offset + k + 1)])) {
      prev_k = k + 1;
    } else {
      prev_k = k - 1;
    }
    int64_t prev_x = prev[static_cast<size_t>(offset + prev_k)];
    int64_t prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x;
      --y;
      reversed.emplace_back(a0 + static_cast<size_t>(x), b0 + static_cast<size_t>(y));
    }
    x = prev_x;
    y = prev_y;
  }
  while (x > 0 && y > 0) {
    --x;
    --y;
    reversed.emplace_back(a0 + static_cast<size_t>(x), b0 + static_cast<size_t>(y));
  }
  out.insert(out.end(), reversed.rbegin(), reversed.rend());
}

std::string_view WithoutEnd(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  return line;
}

void AppendDiffLine(std::string& out, char marker, std::string_view line) {
  out += marker;
  out += WithoutEnd(line);
  out += '\n';
  if (line.empty() || line.back() != '\n') out += "\\ No newline at end of file\n";
}

std::string HunkRange(size_t begin, size_t count) {
  // Unified diff numbers lines from 1; an empty range names the line before it.
  size_t first = count == 0 ? begin : begin + 1;
  return std::to_string(first) + "," + std::to_string(count);
}

}  // namespace

std::vector<std::string_view> SplitLinesKeepEnds(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

std::vector<std::pair<size_t, size_t>> MatchLines(const std::vector<std::string_view>& a,
                                                  const std::vector<std::string_view>& b) {
  std::vector<std::pair<size_t, size_t>> matches;
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) {
    matches.emplace_back(prefix, prefix);
    ++prefix;
  }
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  // Intern lines as integers so the middle compares ids, not strings.
  std::unordered_map<std::string_view, int> ids;
  std::vector<int> ia(a.size(), -1);
  std::vector<int> ib(b.size(), -1);
  for (size_t i = prefix; i < a.size() - suffix; ++i) {
    ia[i] = ids.emplace(a[i], static_cast<int>(ids.size())).first->second;
  }
  for (size_t i = prefix; i < b.size() - suffix; ++i) {
    ib[i] = ids.emplace(b[i], static_cast<int>(ids.size())).first->second;
  }
  MyersMiddle(ia, ib, prefix, a.size() - suffix, prefix, b.size() - suffix, matches);
  for (size_t s = suffix; s > 0; --s) matches.emplace_back(a.size() - s, b.size() - s);
  return matches;
}

LineCounts CountChangedLines(std::string_view before, std::string_view after) {
  auto a = SplitLinesKeepEnds(before);
  auto b = SplitLinesKeepEnds(after);
  size_t matched = MatchLines(a, b).size();
  return LineCounts{static_cast<int>(b.size() - matched), static_cast<int>(a.size() - matched)};
}

std::string UnifiedDiff(std::string_view before, std::string_view after,
                        const std::string& before_label, const std::string& after_label,
                        size_t context) {
  if (before == after) return "";
  auto a = SplitLinesKeepEnds(before);
  auto b = SplitLinesKeepEnds(after);
  auto matches = MatchLines(a, b);
  matches.emplace_back(a.size(), b.size());  // sentinel
  // Changed blocks: between consecutive matches.
  struct Block {
    size_t a_begin, a_end, b_begin, b_end;
  };
  std::vector<Block> blocks;
  size_t ai = 0;
  size_t bi = 0;
  for (const auto& [ma, mb] : matches) {
    if (ma > ai || mb > bi) blocks.push_back({ai, ma, bi, mb});
    ai = ma + 1;
    bi = mb + 1;
  }
  std::string out = "--- " + (before_label.empty() ? "/dev/null" : before_label) + "\n+++ " +
                    (after_label.empty() ? "/dev/null" : after_label) + "\n";
  size_t i = 0;
  while (i < blocks.size()) {
    // Group blocks whose context overlaps into one hunk.
    size_t j = i;
    while (j + 1 < blocks.size() && blocks[j + 1].a_begin - blocks[j].a_end <= 2 * context) ++j;
    size_t a_start = blocks[i].a_begin >= context ? blocks[i].a_begin - context : 0;
    size_t b_start = blocks[i].b_begin - (blocks[i].a_begin - a_start);
    size_t a_stop = std::min(a.size(), blocks[j].a_end + context);
    size_t b_stop = blocks[j].b_end + (a_stop - blocks[j].a_end);
    out += "@@ -" + HunkRange(a_start, a_stop - a_start) + " +" +
           HunkRange(b_start, b_stop - b_start) + " @@\n";
    size_t pa = a_start;
    for (size_t k = i; k <= j; ++k) {
      for (; pa < blocks[k].a_begin; ++pa) AppendDiffLine(out, ' ', a[pa]);
      for (size_t x = blocks[k].a_begin; x < blocks[k].a_end; ++x) AppendDiffLine(out, '-', a[x]);
      for (size_t x = blocks[k].b_begin; x < blocks[k].b_end; ++x) AppendDiffLine(out, '+', b[x]);
      pa = blocks[k].a_end;
    }
    for (; pa < a_stop; ++pa) AppendDiffLine(out, ' ', a[pa]);
    i = j + 1;
  }
  return out;
}

MergeResult Merge3(std::string_view base, std::string_view ours, std::string_view theirs) {
  auto o = SplitLinesKeepEnds(base);
  auto a = SplitLinesKeepEnds(ours);
  auto b = SplitLinesKeepEnds(theirs);
  constexpr size_t kNone = SIZE_MAX;
  std::vector<size_t> to_a(o.size() + 1, kNone);
  std::vector<size_t> to_b(o.size() + 1, kNone);
  for (const auto& [x, y] : MatchLines(o, a)) to_a[x] = y;
  for (const auto& [x, y] : MatchLines(o, b)) to_b[x] = y;
  to_a[o.size()] = a.size();  // the ends always synchronise
  to_b[o.size()] = b.size();

  MergeResult result;
  auto append = [&](const std::vector<std::string_view>& lines, size_t from, size_t to) {
    for (size_t x = from; x < to; ++x) result.content += lines[x];
  };
  auto same = [](const std::vector<std::string_view>& x, size_t x0, size_t x1,
                 const std::vector<std::string_view>& y, size_t y0, size_t y1) {
    return x1 - x0 == y1 - y0 && std::equal(x.begin() + static_cast<std::ptrdiff_t>(x0),
                                            x.begin() + static_cast<std::ptrdiff_t>(x1),
                                            y.begin() + static_cast<std::ptrdiff_t>(y0));
  };
  size_t i = 0;
  size_t j = 0;
  size_t k = 0;
  while (true) {
    while (i < o.size() && to_a[i] == j && to_b[i] == k) {
      result.content += o[i];
      ++i;
      ++j;
      ++k;
    }
    if (i == o.size() && j == a.size() && k == b.size()) break;
    size_t next = i;
    while (next < o.size() && (to_a[next] == kNone || to_b[next] == kNone)) ++next;
    size_t ja = to_a[next];
    size_t kb = to_b[next];
    if (same(o, i, next, a, j, ja)) {
      append(b, k, kb);
    } else if (same(o, i, next, b, k, kb) || same(a, j, ja, b, k, kb)) {
      append(a, j, ja);
    } else {
      result.conflicts.push_back({i + 1, next + 1, j + 1, ja + 1, k + 1, kb + 1});
      auto ensure_newline = [&] {
        if (!result.content.empty() && result.content.back() != '\n') result.content += '\n';
      };
      ensure_newline();
      result.content += "<<<<<<< ours\n";
      append(a, j, ja);
      ensure_newline();
      result.content += "=======\n";
      append(b, k, kb);
      ensure_newline();
      result.content += ">>>>>>> theirs\n";
    }
    i = next;
    j = ja;
    k = kb;
  }
  return result;
}

}  // namespace l2mac::filestore
