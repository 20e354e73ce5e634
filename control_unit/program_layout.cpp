#include "control_unit/program_layout.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace l2mac::control_unit {

ProgramLayout LayOutProgram(const std::vector<LayoutInput>& nodes, const LayoutGeometry& geometry) {
  ProgramLayout layout;
  layout.places.resize(nodes.size());
  std::map<std::string, size_t> index;
  std::vector<std::vector<size_t>> parents(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& dependency : nodes[i].depends_on) {
      auto found = index.find(dependency);
      if (found == index.end()) {
        ++layout.dropped_edges;
        continue;
      }
      parents[i].push_back(found->second);
      layout.edges.emplace_back(found->second, i);
      layout.places[i].layer =
          std::max(layout.places[i].layer, layout.places[found->second].layer + 1);
    }
    index.emplace(nodes[i].id, i);  // the first of duplicate ids wins
  }

  std::vector<std::vector<size_t>> layers;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const size_t layer = layout.places[i].layer;
    if (layers.size() <= layer) layers.resize(layer + 1);
    layers[layer].push_back(i);
  }

  const size_t per_row = std::max<size_t>(1, geometry.max_per_row);
  const double step_x = geometry.node_width + geometry.gap_x;
  const double step_y = geometry.node_height + geometry.gap_y;
  std::vector<double> center(nodes.size(), 0);  // x centre, for the barycenters below
  size_t widest = 1;
  for (const auto& layer : layers) widest = std::max(widest, std::min(layer.size(), per_row));
  size_t row = 0;
  for (auto& layer : layers) {
    if (layer.empty()) continue;
    std::vector<double> key(layer.size());
    for (size_t k = 0; k < layer.size(); ++k) {
      const auto& own = parents[layer[k]];
      key[k] = own.empty()
                   ? -1.0
                   : std::accumulate(own.begin(), own.end(), 0.0, [&](double sum, size_t p) {
                       return sum + center[p];
                     }) / static_cast<double>(own.size());
    }
    std::vector<size_t> order(layer.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return key[a] < key[b]; });
    for (size_t k = 0; k < order.size(); ++k) {
      const size_t node = layer[order[k]];
      const size_t column = k % per_row;
      // Each row centred under the widest one.
      const size_t in_row = std::min(per_row, layer.size() - (k / per_row) * per_row);
      const double indent = static_cast<double>(widest - in_row) * step_x / 2;
      layout.places[node].x = geometry.margin + indent + static_cast<double>(column) * step_x;
      layout.places[node].y = geometry.margin + static_cast<double>(row + k / per_row) * step_y;
      center[node] = layout.places[node].x + geometry.node_width / 2;
    }
    row += (layer.size() + per_row - 1) / per_row;
  }
  layout.width = 2 * geometry.margin + static_cast<double>(widest) * step_x - geometry.gap_x;
  layout.height =
      2 * geometry.margin + static_cast<double>(std::max<size_t>(row, 1)) * step_y - geometry.gap_y;
  return layout;
}

}  // namespace l2mac::control_unit
