// The imperfect simulated model (header-only test support): a task-solving model whose
// worker implements its instruction's requirement only with a given probability, and whose
// judge decides from what it reads in the store.
//
// The task's requirements are the spec's "- ID: text" lines (the shipped evaluation specs,
// examples/eval/*.md, have them: "- F1a: ..."); a spec without such lines gets the fixed
// requirements R1..Rn of Spec(). The planner submits one instruction per requirement
// ("1".."n", instruction k covering the k-th), or, for a spec's, one per
// `per_instruction` consecutive requirements. A worker reads the requirements it covers
// from its prompt ("# Requirements your instruction covers"), its own instruction's or a
// judge's follow-up "judge<r>-ID"'s, and for each writes features/<id>.py: when a seeded
// hash of (seed, AttemptKey) falls below the probability, the file starts with
// IMPLEMENTED = 'ID' and holds a function, and tests/test_<id>.py tests it
// (test_ID_is_implemented); otherwise the file holds TODO = 'ID' and no test comes with it. Some
// implemented files (another hash, below `lint_probability`) also hold an unused import, which
// pyflakes reports but the gate, which refuses only undefined names, lets through. Then it calls
// step_complete: the checks pass either way, as a plausible but unfinished change does. The judge
// searches the store for IMPLEMENTED markers and scores each requirement implemented when its
// marker is found (with the path:line it found), missing otherwise.
//
// The seed is the request body's "seed" when it has one (what `l2mac eval` sends through
// model.extra_body), else `seed`. Deterministic: every reply is a function of the request
// and the seed, so Implements() predicts each attempt's outcome and a test can compute the
// expected Features % of each round from it. Threads: as ScriptedModel (no state).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/scenarios/scripted_model.hpp"

namespace l2mac::scenario {

struct ImperfectModel {
  int requirements = 10;
  double probability = 0.6;
  uint64_t seed = 1;
  double lint_probability = 0.25;
  // Requirements per instruction of a spec-driven plan: consecutive ones share an
  // instruction (fewer instructions, so fewer gates, for a faster scenario).
  int per_instruction = 1;

  static std::string RequirementId(int k) { return "R" + std::to_string(k); }

  // The requirement an instruction covers: "k" -> Rk, "judge<r>-Rk" -> Rk.
  static std::string CoveredBy(const std::string& instruction_id) {
    size_t dash = instruction_id.rfind('-');
    if (dash != std::string::npos) return instruction_id.substr(dash + 1);
    return "R" + instruction_id;
  }

  // A fraction in [0, 1) from FNV-1a of the seed and `key`.
  static double Fraction(uint64_t seed, const std::string& key) {
    uint64_t hash = 1469598103934665603ull;
    const std::string text = std::to_string(seed) + ":" + key;
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
    // Mix the low bits up, since FNV's top bits change little with the last byte.
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
    return static_cast<double>(hash) / 18446744073709551616.0;
  }

  // What one attempt at a requirement is keyed by: the instruction id when the instruction
  // covers that requirement alone, else "<instruction>:<requirement>".
  static std::string AttemptKey(const std::string& instruction_id, const std::string& requirement,
                                size_t covered) {
    return covered == 1 ? instruction_id : instruction_id + ":" + requirement;
  }

  // Whether the attempt keyed `instruction_id` (an AttemptKey) succeeds, under `seed`.
  bool Implements(const std::string& instruction_id, uint64_t with_seed) const {
    return Fraction(with_seed, instruction_id) < probability;
  }
  bool Implements(const std::string& instruction_id) const {
    return Implements(instruction_id, seed);
  }
  // Whether an implemented file of `instruction_id` also holds an unused import.
  bool Lints(const std::string& instruction_id, uint64_t with_seed) const {
    return Fraction(with_seed, "lint:" + instruction_id) < lint_probability;
  }

  uint64_t SeedOf(const ModelRequest& request) const {
    auto it = request.body().find("seed");
    return it != request.body().end() && it->is_number_unsigned() ? it->get<uint64_t>() : seed;
  }

