// A layered drawing of a prompt program: instructions as boxes, dependencies as edges
// from the box above. Each instruction sits one layer below its deepest dependency
// (longest path from the roots); a layer wider than `max_per_row` wraps onto further rows;
// within a row, boxes are ordered by the mean position of their dependencies (one
// top-down barycenter pass, which removes most crossings in planner-written programs),
// ties in program order.
//
// The input comes from the database, so it is not trusted to be a valid program: a
// dependency on an unknown instruction, or on one that does not come earlier in the list
// (which also breaks any cycle), is left out and counted. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace l2mac::control_unit {

struct LayoutGeometry {
  double node_width = 150;
  double node_height = 30;
  double gap_x = 24;
  double gap_y = 30;
  double margin = 12;
  size_t max_per_row = 6;
};

struct ProgramLayout {
  struct Place {
    size_t layer = 0;  // 0 for an instruction without (drawn) dependencies
    double x = 0;      // the box's top-left corner
    double y = 0;
  };
  std::vector<Place> places;                     // parallel to the input
  std::vector<std::pair<size_t, size_t>> edges;  // (dependency, dependent) indices
  size_t dropped_edges = 0;                      // unknown or later dependencies
  double width = 0;
  double height = 0;
};

struct LayoutInput {
  std::string id;
  std::vector<std::string> depends_on;
};

ProgramLayout LayOutProgram(const std::vector<LayoutInput>& nodes,
                            const LayoutGeometry& geometry = {});

}  // namespace l2mac::control_unit
