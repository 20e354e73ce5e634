// --tokenizer FILE: a malformed or missing ranks file stops run and resume with exit
// status 3 before any request, naming the file and line; a good one is stored with the
// run's settings, so resume counts with the same file.
#include <gtest/gtest.h>

#include <filesystem>

#include "control_unit/runner.hpp"
#include "tests/scenarios/scenario_harness.hpp"

namespace l2mac::scenario {
namespace {

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t chunk = 0;
    size_t n = std::min<size_t>(3, bytes.size() - i);
    for (size_t k = 0; k < 3; ++k) {
      chunk = (chunk << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    for (size_t k = 0; k < 4; ++k) {
      out += k <= n ? kAlphabet[(chunk >> (18 - 6 * k)) & 0x3F] : '=';
    }
  }
  return out;
}

// Every byte as a token of its own, and a few merges.
std::string ByteRanks() {
  std::string ranks;
  uint32_t rank = 0;
  for (int byte = 0; byte < 256; ++byte) {
    ranks += Base64(std::string(1, static_cast<char>(byte))) + " " + std::to_string(rank++) + "\n";
  }
  for (const char* merge : {"  ", "    ", "de", "def", "re", "ret", "return"}) {
    ranks += Base64(merge) + " " + std::to_string(rank++) + "\n";
  }
  return ranks;
}

TEST(TokenizerFlagScenario, MalformedOrMissingRanksFileIsExitStatus3BeforeAnyRequest) {
  ScenarioHarness harness("bad-tokenizer");
  harness.Serve(ThreeModules::Model());
  const std::filesystem::path ranks = harness.root() / "bad.tiktoken";
  ASSERT_TRUE(WriteText(ranks, "IQ== 0\nIg== 0\n"));
  ProcessOutcome run = harness.Run({"--tokenizer", ranks.string()});
  EXPECT_EQ(run.exit_code, 3) << run.Describe();
  EXPECT_NE(run.err.find("l2mac: error: " + ranks.string() + ":2: duplicate rank 0"),
            std::string::npos)
      << run.err;
  EXPECT_FALSE(std::filesystem::exists(harness.out()));
  EXPECT_EQ(harness.server().request_count(), 0u);

  const std::filesystem::path missing = harness.root() / "missing.tiktoken";
  run = harness.Run({"--tokenizer", missing.string()});
  EXPECT_EQ(run.exit_code, 3) << run.Describe();
  EXPECT_NE(run.err.find(missing.string()), std::string::npos) << run.err;
  EXPECT_EQ(harness.server().request_count(), 0u);
}

TEST(TokenizerFlagScenario, TheRanksFileIsStoredWithTheRunAndUsedOnResume) {
  ScenarioHarness harness("tokenizer-resume");
  harness.Serve(ThreeModules::Model());
  const std::filesystem::path ranks = harness.root() / "bytes.tiktoken";
  ASSERT_TRUE(WriteText(ranks, ByteRanks()));
  ProcessOutcome run = harness.Run({"--tokenizer", ranks.string()});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  auto stored = control_unit::ReadStoredOptions(harness.out());
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ((*stored)["provider"].value("tokenizer", ""), ranks.string()) << stored->dump();

  // Resume reads the stored path: with the file gone it refuses, naming it.
  std::filesystem::remove(ranks);
  ProcessOutcome resumed = harness.Resume();
  EXPECT_EQ(resumed.exit_code, 3) << resumed.Describe();
  EXPECT_NE(resumed.err.find(ranks.string()), std::string::npos) << resumed.err;
}

}  // namespace
}  // namespace l2mac::scenario