  // The "- ID: text" lines of `text` between `from` and `to` (to: the end when absent), ID
  // a requirement id (a letter, then letters and digits).
  static std::vector<std::pair<std::string, std::string>> ListedRequirements(
      const std::string& text, const std::string& from, const std::string& to) {
    std::vector<std::pair<std::string, std::string>> found;
    size_t start = text.find(from);
    if (start == std::string::npos) return found;
    size_t end = to.empty() ? std::string::npos : text.find(to, start);
    if (end == std::string::npos) end = text.size();
    size_t line = text.find("\n- ", start);
    while (line != std::string::npos && line < end) {
      size_t id_start = line + 3;
      size_t id_end = id_start;
      while (id_end < text.size() && std::isalnum(static_cast<unsigned char>(text[id_end]))) {
        ++id_end;
      }
      const bool is_id = id_end > id_start && id_end < text.size() && text[id_end] == ':' &&
                         std::isalpha(static_cast<unsigned char>(text[id_start]));
      size_t eol = text.find('\n', id_start);
      if (eol == std::string::npos) eol = text.size();
      if (is_id) {
        std::string body = text.substr(id_end + 1, eol - id_end - 1);
        size_t first = body.find_first_not_of(' ');
        found.emplace_back(text.substr(id_start, id_end - id_start),
                           first == std::string::npos ? "" : body.substr(first));
      }
      line = text.find("\n- ", eol);
    }
    return found;
  }

  // The requirements of the spec the planner is given (empty: the spec has no "- ID:"
  // lines, and the fixed R1..Rn plan answers).
  static std::vector<std::pair<std::string, std::string>> PlannedRequirements(
      const ModelRequest& request) {
    for (const auto& message : request.messages()) {
      if (ModelRequest::RoleOf(message) != "user") continue;
      auto found =
          ListedRequirements(ModelRequest::ContentOf(message), "# Task", "# Files already in");
      if (!found.empty()) return found;
    }
    return {};
  }

  // The requirements a worker's prompt says its instruction covers (empty when none).
  static std::vector<std::string> WorkerRequirements(const ModelRequest& request) {
    std::vector<std::string> ids;
    for (const auto& message : request.messages()) {
      if (ModelRequest::RoleOf(message) != "user") continue;
      for (const auto& [id, text] : ListedRequirements(
               ModelRequest::ContentOf(message), "# Requirements your instruction covers", "")) {
        ids.push_back(id);
      }
      if (!ids.empty()) break;
    }
    return ids;
  }

  static json PlanFor(const std::vector<std::pair<std::string, std::string>>& listed,
                      int per_instruction) {
    const size_t per = static_cast<size_t>(std::max(1, per_instruction));
    json reqs = json::array();
    json steps = json::array();
    for (const auto& [id, text] : listed) reqs.push_back({{"id", id}, {"text", text}});
    for (size_t first = 0; first < listed.size(); first += per) {
      json covers = json::array();
      std::string what;
      for (size_t k = first; k < std::min(listed.size(), first + per); ++k) {
        covers.push_back(listed[k].first);
        what += (what.empty() ? "" : "; ") + listed[k].first + " (" + listed[k].second + ")";
      }
      steps.push_back({{"id", std::to_string(first / per + 1)},
                       {"text", "Implement " + what + " in features/, one module each."},
                       {"covers", covers}});
    }
    return {{"requirements", reqs}, {"instructions", steps}};
  }

  static std::string Lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  }

  std::string Spec() const {
    std::string spec = "Build a library of numbered features.\n\n";
    for (int k = 1; k <= requirements; ++k) {
      spec += RequirementId(k) + ". Feature " + std::to_string(k) + " exists.\n";
    }
    return spec;
  }

