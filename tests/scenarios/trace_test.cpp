// Requirements end to end: the real binary plans with requirements against the simulated
// model, each worker is told the requirements its instruction covers, its tests name them,
// each commit records them, and `l2mac trace` shows requirement -> instructions -> files ->
// tests. A program without requirements still runs, and trace says it has none.
#include <gtest/gtest.h>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kSpec =
    "Build a tiny Python library.\n\n"
    "F1. add(a, b) returns the sum.\n"
    "F2. perimeter(w, h) returns the rectangle's perimeter.\n"
    "F3. area(w, h) returns the rectangle's area.\n";

ScriptedModel RequirementsModel() {
  ScriptedModel model;
  model.plan = {
      {"requirements",
       {{{"id", "F1"}, {"text", "add(a, b) returns the sum."}},
        {{"id", "F2"}, {"text", "perimeter(w, h) returns the rectangle's perimeter."}},
        {{"id", "F3"}, {"text", "area(w, h) returns the rectangle's area."}}}},
      {"instructions",
       {{{"id", "1"}, {"text", "Write arith.py with add and its tests."}, {"covers", {"F1"}}},
        {{"id", "2"},
         {"text", "Write geometry.py with perimeter and area, and tests."},
         {"depends_on", {"1"}},
         {"covers", {"F2", "F3"}}}}}};
  model.instructions["1"].turns = {
      Tools({WriteFileUse("arith.py", "def add(a, b):\n    return a + b\n"),
             WriteFileUse("test_arith.py",
                          PythonTest("arith",
                                     "def test_F1_adds():\n    assert add(2, 3) == 5\n\n\n"
                                     "def test_helper_free():\n    assert add(0, 0) == 0\n"))}),
      StepComplete("arith.py is written and tested."),
  };
  // F3 is implemented but no test names it.
  model.instructions["2"].turns = {
      Tools({WriteFileUse("geometry.py",
                          "from arith import add\n\n\ndef perimeter(w, h):\n"
                          "    return add(add(w, h), add(w, h))\n\n\n"
                          "def area(w, h):\n    return w * h\n"),
             WriteFileUse("test_geometry.py",
                          PythonTest("geometry",
                                     "def test_F2_perimeter():\n    assert perimeter(2, 3) == 10\n"
                                     "\n\ndef test_area():\n    assert area(2, 3) == 6\n"))}),
      StepComplete("geometry.py is written and tested."),
  };
  return model;
}

nlohmann::json RequirementIn(const nlohmann::json& trace, const std::string& id) {
  for (const auto& requirement : trace["requirements"]) {
    if (requirement["id"] == id) return requirement;
  }
  return {{"error", "no requirement " + id + " in " + trace.dump()}};
}

