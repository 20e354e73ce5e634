// The imperfect simulated model (header-only test support): a task-solving model whose
// worker implements its instruction's requirement only with a given probability, and whose
// judge decides from what it reads in the store.
//
// The task has requirements R1..Rn, one instruction per requirement ("1".."n", instruction
// k covering Rk). A worker for an instruction covering Rk (its own, or a judge's follow-up
// "judge<r>-Rk") writes features/rk.py holding IMPLEMENTED = 'Rk' when a seeded hash of
// (seed, instruction id) falls below the probability, and TODO = 'Rk' otherwise, then calls
// step_complete: the checks pass either way, as a plausible but unfinished change does.
// The judge searches the store for IMPLEMENTED markers and scores each requirement
// implemented when its marker is found (with the path:line it found), missing otherwise.
//
// Deterministic: every reply is a function of the request and the seed, so Implements()
// predicts each attempt's outcome and a test can compute the expected Features % of each
// round from it. Threads: as ScriptedModel (no state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/scenarios/scripted_model.hpp"

namespace l2mac::scenario {

struct ImperfectModel {
  int requirements = 10;
  double probability = 0.6;
  uint64_t seed = 1;

  static std::string RequirementId(int k) { return "R" + std::to_string(k); }

  // The requirement an instruction covers: "k" -> Rk, "judge<r>-Rk" -> Rk.
  static std::string CoveredBy(const std::string& instruction_id) {
    size_t dash = instruction_id.rfind('-');
    if (dash != std::string::npos) return instruction_id.substr(dash + 1);
    return "R" + instruction_id;
  }

  // Whether the worker of `instruction_id` implements its requirement (FNV-1a of the seed
  // and the id, as a fraction of 2^64, against the probability).
  bool Implements(const std::string& instruction_id) const {
    uint64_t hash = 1469598103934665603ull;
    const std::string key = std::to_string(seed) + ":" + instruction_id;
    for (unsigned char c : key) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
    // Mix the low bits up, since FNV's top bits change little with the last byte.
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
    return static_cast<double>(hash) / 18446744073709551616.0 < probability;
  }

  std::string Spec() const {
    std::string spec = "Build a library of numbered features.\n\n";
    for (int k = 1; k <= requirements; ++k) {
      spec += RequirementId(k) + ". Feature " + std::to_string(k) + " exists.\n";
    }
    return spec;
  }

  ScriptedModel Model() const {
    ScriptedModel model;
    json reqs = json::array();
    json steps = json::array();
    for (int k = 1; k <= requirements; ++k) {
      reqs.push_back(
          {{"id", RequirementId(k)}, {"text", "Feature " + std::to_string(k) + " exists."}});
      steps.push_back({{"id", std::to_string(k)},
                       {"text", "Implement feature " + std::to_string(k) + " in features/r" +
                                    std::to_string(k) + ".py."},
                       {"covers", {RequirementId(k)}}});
    }
    model.plan = {{"requirements", reqs}, {"instructions", steps}};
    ImperfectModel self = *this;
    model.judge = [self](const ModelRequest& request) { return self.Judge(request); };
    model.intercept = [self](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
      if (request.IsPlanner() || request.IsJudge()) return std::nullopt;
      const std::string id = request.InstructionId();
      if (id.empty()) return NoReply("a request outside an instruction");
      if (request.IsSummaryRequest()) return sim::TextReply("Wrote the feature file.");
      const std::string requirement = CoveredBy(id);
      std::string name = requirement;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (request.AssistantTurns() == 0) {
        const bool done = self.Implements(id);
        return WriteFile("features/" + name + ".py", std::string(done ? "IMPLEMENTED" : "TODO") +
                                                         " = '" + requirement + "'\n")(request);
      }
      return StepComplete("features/" + name + ".py is written.")(request);
    };
    return model;
  }

  // Turn 0: search the store for the markers; then the verdict from what the search found.
  sim::SimReply Judge(const ModelRequest& request) const {
    if (request.AssistantTurns() == 0) {
      return Tool("search_files", {{"pattern", "IMPLEMENTED = '"}, {"max_results", 200}})(request);
    }
    json found = request.LastToolResult().value_or(json::object());
    json list = json::array();
    for (const auto& id : request.JudgedRequirementIds()) {
      std::string evidence;
      if (found.contains("matches") && found["matches"].is_array()) {
        for (const auto& match : found["matches"]) {
          if (match.value("text", "").find("'" + id + "'") != std::string::npos) {
            evidence = match.value("path", "") + ":" + std::to_string(match.value("line", 0)) +
                       " sets the IMPLEMENTED marker";
          }
        }
      }
      list.push_back({{"id", id},
                      {"score", evidence.empty() ? "missing" : "implemented"},
                      {"evidence", evidence.empty() ? "no IMPLEMENTED = '" + id +
                                                          "' marker in the store (searched "
                                                          "every file)"
                                                    : evidence}});
    }
    return Tool("submit_verdict", {{"requirements", list}})(request);
  }

  // The Features % the judge should report after each round, from Implements(): round 1
  // scores the program's attempts, round r+1 adds the follow-ups "judge<r>-Rk" of the
  // requirements still missing. `rounds` verdicts in all.
  std::vector<double> ExpectedFeaturesPct(int rounds) const {
    std::vector<bool> met(static_cast<size_t>(requirements) + 1, false);
    for (int k = 1; k <= requirements; ++k) met[k] = Implements(std::to_string(k));
    std::vector<double> figures;
    for (int round = 1; round <= rounds; ++round) {
      if (round > 1) {
        for (int k = 1; k <= requirements; ++k) {
          if (!met[k])
            met[k] = Implements("judge" + std::to_string(round - 1) + "-R" + std::to_string(k));
        }
      }
      int count = 0;
      for (int k = 1; k <= requirements; ++k) count += met[k] ? 1 : 0;
      figures.push_back(100.0 * count / requirements);
    }
    return figures;
  }
};

}  // namespace l2mac::scenario
