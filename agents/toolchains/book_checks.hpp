// The book checks of the acceptance gate: the Markdown files an instruction wrote must exist
// and have content. Internal to the toolchains module; RunGate() is the public entry point.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "agents/toolchains/gate.hpp"

namespace l2mac::toolchains {

// Every path in `touched` ending in .md that exists under `snapshot` must hold more than
// whitespace, and at least one such file must exist. Paths that are absolute or climb out
// of the snapshot are not store paths and are ignored.
CheckOutcome CheckMarkdownFiles(const std::filesystem::path& snapshot,
                                const std::vector<std::string>& touched,
                                const GateOptions& options);

// Structure of every touched Markdown file that exists: heading levels that do not skip,
// no empty sections, internal links (files and #anchors) that resolve in the snapshot.
CheckOutcome CheckMarkdownStructure(const std::filesystem::path& snapshot,
                                    const std::vector<std::string>& touched,
                                    const GateOptions& options);

}  // namespace l2mac::toolchains