TEST(TraceScenario, RequirementsAreTracedToInstructionsFilesAndTests) {
  ScenarioHarness harness("trace", kSpec);
  harness.Serve(RequirementsModel());
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  // The planner was offered requirements; each worker saw its own with the convention.
  auto requests = harness.requests();
  ASSERT_FALSE(requests.empty());
  ASSERT_TRUE(ModelRequest(requests[0]).IsPlanner());
  EXPECT_TRUE(ModelRequest(requests[0]).Contains("extracting the requirements"));
  auto first = RequestsFor(requests, "1");
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(first[0].Contains("- F1: add(a, b) returns the sum."));
  EXPECT_FALSE(first[0].Contains("- F2:"));
  EXPECT_TRUE(first[0].Contains("test_F3_resolves_known_code"));
  auto second = RequestsFor(requests, "2");
  ASSERT_FALSE(second.empty());
  EXPECT_TRUE(second[0].Contains("- F2: perimeter(w, h)"));
  EXPECT_TRUE(second[0].Contains("- F3: area(w, h)"));

  // Stored in the registry.
  EXPECT_EQ(QueryRun(harness.out(), "SELECT id FROM requirements ORDER BY seq"),
            (std::vector<std::string>{"F1", "F2", "F3"}));
  EXPECT_EQ(QueryRun(harness.out(), "SELECT covers FROM instructions ORDER BY seq"),
            (std::vector<std::string>{"[\"F1\"]", "[\"F2\",\"F3\"]"}));

  ProcessOutcome json_out = RunL2mac({"trace", harness.out().string(), "--json"});
  ASSERT_EQ(json_out.exit_code, 0) << json_out.Describe();
  auto trace = nlohmann::json::parse(json_out.out, nullptr, false);
  ASSERT_TRUE(trace.is_object()) << json_out.out;
  EXPECT_EQ(trace["requirements_total"], 3);
  const int64_t second_commit =
      QueryRunInt(harness.out(), "SELECT commit_id FROM instructions WHERE id = '2'");
  EXPECT_EQ(trace["tests_commit"], second_commit);

  auto f1 = RequirementIn(trace, "F1");
  EXPECT_EQ(f1["text"], "add(a, b) returns the sum.");
  ASSERT_EQ(f1["instructions"].size(), 1u) << f1.dump(2);
  EXPECT_EQ(f1["instructions"][0]["id"], "1");
  EXPECT_EQ(f1["instructions"][0]["status"], "committed");
  EXPECT_EQ(f1["files"], nlohmann::json::array({"arith.py", "test_arith.py"}));
  ASSERT_EQ(f1["tests"].size(), 1u) << f1.dump(2);  // test_helper_free names nothing
  EXPECT_EQ(f1["tests"][0]["id"], "test_arith.py::test_F1_adds");
  EXPECT_EQ(f1["tests"][0]["outcome"], "passed");
  EXPECT_EQ(f1["tests_passed"], 1);

  auto f2 = RequirementIn(trace, "F2");
  EXPECT_EQ(f2["files"], nlohmann::json::array({"geometry.py", "test_geometry.py"}));
  ASSERT_EQ(f2["tests"].size(), 1u) << f2.dump(2);
  EXPECT_EQ(f2["tests"][0]["id"], "test_geometry.py::test_F2_perimeter");
  EXPECT_EQ(f2["tests"][0]["outcome"], "passed");

  auto f3 = RequirementIn(trace, "F3");
  EXPECT_EQ(f3["instructions"][0]["id"], "2");
  EXPECT_EQ(f3["files"], f2["files"]);
  EXPECT_EQ(f3["tests_total"], 0);

  ProcessOutcome table = RunL2mac({"trace", harness.out().string()});
  ASSERT_EQ(table.exit_code, 0) << table.Describe();
  EXPECT_NE(table.out.find("3 requirements, 2 with passing tests that name them"),
            std::string::npos)
      << table.out;
  EXPECT_NE(
      table.out.find("1 passed, 0 failed, of 1\n                  test_arith.py::test_F1_adds  "
                     "passed\n"),
      std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("(no test names F3)"), std::string::npos) << table.out;
  EXPECT_EQ(IntegrityCheck(harness.out()), "ok");
}

TEST(TraceScenario, AProgramWithoutRequirementsRunsAndTraceSaysSo) {
  ScenarioHarness harness("trace-none");
  harness.Serve(ThreeModules::FirstOnly());
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  // The worker's request carries no requirements section.
  auto first = RequestsFor(harness.requests(), "1");
  ASSERT_FALSE(first.empty());
  EXPECT_FALSE(first[0].Contains("# Requirements your instruction covers"));

  ProcessOutcome json_out = RunL2mac({"trace", harness.out().string(), "--json"});
  ASSERT_EQ(json_out.exit_code, 0) << json_out.Describe();
  auto trace = nlohmann::json::parse(json_out.out, nullptr, false);
  ASSERT_TRUE(trace.is_object()) << json_out.out;
  EXPECT_EQ(trace["planned"], true);
  EXPECT_EQ(trace["requirements_total"], 0);
  EXPECT_TRUE(trace["requirements"].empty());
  ProcessOutcome table = RunL2mac({"trace", harness.out().string()});
  EXPECT_EQ(table.exit_code, 0) << table.Describe();
  EXPECT_NE(table.out.find("lists no requirements"), std::string::npos) << table.out;

  ProcessOutcome nothing = RunL2mac({"trace", (harness.root() / "no-run").string()});
  EXPECT_EQ(nothing.exit_code, 6) << nothing.Describe();
}

}  // namespace
}  // namespace l2mac::scenario
