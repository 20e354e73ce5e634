#include "control_unit/program_shape.hpp"

#include <algorithm>
#include <map>

#include "core/text.hpp"

namespace l2mac::control_unit {

ProgramShape ShapeOfProgram(const std::vector<ProgramShapeInput>& nodes) {
  const size_t n = nodes.size();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) index.emplace(nodes[i].id, i);  // the first id wins
  // Dependencies as indices (a duplicate id's own entry is ignored: it has no index),
  // each listed once.
  std::vector<std::vector<size_t>> parents(n);
  std::vector<std::vector<size_t>> children(n);
  for (size_t i = 0; i < n; ++i) {
    auto own = index.find(nodes[i].id);
    if (own == index.end() || own->second != i) continue;
    for (const auto& dependency : nodes[i].depends_on) {
      auto found = index.find(dependency);
      if (found == index.end() || found->second == i) continue;
      if (std::find(parents[i].begin(), parents[i].end(), found->second) != parents[i].end()) {
        continue;
      }
      parents[i].push_back(found->second);
      children[found->second].push_back(i);
    }
  }

  // Kahn's algorithm, in program order among the ready ones; depth is 1 for a root.
  std::vector<size_t> waiting(n), depth(n, 0), order;
  order.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    waiting[i] = parents[i].size();
    if (waiting[i] == 0) order.push_back(i);
  }
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t node = order[k];
    depth[node] = 1;
    for (size_t parent : parents[node]) depth[node] = std::max(depth[node], depth[parent] + 1);
    for (size_t child : children[node]) {
      if (--waiting[child] == 0) order.push_back(child);
    }
  }

  ProgramShape shape;
  shape.unordered = n - order.size();
  std::map<size_t, size_t> per_level;
  size_t end = n;  // the critical path's last instruction
  for (size_t i = 0; i < n; ++i) {
    if (depth[i] == 0) continue;  // on or behind a cycle
    shape.width = std::max(shape.width, ++per_level[depth[i]]);
    if (end == n || depth[i] > depth[end]) end = i;
  }
  for (size_t node = end; node != n;) {
    shape.critical_path.push_back(nodes[node].id);
    size_t next = n;
    for (size_t parent : parents[node]) {
      if (depth[parent] + 1 == depth[node] && (next == n || parent < next)) next = parent;
    }
    node = next;
  }
  std::reverse(shape.critical_path.begin(), shape.critical_path.end());
  return shape;
}

std::string ShapeLine(const ProgramShape& shape, size_t instructions) {
  constexpr size_t kMaxListed = 10, kHead = 5, kTail = 4, kMaxIdBytes = 40;
  const auto& path = shape.critical_path;
  std::string ids;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path.size() > kMaxListed && i >= kHead && i < path.size() - kTail) {
      if (i == kHead) ids += " → …";
      continue;
    }
    if (!ids.empty()) ids += " → ";
    ids += TruncateUtf8(path[i], kMaxIdBytes);
  }
  std::string line = "critical path: " + std::to_string(path.size()) + " of " +
                     Plural(static_cast<int64_t>(instructions), "instruction");
  if (!ids.empty()) line += " (" + ids + ")";
  line += "; up to " + std::to_string(shape.width) + " at once";
  if (shape.unordered > 0) {
    line += "; " + std::to_string(shape.unordered) + " on or behind a dependency cycle left out";
  }
  return line;
}

}  // namespace l2mac::control_unit
