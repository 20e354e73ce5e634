#include "agents/toolchains/requirement_tests.hpp"

#include <cctype>

namespace l2mac::toolchains {
namespace {

bool IsWordByte(char c) {
  // Bytes of multi-byte UTF-8 sequences count as word characters: a letter like "é" glued
  // to an id makes it part of a longer word.
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x80 || std::isalnum(byte);
}

bool EqualIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Whether `id` occurs in `name` as a word of its own.
bool NamesId(std::string_view name, std::string_view id) {
  if (id.empty() || id.size() > name.size()) return false;
  for (size_t at = 0; at + id.size() <= name.size(); ++at) {
    if (at > 0 && IsWordByte(name[at - 1])) continue;
    const size_t end = at + id.size();
    if (end < name.size() && IsWordByte(name[end])) continue;
    if (EqualIgnoringCase(name.substr(at, id.size()), id)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> RequirementsNamedBy(std::string_view test_name,
                                             const std::vector<std::string>& requirement_ids) {
  std::vector<std::string> named;
  for (const auto& id : requirement_ids) {
    if (NamesId(test_name, id)) named.push_back(id);
  }
  return named;
}

std::vector<RequirementTest> MatchRequirementTests(
    const std::vector<ProfileTests>& runs, const std::vector<std::string>& requirement_ids) {
  std::vector<RequirementTest> matches;
  if (requirement_ids.empty()) return matches;
  for (const auto& run : runs) {
    for (const auto& test : run.tests) {
      for (const auto& id : RequirementsNamedBy(test.name, requirement_ids)) {
        matches.push_back({id, run.profile, test.id, test.name, test.file, test.outcome});
      }
    }
  }
  return matches;
}

}  // namespace l2mac::toolchains
