// The command line as a newcomer meets it: a misspelled command, option or value is a
// usage error (exit 2) with one "l2mac: error:" line naming it and suggesting the nearest
// known one; a bare `l2mac` prints the help; `run --help` lists the options every command
// takes and prints ranges as numbers.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

// How many lines of `err` are l2mac error lines: every failure prints exactly one.
size_t ErrorLines(const std::string& err) {
  size_t count = 0;
  for (size_t at = err.find("l2mac: error:"); at != std::string::npos;
       at = err.find("l2mac: error:", at + 1)) {
    ++count;
  }
  return count;
}

TEST(CliUsageScenario, AMisspelledOptionIsNamedWithTheNearestOne) {
  ScenarioHarness harness("usage-outt");
  ProcessOutcome run = RunL2mac({"run", harness.spec_path().string(), "--outt",
                                 harness.out().string(), "--base-url", "http://127.0.0.1:9/v1"});
  EXPECT_EQ(run.exit_code, 2) << run.Describe();
  EXPECT_EQ(run.err.rfind("l2mac: error: unknown option --outt for `l2mac run`; did you mean "
                          "--out?\n",
                          0),
            0u)
      << run.err;
  EXPECT_EQ(run.err.find("is required"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("`l2mac run --help`"), std::string::npos) << run.err;
  EXPECT_EQ(ErrorLines(run.err), 1u) << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out()));

  // --name=value, and an option of another command.
  ProcessOutcome equals = RunL2mac({"status", "--jsn=1", harness.out().string()});
  EXPECT_EQ(equals.exit_code, 2) << equals.Describe();
  EXPECT_NE(equals.err.find("unknown option --jsn for `l2mac status`; did you mean --json?"),
            std::string::npos)
      << equals.err;
  ProcessOutcome far = RunL2mac({"status", harness.out().string(), "--frobnicate"});
  EXPECT_EQ(far.exit_code, 2) << far.Describe();
  EXPECT_NE(far.err.find("l2mac: error: unknown option --frobnicate for `l2mac status`\n"),
            std::string::npos)
      << far.err;

  // An option without its value.
  ProcessOutcome bare_out = RunL2mac({"run", harness.spec_path().string(), "--out"});
  EXPECT_EQ(bare_out.exit_code, 2) << bare_out.Describe();
  EXPECT_NE(bare_out.err.find("l2mac: error: --out needs a value\n"), std::string::npos)
      << bare_out.err;
}

TEST(CliUsageScenario, AMisspelledCommandIsNamedWithTheNearestOne) {
  ScenarioHarness harness("usage-rn");
  ProcessOutcome run =
      RunL2mac({"rn", harness.spec_path().string(), "--out", harness.out().string()});
  EXPECT_EQ(run.exit_code, 2) << run.Describe();
  EXPECT_EQ(
      run.err.rfind(
          "l2mac: error: unknown command 'rn'; did you mean run? (choose one of "
          "run, resume, status, transcript, events, report, trace, doctor, files, mcp, eval)\n",
          0),
      0u)
      << run.err;
  EXPECT_EQ(run.err.find("A subcommand is required"), std::string::npos) << run.err;
  EXPECT_EQ(ErrorLines(run.err), 1u) << run.err;

  ProcessOutcome mcp = RunL2mac({"mpc"});
  EXPECT_EQ(mcp.exit_code, 2) << mcp.Describe();
  EXPECT_EQ(mcp.err.rfind("l2mac: error: unknown command 'mpc'; did you mean mcp?", 0), 0u)
      << mcp.err;
  ProcessOutcome help = RunL2mac({"--help"});
  EXPECT_NE(help.out.find("  mcp "), std::string::npos) << help.out;

  ProcessOutcome nested = RunL2mac({"files", harness.out().string(), "lss"});
  EXPECT_EQ(nested.exit_code, 2) << nested.Describe();
  EXPECT_NE(nested.err.find("unknown `l2mac files` command 'lss'; did you mean ls?"),
            std::string::npos)
      << nested.err;

  ProcessOutcome none = RunL2mac({"-q"});
  EXPECT_EQ(none.exit_code, 2) << none.Describe();
  EXPECT_NE(none.err.find("l2mac: error: no command given: choose one of run, resume"),
            std::string::npos)
      << none.err;
}

