// The judge's verdict: per requirement of the program, implemented / partial / missing with
// the evidence the judge relied on, and the Features % it amounts to.
//
// Features % = 100 x (implemented + 0.5 x partial) / number of requirements: a partial
// requirement counts half, a missing one nothing (docs/CLI.md, docs/ARCHITECTURE.md).
//
// JSON form (submit_verdict's arguments, and what the judge_verdicts table stores):
// {"requirements": [{"id": "F1", "score": "implemented", "evidence": "app.py:12 ..."}]}.
// A judge asked to check consistency (the book domain) may add
// "inconsistencies": [{"what": "...", "evidence": "chapters/01.md:12; chapters/03.md:40"}]:
// contradictions between parts of the output (a name, a fact, a date). They do not change
// Features %, but a verdict with any is not settled: each becomes a follow-up instruction,
// and one still there at the end leaves the run's requirements unmet.
// Pure functions and plain values; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
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

// A contradiction the consistency check found, with the places it is seen.
struct Inconsistency {
  std::string what;      // what contradicts what, and which version should stand
  std::string evidence;  // the places, each as path:line (at least one)

  bool operator==(const Inconsistency&) const = default;
};

struct JudgeVerdict {
  std::vector<ScoredRequirement> requirements;  // in the program's requirement order
  std::vector<Inconsistency> inconsistencies;   // only from a consistency check

  // 0 to 100; 0 for a verdict without requirements.
  double FeaturesPct() const;
  // The requirements scored partial or missing, in order.
  std::vector<ScoredRequirement> Unmet() const;
  // Nothing to send back: every requirement implemented and no inconsistency.
  bool Settled() const { return Unmet().empty() && inconsistencies.empty(); }
  nlohmann::json ToJson() const;

  bool operator==(const JudgeVerdict&) const = default;
};

// Bounds on what a judge may send.
inline constexpr size_t kMaxEvidenceBytes = 2000;
inline constexpr size_t kMaxInconsistencies = 20;
inline constexpr size_t kMaxInconsistencyBytes = 600;  // an inconsistency's `what`

// Validates a verdict against the program's requirements: every requirement scored
// exactly once, no unknown id, a known score, evidence a string of at most
// kMaxEvidenceBytes (and present for every score). Ids match regardless of case; the
// result uses the program's ids and order. With `consistency`, an "inconsistencies" array
// is accepted: at most kMaxInconsistencies entries, each a non-empty `what` of at most
// kMaxInconsistencyBytes and evidence citing at least one path:line; without it, the key is
// refused. kInvalidArgument saying what to fix.
Result<JudgeVerdict> ParseVerdict(const nlohmann::json& json,
                                  const std::vector<registry::Requirement>& requirements,
                                  bool consistency = false);

// The path:line places `evidence` cites ("chapters/01.md:12" -> {"chapters/01.md", 12}),
// in order: a bare path has no blanks and ends in a name with an extension; a path in
// backticks (`my notes/ch 1.md:4`) may hold blanks and punctuation.
std::vector<std::pair<std::string, int>> CitedPlaces(const std::string& evidence);

}  // namespace l2mac::agents
