// One end-to-end scenario's surroundings (header-only test support): a private temporary
// folder holding the spec, the output folder and the children's TMPDIR; the simulated
// model server answering from a ScriptedModel; and `l2mac run` / `l2mac resume` against it.
//
// Declare one per test. It owns the model, the server and the folder; the server stops
// (and the folder is removed) when it goes out of scope.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "tests/scenarios/l2mac_process.hpp"
#include "tests/scenarios/run_state.hpp"
#include "tests/scenarios/scripted_model.hpp"
#include "tests/scenarios/temp_dir.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::scenario {

inline constexpr const char* kDefaultSpec =
    "Build a tiny Python library of arithmetic and geometry helpers, each module with "
    "pytest tests.\n";

class ScenarioHarness {
 public:
  explicit ScenarioHarness(const std::string& name, const std::string& spec = kDefaultSpec)
      : dir_(name) {
    std::error_code ec;
    std::filesystem::create_directories(tmp(), ec);
    WriteText(spec_path(), spec);
  }

  const std::filesystem::path& root() const { return dir_.path(); }
  std::filesystem::path spec_path() const { return dir_.path() / "spec.md"; }
  std::filesystem::path out() const { return dir_.path() / "out"; }
  // The children's TMPDIR, so gate snapshots land (and are checked for) in the test's folder.
  std::filesystem::path tmp() const { return dir_.path() / "tmp"; }

  // The environment of every child: TMPDIR inside the test's folder, plus `extra`.
  ChildEnv Env(ChildEnv extra = {}) const {
    extra.set.emplace("TMPDIR", tmp().string());
    return extra;
  }

  // Starts the simulated server answering from `model` (kept here for the server's life).
  void Serve(ScriptedModel model) {
    server_.reset();
    model_ = std::make_unique<ScriptedModel>(std::move(model));
    server_ = std::make_unique<sim::SimModelServer>(model_->Handler());
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  sim::SimModelServer& server() { return *server_; }
  std::string base_url() const { return server_ ? server_->base_url() : std::string(); }
  std::vector<json> requests() const { return server_ ? server_->requests() : std::vector<json>{}; }

  // `l2mac run SPEC --out OUT --base-url URL extra...`.
  ProcessOutcome Run(const std::vector<std::string>& extra = {}, ChildEnv env = {},
                     std::chrono::milliseconds timeout = kDefaultTimeout) const {
    return RunL2mac(RunArgs(extra), Env(std::move(env)), timeout);
  }
  std::vector<std::string> RunArgs(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"run", spec_path().string(), "--out", out().string()};
    if (server_) {
      args.push_back("--base-url");
      args.push_back(base_url());
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  // `l2mac resume OUT --base-url URL extra...`.
  ProcessOutcome Resume(const std::vector<std::string>& extra = {}, ChildEnv env = {}) const {
    return RunL2mac(ResumeArgs(extra), Env(std::move(env)));
  }
  std::vector<std::string> ResumeArgs(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"resume", out().string()};
    if (server_) {
      args.push_back("--base-url");
      args.push_back(base_url());
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // l2mac's own temporaries left in the children's TMPDIR ("l2mac-*": gate snapshots that
  // were not removed). What the generated tests put there themselves is not counted.
  std::vector<std::string> LeftoverSnapshots() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(tmp(), ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("l2mac-", 0) == 0) names.push_back(name);
    }
    return names;
  }

 private:
  TempDir dir_;
  // The model outlives the server that calls it: the server is declared after it.
  std::unique_ptr<ScriptedModel> model_;
  std::unique_ptr<sim::SimModelServer> server_;
};

// A pytest file for `module`: a star import of it, then `test_body`.
inline std::string PythonTest(const std::string& module, const std::string& test_body) {
  return "from " + module + " import *\n\n\n" + test_body;
}

// The standard three-instruction project: 1 writes arith.py, 2 (after 1) geometry.py,
// 3 (after 2) report.py, each with a test file. Each instruction takes three model calls:
// write the module, write its test, step_complete.
struct ThreeModules {
  static std::map<std::string, std::string> Files() {
    return {
        {"arith.py", "def add(a, b):\n    return a + b\n"},
        {"test_arith.py", PythonTest("arith", "def test_add():\n    assert add(2, 3) == 5\n")},
        {"geometry.py",
         "from arith import add\n\n\ndef perimeter(width, height):\n"
         "    return add(add(width, height), add(width, height))\n"},
        {"test_geometry.py",
         PythonTest("geometry", "def test_perimeter():\n    assert perimeter(2, 3) == 10\n")},
        {"report.py",
         "from geometry import perimeter\n\n\ndef describe(width, height):\n"
         "    return 'perimeter %d' % perimeter(width, height)\n"},
        {"test_report.py",
         PythonTest("report",
                    "def test_describe():\n    assert describe(1, 1) == 'perimeter 4'\n")},
    };
  }

  static ScriptedModel Model() {
    auto files = Files();
    ScriptedModel model;
    model.plan = PlanOf({PlanStep("1", "Write arith.py with add(a, b) and test_arith.py."),
                         PlanStep("2", "Write geometry.py with perimeter(w, h) using add.", {"1"}),
                         PlanStep("3", "Write report.py with describe(w, h).", {"2"})});
    const std::vector<std::pair<std::string, std::string>> modules = {
        {"1", "arith"}, {"2", "geometry"}, {"3", "report"}};
    for (const auto& [id, module] : modules) {
      model.instructions[id].turns = {
          WriteFile(module + ".py", files[module + ".py"]),
          WriteFile("test_" + module + ".py", files["test_" + module + ".py"]),
          StepComplete(module + ".py is written and tested."),
      };
    }
    return model;
  }

  // Only instruction 1 (arith.py and its test), for scenarios about something else.
  static ScriptedModel FirstOnly() {
    ScriptedModel model = Model();
    model.plan["instructions"] = json::array({model.plan["instructions"][0]});
    return model;
  }
  static std::map<std::string, std::string> FirstOnlyFiles() {
    auto files = Files();
    return {{"arith.py", files["arith.py"]}, {"test_arith.py", files["test_arith.py"]}};
  }
};

}  // namespace l2mac::scenario
