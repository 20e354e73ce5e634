// `l2mac status DIR [--json]`: the run's state, each instruction with its failed attempts
// (failing checks and tests, the branch with the files the checks saw), totals, and the
// next steps (see status_text.hpp). Reads only; works while a run is in progress.
#pragma once

#include <string>

namespace l2mac::cli {

int StatusCommand(const std::string& out, bool json);

}  // namespace l2mac::cli
