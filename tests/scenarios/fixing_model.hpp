// The fixing simulated model (header-only test support): a worker that makes a mistake its
// checks catch, and fixes it on each later attempt only with a probability, higher when the
// failure analysis (agents/failure_analysis.hpp) named the cause.
//
// The program has instructions "1".."n". Instruction k writes fk.py with VALUE = 7k + 1 and
// test_fk.py asserting VALUE == 7k, then calls step_complete: pytest fails. After each
// refused step the worker rewrites fk.py, with the right value when a seeded draw u(seed,
// id, attempt) falls below the probability (`p_with_analysis` when the result it got holds
// an "analysis" naming fk.py and VALUE, `p_without` otherwise), else with another wrong one,
// and calls step_complete again. The analyst reads the changed files and the check output
// it is given and names the file, the value it holds and what the test expects.
//
// Deterministic: the draw is shared by both modes, so an instruction never needs more
// attempts with the analysis than without, and Attempts() predicts each instruction's
// attempts (checks run) for a test to compare with the run. Threads: as ScriptedModel (no
// state).
#pragma once

#include <cstdint>
#include <string>

#include "tests/scenarios/scripted_model.hpp"

namespace l2mac::scenario {

struct FixingModel {
  int instructions = 6;
  double p_without = 0.35;
  double p_with_analysis = 0.85;
  int max_attempts = 4;  // --max-attempts (the default)
  uint64_t seed = 1;

  static int Right(int k) { return 7 * k; }
  static std::string Module(int k) { return "f" + std::to_string(k); }

  // The uniform draw of attempt `attempt` (the refused step it answers, from 1) of `id`.
  double Draw(const std::string& id, int attempt) const {
    uint64_t hash = 1469598103934665603ull;
    const std::string key = std::to_string(seed) + ":" + id + ":" + std::to_string(attempt);
    for (unsigned char c : key) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
    return static_cast<double>(hash) / 18446744073709551616.0;
  }

  bool Fixes(const std::string& id, int attempt, bool analysed) const {
    return Draw(id, attempt) < (analysed ? p_with_analysis : p_without);
  }

  // The checks instruction `id` runs: the first always fails; after refusal r the fix
  // lands with Fixes(id, r); at most max_attempts (then the instruction fails).
  int Attempts(const std::string& id, bool analysed) const {
    for (int refused = 1; refused < max_attempts; ++refused) {
      if (Fixes(id, refused, analysed)) return refused + 1;
    }
    return max_attempts;
  }
  // Whether the instruction commits: a fix lands before the last attempt's check.
  bool Commits(const std::string& id, bool analysed) const {
    for (int refused = 1; refused < max_attempts; ++refused) {
      if (Fixes(id, refused, analysed)) return true;
    }
    return false;
  }
  // The analyses made: one per refused step except the one that ends the instruction.
  int Analyses(const std::string& id) const {
    return Commits(id, true) ? Attempts(id, true) - 1 : max_attempts - 1;
  }

  std::string Spec() const {
    return "Write " + std::to_string(instructions) +
           " small Python modules, each with a VALUE and a test.\n";
  }

  ScriptedModel Model() const {
    ScriptedModel model;
    std::vector<json> steps;
    for (int k = 1; k <= instructions; ++k) {
      steps.push_back(PlanStep(std::to_string(k), "Write " + Module(k) + ".py with VALUE = " +
                                                      std::to_string(Right(k)) + " and its test."));
    }
    model.plan = PlanOf(steps);
    FixingModel self = *this;
    model.analysis = [](const ModelRequest& request) { return Analyse(request); };
    model.intercept = [self](const ModelRequest& request, size_t) -> std::optional<sim::SimReply> {
      if (request.IsPlanner() || request.IsJudge() || request.IsAnalysis()) return std::nullopt;
      return self.Work(request);
    };
    return model;
  }

  sim::SimReply Work(const ModelRequest& request) const {
    const std::string id = request.InstructionId();
    if (id.empty()) return NoReply("a request outside an instruction");
    if (request.IsSummaryRequest()) return sim::TextReply("Wrote the module and its test.");
    const int k = std::stoi(id);
    const std::string module = Module(k);
    const int turn = request.AssistantTurns();
    if (turn % 2 == 1) return StepComplete(module + ".py holds VALUE.")(request);
    if (turn == 0) {
      return Tools({WriteFileUse(module + ".py", "VALUE = " + std::to_string(Right(k) + 1) + "\n"),
                    WriteFileUse("test_" + module + ".py",
                                 PythonTestOf(module, "def test_value():\n    assert VALUE == " +
                                                          std::to_string(Right(k)) + "\n"))})(
          request);
    }
    // Turn 2r answers the r-th refused step.
    const int refused = turn / 2;
    json last = request.LastToolResult().value_or(json::object());
    const std::string analysis = last.is_object() ? last.value("analysis", "") : "";
    const bool analysed = analysis.find(module + ".py") != std::string::npos &&
                          analysis.find("VALUE") != std::string::npos;
    const int value = Fixes(id, refused, analysed) ? Right(k) : Right(k) + 1 + refused;
    return WriteFile(module + ".py", "VALUE = " + std::to_string(value) + "\n")(request);
  }

  // The analyst: the "VALUE = N" line of the changed module and the expectation of the
  // failing assertion, both read from the request.
  static sim::SimReply Analyse(const ModelRequest& request) {
    std::string text;
    for (const auto& message : request.messages()) {
      if (ModelRequest::RoleOf(message) == "user") text = ModelRequest::ContentOf(message);
    }
    std::string module;
    std::string holds;
    for (size_t at = text.find("## f"); at != std::string::npos; at = text.find("## f", at + 1)) {
      size_t end = text.find('\n', at);
      std::string path = text.substr(at + 3, end - at - 3);
      size_t value = text.find("VALUE = ", end);
      if (path.find(".py") == std::string::npos || value == std::string::npos) continue;
      module = path;
      holds = text.substr(value + 8, text.find('\n', value) - value - 8);
      break;
    }
    std::string expects;
    if (size_t at = text.find("assert VALUE == "); at != std::string::npos) {
      expects = text.substr(at + 16, text.find_first_not_of("0123456789", at + 16) - at - 16);
    }
    if (module.empty() || expects.empty()) {
      return sim::TextReply("Root cause: unclear from the output.");
    }
    return sim::TextReply("Root cause: " + module + " sets VALUE = " + holds +
                          ", but the test asserts VALUE == " + expects + ".");
  }

  static std::string PythonTestOf(const std::string& module, const std::string& body) {
    return "from " + module + " import *\n\n\n" + body;
  }
};

}  // namespace l2mac::scenario