  // The worker's first reply: for each requirement it covers, the feature file, and its
  // test when it is implemented.
  sim::SimReply WriteFeatures(const ModelRequest& request, const std::string& instruction_id,
                              const std::vector<std::string>& covered) const {
    const uint64_t with_seed = SeedOf(request);
    std::vector<ToolUse> writes;
    for (const auto& requirement : covered) {
      const std::string key = AttemptKey(instruction_id, requirement, covered.size());
      const std::string name = Lower(requirement);
      const std::string module = "features/" + name + ".py";
      if (!Implements(key, with_seed)) {
        writes.push_back(WriteFileUse(module, "TODO = '" + requirement + "'\n"));
        continue;
      }
      std::string code = "IMPLEMENTED = '" + requirement + "'\n";
      if (Lints(key, with_seed)) code += "import os\n";
      code += "\n\ndef feature_" + name + "():\n    return IMPLEMENTED\n";
      writes.push_back(WriteFileUse(module, code));
      writes.push_back(WriteFileUse(
          "tests/test_" + name + ".py",
          "from features." + name + " import feature_" + name + "\n\n\ndef test_" + requirement +
              "_is_implemented():\n    assert feature_" + name + "() == '" + requirement + "'\n"));
    }
    return Tools(std::move(writes))(request);
  }

  ScriptedModel Model() const {
    ScriptedModel model;
    std::vector<std::pair<std::string, std::string>> fixed;
    for (int k = 1; k <= requirements; ++k) {
      fixed.emplace_back(RequirementId(k), "Feature " + std::to_string(k) + " exists.");
    }
    model.plan = PlanFor(fixed, 1);
    ImperfectModel self = *this;
    model.judge = [self](const ModelRequest& request) { return self.Judge(request); };
    model.intercept = [self](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
      if (request.IsJudge() || request.IsAnalysis()) return std::nullopt;
      if (request.IsPlanner()) {
        auto listed = PlannedRequirements(request);
        if (listed.empty()) return std::nullopt;  // the fixed plan
        return Tool("submit_plan", PlanFor(listed, self.per_instruction))(request);
      }
      const std::string id = request.InstructionId();
      if (id.empty()) return NoReply("a request outside an instruction");
      if (request.IsSummaryRequest()) return sim::TextReply("Wrote the feature file.");
      std::vector<std::string> covered = WorkerRequirements(request);
      if (covered.empty()) covered.push_back(CoveredBy(id));
      if (request.AssistantTurns() == 0) return self.WriteFeatures(request, id, covered);
      return StepComplete("The feature files are written.")(request);
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

  // The key of the program's attempt at the k-th of `ids` (0-based), as planned from them
  // (the fixed plan: one requirement per instruction).
  std::string FirstAttemptKey(const std::vector<std::string>& ids, size_t k) const {
    const size_t per = static_cast<size_t>(std::max(1, per_instruction));
    const size_t first = k / per * per;
    const size_t covered = std::min(ids.size(), first + per) - first;
    return AttemptKey(std::to_string(k / per + 1), ids[k], covered);
  }

  // The Features % the judge should report after each round, from Implements(): round 1
  // scores the program's attempts, round r+1 adds the follow-ups "judge<r>-ID" of the
  // requirements still missing. `rounds` verdicts in all. `ids`: the spec's requirements in
  // order (empty: R1..Rn); `with_seed`: the seed the requests carry (unset: `seed`).
  std::vector<double> ExpectedFeaturesPct(int rounds, std::vector<std::string> ids = {},
                                          std::optional<uint64_t> with_seed = {}) const {
    const bool fixed = ids.empty();  // the fixed plan: one requirement per instruction
    if (fixed) {
      for (int k = 1; k <= requirements; ++k) ids.push_back(RequirementId(k));
    }
    const uint64_t used = with_seed.value_or(seed);
    std::vector<bool> met(ids.size(), false);
    for (size_t k = 0; k < ids.size(); ++k)
      met[k] = Implements(fixed ? std::to_string(k + 1) : FirstAttemptKey(ids, k), used);
    std::vector<double> figures;
    for (int round = 1; round <= rounds; ++round) {
      if (round > 1) {
        for (size_t k = 0; k < ids.size(); ++k) {
          if (!met[k])
            met[k] = Implements("judge" + std::to_string(round - 1) + "-" + ids[k], used);
        }
      }
      size_t count = 0;
      for (bool one : met) count += one ? 1 : 0;
      figures.push_back(100.0 * static_cast<double>(count) / static_cast<double>(ids.size()));
    }
    return figures;
  }
};

}  // namespace l2mac::scenario
