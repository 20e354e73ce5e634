// The judge's verdict: per requirement of the program, implemented / partial / missing with
// the evidence the judge relied on, and the Features % it amounts to.
//
// Features % = 100 x (implemented + 0.5 x partial) / number of requirements: a partial
// requirement counts half, a missing one nothing (docs/CLI.md, docs/ARCHITECTURE.md).
//
// JSON form (submit_verdict's arguments, and what the judge_verdicts table stores):
// {"requirements": [{"id": "F1", "score": "implemented", "evidence": "app.py:12 ..."}]}.
// Pure functions and plain values; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.hpp"
#include "registry/requirements.hpp"

namespace l2mac::agents {

enum class RequirementScore { kImplemented, kPartial, kMissing };

const char* RequirementScoreName(RequirementScore score);  // "implemented", ...

struct ScoredRequirement {
  std::string id;
  RequirementScore score = RequirementScore::kMissing;
  std::string evidence;  // file:line and test names; for an unmet one, what is lacking

  bool operator==(const ScoredRequirement&) const = default;
};

struct JudgeVerdict {
  std::vector<ScoredRequirement> requirements;  // in the program's requirement order

  // 0 to 100; 0 for a verdict without requirements.
  double FeaturesPct() const;
  // The requirements scored partial or missing, in order.
  std::vector<ScoredRequirement> Unmet() const;
  nlohmann::json ToJson() const;

  bool operator==(const JudgeVerdict&) const = default;
};

// Bounds on what a judge may send.
inline constexpr size_t kMaxEvidenceBytes = 2000;

// Validates a verdict against the program's requirements: every requirement scored
// exactly once, no unknown id, a known score, evidence a string of at most
// kMaxEvidenceBytes (and present for every score). Ids match regardless of case; the
// result uses the program's ids and order. kInvalidArgument saying what to fix.
Result<JudgeVerdict> ParseVerdict(const nlohmann::json& json,
                                  const std::vector<registry::Requirement>& requirements);

}  // namespace l2mac::agents
