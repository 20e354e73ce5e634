// The requirements an instruction covers, as the worker's prompt lists them: one
// "- F3: text" line each, every line and the whole list bounded, so a program with many
// or long requirements cannot crowd out the rest of the context. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "registry/requirements.hpp"

namespace l2mac::agents {

// Each text is cut to `max_line_bytes`; once `max_bytes` is reached the remaining
// requirements are listed by id only ("(also: F7, F8)").
std::string FormatRequirementList(const std::vector<registry::Requirement>& requirements,
                                  size_t max_bytes = 4000, size_t max_line_bytes = 300);

}  // namespace l2mac::agents
