#include "agents/requirement_list.hpp"

#include "core/text.hpp"

namespace l2mac::agents {

std::string FormatRequirementList(const std::vector<registry::Requirement>& requirements,
                                  size_t max_bytes, size_t max_line_bytes) {
  std::string list;
  size_t shown = 0;
  for (; shown < requirements.size(); ++shown) {
    const auto& requirement = requirements[shown];
    std::string text = requirement.text.substr(0, requirement.text.find('\n'));
    if (text.size() > max_line_bytes) text = TruncateUtf8(text, max_line_bytes);  // ends "..."
    std::string line = "- " + requirement.id + ": " + text + "\n";
    if (!list.empty() && list.size() + line.size() > max_bytes) break;
    list += line;
  }
  if (shown < requirements.size()) {
    // Ids are at most 16 bytes and a program has at most 500, so this stays bounded.
    list += "(also:";
    for (size_t i = shown; i < requirements.size(); ++i) {
      list += (i == shown ? " " : ", ") + requirements[i].id;
    }
    list += ")\n";
  }
  if (!list.empty()) list.pop_back();  // the template supplies the line breaks around it
  return list;
}

}  // namespace l2mac::agents
