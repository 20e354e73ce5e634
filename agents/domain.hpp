// What kind of output a run produces; it picks the prompts and the gate.
#pragma once

#include <string>

#include "core/status.hpp"

namespace l2mac::agents {

enum class Domain {
  kCodebase,  // a multi-file program with tests (the default)
  kBook,      // long-form Markdown: chapters, reports, manuals
  kCustom,    // the user's own prompt templates; checks as for a codebase
};

const char* DomainName(Domain domain);
// "codebase", "book" or "custom"; anything else is kInvalidArgument listing the choices.
Result<Domain> ParseDomain(const std::string& name);

}  // namespace l2mac::agents
