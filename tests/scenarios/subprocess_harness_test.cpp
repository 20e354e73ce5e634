// The scenario harness's own guarantees, which every scenario relies on: a hung child is
// killed at its timeout (so a hang fails a test instead of blocking CI), and large output
// on both pipes is captured whole with the exit status.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "tests/scenarios/l2mac_process.hpp"

namespace l2mac::scenario {
namespace {

TEST(SubprocessHarnessTest, AHungChildIsKilledAtItsTimeout) {
  auto child = Subprocess::Start({"/bin/sh", "-c", "sleep 30"});
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  ProcessOutcome outcome = (*child)->Wait(std::chrono::milliseconds(300));
  EXPECT_TRUE(outcome.timed_out);
  EXPECT_EQ(outcome.term_signal, SIGKILL);
  EXPECT_LT(outcome.elapsed, std::chrono::seconds(5));
}

TEST(SubprocessHarnessTest, LargeOutputAndTheExitStatusAreCaptured) {
  ChildEnv env;
  env.set["HARNESS_WORD"] = "hello";
  // A key in the test process's own environment must not reach the child.
  const char* previous = std::getenv("OPENAI_API_KEY");
  std::string saved = previous != nullptr ? previous : "";
  ::setenv("OPENAI_API_KEY", "sk-from-the-test-process", 1);
  auto child = Subprocess::Start(
      {"/bin/sh", "-c",
       "head -c 200000 /dev/zero | tr '\\0' x; echo \"$HARNESS_WORD ${OPENAI_API_KEY:-unset}\" "
       ">&2; exit 3"},
      env);
  if (previous != nullptr) {
    ::setenv("OPENAI_API_KEY", saved.c_str(), 1);
  } else {
    ::unsetenv("OPENAI_API_KEY");
  }
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  ProcessOutcome outcome = (*child)->Wait(std::chrono::seconds(20));
  EXPECT_FALSE(outcome.timed_out);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.out, std::string(200000, 'x'));
  // The child sees the variables set for it, and no model key.
  EXPECT_EQ(outcome.err, "hello unset\n");
}

}  // namespace
}  // namespace l2mac::scenario
