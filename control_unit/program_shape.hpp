// The shape of a prompt program's dependency DAG: its critical path (the longest chain of
// instructions, each depending on the one before, counted in instructions) and its width
// (how many instructions could run at once). A program whose width is 1 is a plain
// sequence; a wide one gains from running independent instructions in parallel, and its
// critical path is the number of instruction steps even unbounded parallelism needs.
//
// Width here is the largest depth level: an instruction's depth is the length of the
// longest dependency chain ending at it, and the instructions of one depth never depend on
// each other, so each level can run at once. This is a lower bound on the largest
// antichain (the exact maximum, computable by bipartite matching) and is what a scheduler
// that runs the program level by level achieves; for planner-written programs the two
// rarely differ.
//
// The input comes from the database, so it is not trusted to be a valid program: a
// dependency on an unknown id (or its own) is ignored, a repeated id counts as an
// instruction without dependencies that none depends on (the registry keeps ids unique),
// and instructions on (or behind) a dependency cycle are left out of both measures and
// counted. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace l2mac::control_unit {

struct ProgramShapeInput {
  std::string id;
  std::vector<std::string> depends_on;
};

struct ProgramShape {
  // The longest chain, its first instruction (one with no dependencies) first; of equally
  // long chains the one ending earliest in program order, each step the earliest
  // dependency one level up. Empty for an empty program.
  std::vector<std::string> critical_path;
  size_t width = 0;      // the most instructions at one depth level; 0 for an empty program
  size_t unordered = 0;  // instructions on or behind a cycle, left out of both
};

ProgramShape ShapeOfProgram(const std::vector<ProgramShapeInput>& nodes);

// One line for `l2mac status` and the report, e.g. "critical path: 5 of 12 instructions
// (1 → 3 → 4 → 7 → 9); up to 4 at once", for a program of `instructions`. Bounded: a path
// longer than 10 lists its first 5 and last 4 ids around "…", each id cut to 40 bytes.
std::string ShapeLine(const ProgramShape& shape, size_t instructions);

}  // namespace l2mac::control_unit
