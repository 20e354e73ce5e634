// `l2mac report`: a real run whose first check fails (the model fixes the code), then the
// report of it. The page holds the instruction ids and the failing check's message, refers
// to nothing on the network, and loads in headless Chromium from file:// without a console
// message (a script error or a blocked resource would print one), with a screenshot.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

constexpr const char* kAssertionMessage = "add(2, 3) must be 5";
constexpr const char* kChromium = "/usr/bin/chromium";

ScriptedModel FailsOnceThenFixes() {
  ScriptedModel model;
  model.plan = PlanOf({PlanStep("calc-module", "Write calc.py with add(a, b) and its tests."),
                       PlanStep("calc-docs", "Write README.md about calc.py.", {"calc-module"})});
  model.instructions["calc-module"].turns = {
      Tools({WriteFileUse("calc.py", "def add(a, b):\n    return a - b\n"),
             WriteFileUse("test_calc.py",
                          PythonTest("calc", std::string("def test_add():\n    assert add(2, 3) "
                                                         "== 5, '") +
                                                 kAssertionMessage + "'\n"))}),
      StepComplete("calc.py has add(a, b)."),
      EditFile("calc.py", "    return a - b", "    return a + b"),
      StepComplete("calc.py has add(a, b), fixed."),
  };
  model.instructions["calc-docs"].turns = {
      WriteFile("README.md", "# calc\n\n`add(a, b)` adds two numbers.\n"),
      StepComplete("README.md describes calc.py."),
  };
  return model;
}

// Every src=, href= and CSS url( whose target is on the network (http:, https:, or a
// scheme-relative //host).
std::vector<std::string> NetworkReferences(const std::string& html) {
  static const std::regex kReference(
      R"((?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:|//)|url\(\s*["']?\s*(?:https?:|//)|@import)",
      std::regex::icase);
  std::vector<std::string> found;
  for (std::sregex_iterator it(html.begin(), html.end(), kReference), end; it != end; ++it) {
    found.push_back(it->str());
  }
  return found;
}

// Headless Chromium loads `page` from file:// and takes a screenshot. Returns what it
// printed on stderr; console messages (a script error, a blocked resource) are its
// ":CONSOLE" lines.
ProcessOutcome LoadInChromium(const std::filesystem::path& page,
                              const std::filesystem::path& screenshot,
                              const std::filesystem::path& profile) {
  auto child =
      Subprocess::Start({kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile.string(),
                         "--screenshot=" + screenshot.string(), "--window-size=1280,2000",
                         "file://" + std::filesystem::absolute(page).string()});
  if (!child.ok()) {
    ProcessOutcome failed;
    failed.err = child.status().ToString();
    return failed;
  }
  return (*child)->Wait(std::chrono::seconds(120));
}

std::vector<std::string> ConsoleLines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) {
      lines.push_back(line);
    }
  }
  return lines;
}

TEST(ReportScenario, TheReportOfARunWithAFailedCheckShowsItAndLoadsCleanlyInABrowser) {
  ScenarioHarness harness("report");
  harness.Serve(FailsOnceThenFixes());
  ProcessOutcome run = harness.Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();

  ProcessOutcome report = RunL2mac({"report", harness.out().string()}, harness.Env());
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  const std::filesystem::path page = harness.out() / ".l2mac" / "report.html";
  EXPECT_EQ(report.out, page.string() + "\n");
  ASSERT_TRUE(std::filesystem::exists(page));
  const std::string html = ReadText(page);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("calc-module"), std::string::npos);
  EXPECT_NE(html.find("calc-docs"), std::string::npos);
  // The failing check's message, from the report the model received (the instruction
  // itself committed, so no failure text of its own holds it).
  EXPECT_NE(html.find(kAssertionMessage), std::string::npos);
  EXPECT_NE(html.find("step_complete"), std::string::npos);
  // Files with their history, and the summary's numbers.
  EXPECT_NE(html.find("calc.py"), std::string::npos);
  EXPECT_NE(html.find("README.md"), std::string::npos);
  EXPECT_NE(html.find("2 / 2</b><span>instructions committed"), std::string::npos);
  EXPECT_TRUE(NetworkReferences(html).empty()) << testing::PrintToString(NetworkReferences(html));
  EXPECT_EQ(html.find("<script"), std::string::npos);

  // -o writes elsewhere; a folder without a run is refused with exit status 6.
  const std::filesystem::path other = harness.root() / "elsewhere.html";
  ProcessOutcome to_file =
      RunL2mac({"report", harness.out().string(), "-o", other.string()}, harness.Env());
  EXPECT_EQ(to_file.exit_code, 0) << to_file.Describe();
  EXPECT_EQ(to_file.out, other.string() + "\n");
  EXPECT_TRUE(std::filesystem::exists(other));
  ProcessOutcome no_run = RunL2mac({"report", harness.root().string()}, harness.Env());
  EXPECT_EQ(no_run.exit_code, 6) << no_run.Describe();
  EXPECT_NE(no_run.err.find("l2mac: error: no l2mac run in"), std::string::npos) << no_run.err;
  ProcessOutcome bad_output = RunL2mac(
      {"report", harness.out().string(), "-o", (harness.root() / "no/such/dir/r.html").string()},
      harness.Env());
  EXPECT_EQ(bad_output.exit_code, 7) << bad_output.Describe();
  EXPECT_NE(bad_output.err.find("choose another file with -o FILE"), std::string::npos)
      << bad_output.err;

  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << "chromium is not installed (scripts/setup.sh --tests installs it)";
  }
  // The check can fail: a page with a script error prints a console line.
  const std::filesystem::path broken = harness.root() / "broken.html";
  WriteText(broken,
            "<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>");
  ProcessOutcome broken_load =
      LoadInChromium(broken, harness.root() / "broken.png", harness.root() / "profile");
  ASSERT_FALSE(broken_load.timed_out) << broken_load.Describe();
  EXPECT_FALSE(ConsoleLines(broken_load.err).empty()) << broken_load.Describe();

  const std::filesystem::path screenshot = harness.root() / "report.png";
  ProcessOutcome load = LoadInChromium(page, screenshot, harness.root() / "profile");
  ASSERT_FALSE(load.timed_out) << load.Describe();
  EXPECT_EQ(load.exit_code, 0) << load.Describe();
  EXPECT_TRUE(ConsoleLines(load.err).empty()) << testing::PrintToString(ConsoleLines(load.err));
  ASSERT_TRUE(std::filesystem::exists(screenshot)) << load.Describe();
  EXPECT_GT(std::filesystem::file_size(screenshot), 10000u) << "an empty page?";
}

}  // namespace
}  // namespace l2mac::scenario
