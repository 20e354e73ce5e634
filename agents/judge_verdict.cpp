#include "agents/judge_verdict.hpp"

#include <map>
#include <optional>

#include <re2/re2.h>

#include "core/text.hpp"

namespace l2mac::agents {
namespace {

std::string Upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

Result<RequirementScore> ParseScore(const nlohmann::json& value, const std::string& where) {
  if (value.is_string()) {
    for (auto score :
         {RequirementScore::kImplemented, RequirementScore::kPartial, RequirementScore::kMissing}) {
      if (value.get<std::string>() == RequirementScoreName(score)) return score;
    }
  }
  return Status::InvalidArgument(where +
                                 " has no valid \"score\": use \"implemented\", \"partial\" or "
                                 "\"missing\"");
}

// The "inconsistencies" of a consistency check's verdict (see ParseVerdict).
Result<std::vector<Inconsistency>> ParseInconsistencies(const nlohmann::json& list) {
  const std::string shape =
      "send \"inconsistencies\": [{\"what\": \"the captain is Mara Venn in chapter 1 but Mara "
      "Fenn in chapter 3; Venn stands\", \"evidence\": \"chapters/01.md:4; chapters/03.md:12\"}]";
  if (!list.is_array()) {
    return Status::InvalidArgument("\"inconsistencies\" is not an array: " + shape);
  }
  if (list.size() > kMaxInconsistencies) {
    return Status::InvalidArgument(
        "the verdict lists " + std::to_string(list.size()) + " inconsistencies: report at most " +
        std::to_string(kMaxInconsistencies) + ", the most serious first");
  }
  std::vector<Inconsistency> found;
  for (size_t n = 0; n < list.size(); ++n) {
    const auto& item = list[n];
    const std::string where = "inconsistency " + std::to_string(n + 1);
    auto text = [&](const char* key) -> std::string {
      if (!item.is_object() || !item.contains(key) || !item[key].is_string()) return "";
      return item[key].get<std::string>();
    };
    Inconsistency inconsistency{text("what"), text("evidence")};
    if (inconsistency.what.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Status::InvalidArgument(where + " has no \"what\": " + shape);
    }
    if (inconsistency.what.size() > kMaxInconsistencyBytes) {
      return Status::InvalidArgument(
          where + "'s \"what\" has " + std::to_string(inconsistency.what.size()) +
          " bytes: keep it under " + std::to_string(kMaxInconsistencyBytes) + " bytes");
    }
    if (inconsistency.evidence.size() > kMaxEvidenceBytes) {
      return Status::InvalidArgument(
          where + " has " + std::to_string(inconsistency.evidence.size()) +
          " bytes of evidence: keep it under " + std::to_string(kMaxEvidenceBytes) + " bytes");
    }
    if (CitedPlaces(inconsistency.evidence).empty()) {
      return Status::InvalidArgument(where +
                                     "'s evidence cites no place: name each place as path:line "
                                     "(for example chapters/01.md:4)");
    }
    found.push_back(std::move(inconsistency));
  }
  return found;
}

}  // namespace

std::vector<std::pair<std::string, int>> CitedPlaces(const std::string& evidence) {
  // RE2: linear time in the evidence, which a model wrote. Either `path:line` in backticks
  // (the path may then hold blanks and punctuation), or a bare path: no blanks, quotes,
  // colons or list punctuation, ending in name.extension (a letter first); then :line.
  static const RE2 kPlace(
      R"(`([^`\n:]+):([0-9]{1,7})`|([^\s:;,()\[\]"'`]*[^\s:;,()\[\]"'`.]\.[A-Za-z][A-Za-z0-9]*):)"
      R"(([0-9]{1,7}))");
  std::vector<std::pair<std::string, int>> places;
  re2::StringPiece input(evidence);
  std::string quoted_path, quoted_line, bare_path, bare_line;
  while (RE2::FindAndConsume(&input, kPlace, &quoted_path, &quoted_line, &bare_path, &bare_line)) {
    const bool quoted = !quoted_path.empty();
    places.emplace_back(quoted ? quoted_path : bare_path,
                        std::stoi(quoted ? quoted_line : bare_line));
  }
  return places;
}

const char* RequirementScoreName(RequirementScore score) {
  switch (score) {
    case RequirementScore::kImplemented:
      return "implemented";
    case RequirementScore::kPartial:
      return "partial";
    case RequirementScore::kMissing:
      return "missing";
  }
  return "missing";
}

double JudgeVerdict::FeaturesPct() const {
  if (requirements.empty()) return 0.0;
  double points = 0.0;
  for (const auto& requirement : requirements) {
    if (requirement.score == RequirementScore::kImplemented) points += 1.0;
    if (requirement.score == RequirementScore::kPartial) points += 0.5;
  }
  return 100.0 * points / static_cast<double>(requirements.size());
}

std::vector<ScoredRequirement> JudgeVerdict::Unmet() const {
  std::vector<ScoredRequirement> unmet;
  for (const auto& requirement : requirements) {
    if (requirement.score != RequirementScore::kImplemented) unmet.push_back(requirement);
  }
  return unmet;
}

nlohmann::json JudgeVerdict::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& requirement : requirements) {
    list.push_back({{"id", requirement.id},
                    {"score", RequirementScoreName(requirement.score)},
                    {"evidence", requirement.evidence}});
  }
  nlohmann::json json = {{"requirements", list}};
  if (!inconsistencies.empty()) {
    nlohmann::json found = nlohmann::json::array();
    for (const auto& inconsistency : inconsistencies) {
      found.push_back({{"what", inconsistency.what}, {"evidence", inconsistency.evidence}});
    }
    json["inconsistencies"] = std::move(found);
  }
  return json;
}

Result<JudgeVerdict> ParseVerdict(const nlohmann::json& json,
                                  const std::vector<registry::Requirement>& requirements,
                                  bool consistency) {
  const std::string shape =
      "send {\"requirements\": [{\"id\": \"F1\", \"score\": \"implemented\", \"evidence\": "
      "\"app.py:12 ...\"}, ...]} with every requirement once";
  if (!json.is_object() || !json.contains("requirements") || !json["requirements"].is_array()) {
    return Status::InvalidArgument("the verdict has no \"requirements\" array: " + shape);
  }
  const auto& list = json["requirements"];
  if (list.size() > requirements.size() + 20) {
    return Status::InvalidArgument("the verdict lists " + std::to_string(list.size()) +
                                   " entries for " + std::to_string(requirements.size()) +
                                   " requirements: score each requirement once");
  }
  std::map<std::string, size_t> position;  // upper-cased id -> index in `requirements`
  for (size_t i = 0; i < requirements.size(); ++i) position[Upper(requirements[i].id)] = i;
  std::vector<std::optional<ScoredRequirement>> scored(requirements.size());
  for (size_t n = 0; n < list.size(); ++n) {
    const auto& item = list[n];
    std::string where = "verdict entry " + std::to_string(n + 1);
    if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) {
      return Status::InvalidArgument(where + " has no string \"id\": " + shape);
    }
    const std::string id = item["id"].get<std::string>();
    where = "the verdict on '" + TruncateUtf8(id, 40) + "'";
    auto it = position.find(Upper(id));
    if (it == position.end()) {
      return Status::InvalidArgument(where +
                                     " names no requirement of the program: score only "
                                     "the listed requirements");
    }
    if (scored[it->second]) {
      return Status::InvalidArgument(where + " is given twice: score each requirement once");
    }
    L2MAC_ASSIGN_OR_RETURN(RequirementScore score,
                           ParseScore(item.value("score", nlohmann::json()), where));
    if (!item.contains("evidence") || !item["evidence"].is_string() ||
        item["evidence"].get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos) {
      return Status::InvalidArgument(where +
                                     " has no \"evidence\": name the files and lines (path:line) "
                                     "and tests you relied on, or what is lacking");
    }
    std::string evidence = item["evidence"].get<std::string>();
    if (evidence.size() > kMaxEvidenceBytes) {
      return Status::InvalidArgument(where + " has " + std::to_string(evidence.size()) +
                                     " bytes of evidence: keep it under " +
                                     std::to_string(kMaxEvidenceBytes) + " bytes");
    }
    scored[it->second] = ScoredRequirement{requirements[it->second].id, score, std::move(evidence)};
  }
  JudgeVerdict verdict;
  std::vector<std::string> unscored;
  for (size_t i = 0; i < requirements.size(); ++i) {
    if (scored[i]) {
      verdict.requirements.push_back(std::move(*scored[i]));
    } else {
      unscored.push_back(requirements[i].id);
    }
  }
  if (!unscored.empty()) {
    std::string names;
    for (size_t i = 0; i < unscored.size() && i < 20; ++i) {
      names += (i ? ", " : "") + unscored[i];
    }
    if (unscored.size() > 20) names += " and " + std::to_string(unscored.size() - 20) + " more";
    return Status::InvalidArgument("the verdict does not score " + names +
                                   ": score every requirement once");
  }
  if (json.contains("inconsistencies")) {
    if (!consistency) {
      return Status::InvalidArgument(
          "this verdict takes no \"inconsistencies\": score the requirements only");
    }
    L2MAC_ASSIGN_OR_RETURN(verdict.inconsistencies, ParseInconsistencies(json["inconsistencies"]));
  }
  return verdict;
}

}  // namespace l2mac::agents