TEST(CliUsageScenario, BareL2macPrintsTheHelpOnStdoutAndExits2) {
  ProcessOutcome bare = RunL2mac({});
  EXPECT_EQ(bare.exit_code, 2) << bare.Describe();
  EXPECT_NE(bare.out.find("Usage:"), std::string::npos) << bare.out;
  EXPECT_NE(bare.out.find("Subcommands:"), std::string::npos) << bare.out;
  EXPECT_NE(bare.out.find("run"), std::string::npos) << bare.out;
  EXPECT_EQ(bare.err, "");
}

TEST(CliUsageScenario, AMisspelledPresetOrDomainIsAUsageErrorWithASuggestion) {
  ScenarioHarness harness("usage-preset");
  ProcessOutcome preset = harness.Run({"--preset", "olama", "--model", "m"});
  EXPECT_EQ(preset.exit_code, 2) << preset.Describe();
  EXPECT_NE(preset.err.find("l2mac: error: --preset: unknown value 'olama'; did you mean ollama?"),
            std::string::npos)
      << preset.err;
  EXPECT_EQ(ErrorLines(preset.err), 1u) << preset.err;
  // From the configuration file it is malformed input (3), with the same suggestion.
  const std::filesystem::path config = harness.root() / "config.json";
  ASSERT_TRUE(WriteText(config, R"({"model": {"preset": "olama", "model": "m"}})"));
  ProcessOutcome configured = harness.Run({"--config", config.string()});
  EXPECT_EQ(configured.exit_code, 3) << configured.Describe();
  EXPECT_NE(configured.err.find("unknown --preset 'olama'; did you mean ollama?"),
            std::string::npos)
      << configured.err;

  ProcessOutcome domain = harness.Run({"--domain", "bok"});
  EXPECT_EQ(domain.exit_code, 2) << domain.Describe();
  EXPECT_NE(domain.err.find("l2mac: error: --domain: unknown value 'bok'; did you mean book? "
                            "(choose one of codebase, book, custom)"),
            std::string::npos)
      << domain.err;

  // Far from every name: no suggestion, the choices.
  ProcessOutcome far = harness.Run({"--domain", "novel"});
  EXPECT_EQ(far.exit_code, 2) << far.Describe();
  EXPECT_NE(far.err.find("unknown value 'novel' (choose one of codebase, book, custom)"),
            std::string::npos)
      << far.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out()));
}

TEST(CliUsageScenario, RunHelpListsTheCommonOptionsAndReadableRanges) {
  for (const char* command : {"run", "resume"}) {
    ProcessOutcome help = RunL2mac({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << help.Describe();
    for (const char* expected : {"-v,--verbose", "-q,--quiet", "--config", "1000 to 100000000",
                                 "0.1 to 86400", "1 to 1000", "0 to 100"}) {
      EXPECT_NE(help.out.find(expected), std::string::npos) << command << ": " << expected;
    }
    for (const char* unwanted : {"[1000 - 100000000]", "0.100000", " - "}) {
      EXPECT_EQ(help.out.find(unwanted), std::string::npos) << command << ": " << unwanted;
    }
  }
  ScenarioHarness harness("usage-range");
  ProcessOutcome low = harness.Run({"--check-timeout", "0.01"});
  EXPECT_EQ(low.exit_code, 2) << low.Describe();
  EXPECT_NE(low.err.find("l2mac: error: --check-timeout: must be a number from 0.1 to 86400 "
                         "(got '0.01')"),
            std::string::npos)
      << low.err;
}

}  // namespace
}  // namespace l2mac::scenario
