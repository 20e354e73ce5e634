#include "core/llm/model_quirks.hpp"

#include <cctype>

namespace l2mac::llm {
namespace {

bool MatchesPrefix(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return false;
  if (name.size() == prefix.size()) return true;
  return std::isalnum(static_cast<unsigned char>(name[prefix.size()])) == 0;
}

}  // namespace

const std::vector<ModelQuirks>& ModelQuirkTable() {
  static const std::vector<ModelQuirks> kTable = {
      {"o1", "OpenAI reasoning (o-series)", true, true},
      {"o3", "OpenAI reasoning (o-series)", true, true},
      {"o4-mini", "OpenAI reasoning (o-series)", true, true},
      {"gpt-5", "OpenAI GPT-5 family", true, true},
  };
  return kTable;
}

const ModelQuirks* FindModelQuirks(std::string_view model) {
  // OpenRouter and similar routers name models "vendor/model".
  const size_t slash = model.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? model : model.substr(slash + 1);
  for (const ModelQuirks& row : ModelQuirkTable()) {
    if (MatchesPrefix(name, row.prefix)) return &row;
  }
  return nullptr;
}

}  // namespace l2mac::llm
