// The repo map: what the planner is shown of a store that already holds a codebase (an
// existing project imported by `l2mac run --out DIR`, or the output of a finished run
// given a new task). Aider's idea: each file's outline (filestore::Outline, the logic of
// the outline_file tool), the files ranked by how much the rest of the codebase uses
// them, and the whole cut to a token budget, so a large repository is summarized by what
// matters most and the planner reads the rest with its precise tools.
//
// Ranking: a file's names are its outline's definitions (functions, classes, methods,
// structs; headings excluded) and its module name (the file name without extension), of
// at least three characters. A file scores one point for each other file that uses one of
// its names as a word, per name; ties keep path order. Binary files and files above
// RepoMapLimits::largest_outlined_file are listed with their size only, never read into
// the map. Deterministic: the same store gives the same map.
// Pure function of the store view; thread-safe as far as the view is.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/status.hpp"
#include "core/token_estimator.hpp"
#include "filestore/file_store.hpp"

namespace l2mac::agents {

struct RepoMapLimits {
  int64_t max_tokens = 4096;  // EstimateTokens of the whole map
  // Counts max_tokens: the run's counter (the planner's budget's), null for the fast
  // estimate.
  std::shared_ptr<const TokenCounter> counter;
  size_t largest_outlined_file = 256 * 1024;  // bytes; larger files: path and size only
  size_t max_files_read = 2000;               // files read for outlines and ranking
  size_t max_items_per_file = 40;             // outline lines shown for one file
};

// The map of the files `view` shows, or "(no files yet)" for an empty store. Errors are
// the store's.
Result<std::string> BuildRepoMap(const filestore::StoreTransaction& view,
                                 const RepoMapLimits& limits);

}  // namespace l2mac::agents
