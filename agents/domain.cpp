#include "agents/domain.hpp"

namespace l2mac::agents {

const char* DomainName(Domain domain) {
  switch (domain) {
    case Domain::kCodebase:
      return "codebase";
    case Domain::kBook:
      return "book";
    case Domain::kCustom:
      return "custom";
  }
  return "codebase";
}

Result<Domain> ParseDomain(const std::string& name) {
  for (auto domain : {Domain::kCodebase, Domain::kBook, Domain::kCustom}) {
    if (name == DomainName(domain)) return domain;
  }
  return Status::InvalidArgument("unknown domain '" + name + "': choose codebase, book or custom");
}

}  // namespace l2mac::agents
