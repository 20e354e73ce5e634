#include "agents/toolchains/output_normalizer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace l2mac::toolchains {
namespace {

const std::filesystem::path kRoot = "/tmp/run-a/out/.l2mac/tmp/snapshot-Ab12Cd";

TEST(OutputNormalizerTest, StripsTheSnapshotFolderFromPaths) {
  EXPECT_EQ(NormalizeCheckOutput("rootdir: /tmp/run-a/out/.l2mac/tmp/snapshot-Ab12Cd\n"
                                 "/tmp/run-a/out/.l2mac/tmp/snapshot-Ab12Cd/src/app.py:3: in f\n"
                                 "ImportError while importing test module "
                                 "'/tmp/run-a/out/.l2mac/tmp/snapshot-Ab12Cd/test_app.py'.\n",
                                 kRoot),
            "rootdir: .\nsrc/app.py:3: in f\n"
            "ImportError while importing test module 'test_app.py'.\n");
  // A trailing slash on the root, and paths outside it, are left as they are.
  EXPECT_EQ(NormalizeCheckOutput("/usr/include/stdio.h and /tmp/run-a/out/.l2mac/tmp/"
                                 "snapshot-Ab12Cd/.l2mac-build/CMakeFiles",
                                 kRoot.string() + "/"),
            "/usr/include/stdio.h and .l2mac-build/CMakeFiles");
}

TEST(OutputNormalizerTest, TwoRunsInDifferentFoldersPrintTheSame) {
  const std::string a =
      "File \"/tmp/run-a/out/.l2mac/tmp/snapshot-Ab12Cd/test_x.py\", line 4\n"
      "==================== 1 failed, 2 passed in 0.12s ====================\n";
  const std::string b =
      "File \"/home/u/other/place/.l2mac/tmp/snapshot-Zz99Yy/test_x.py\", line 4\n"
      "=================== 1 failed, 2 passed in 10.57s ===================\n";
  EXPECT_EQ(NormalizeCheckOutput(a, kRoot),
            NormalizeCheckOutput(b, "/home/u/other/place/.l2mac/tmp/snapshot-Zz99Yy"));
  EXPECT_EQ(NormalizeCheckOutput(a, kRoot),
            "File \"test_x.py\", line 4\n===== 1 failed, 2 passed =====\n");
}

TEST(OutputNormalizerTest, ReplacesTimingsAddressesAndHashes) {
  const std::string output =
      "--- FAIL: TestAdd (0.00s)\n"
      "FAIL\texample.com/calc\t0.004s\n"
      "ok  \texample.com/other\t1.250s\n"
      "test result: FAILED. 0 passed; 1 failed; finished in 0.00s\n"
      "    Finished `test` profile [unoptimized] target(s) in 1.52s\n"
      "     Running unittests src/lib.rs (.l2mac-target/debug/deps/calc-1a2b3c4d5e6f7a8b)\n"
      "1/1 Test #1: adds .............***Failed    0.01 sec\n"
      "Total Test time (real) =  12.02 sec\n"
      "  duration_ms: 1.2345\n# duration_ms 12\n"
      "{\"Time\":\"2026-12-02T12:00:00.123456Z\",\"Action\":\"pass\",\"Elapsed\":0.01}\n"
      "assert <function add at 0x7f3a9c2b1d30> == 5\n"
      "Ran 3 tests in 0.001s\n";
  EXPECT_EQ(NormalizeCheckOutput(output, kRoot),
            "--- FAIL: TestAdd (<time>)\n"
            "FAIL\texample.com/calc <time>\n"
            "ok  \texample.com/other <time>\n"
            "test result: FAILED. 0 passed; 1 failed; finished in <time>\n"
            "    Finished `test` profile [unoptimized] target(s) in <time>\n"
            "     Running unittests src/lib.rs (.l2mac-target/debug/deps/calc-<hash>)\n"
            "1/1 Test #1: adds .............***Failed <time> sec\n"
            "Total Test time (real) = <time> sec\n"
            "  duration_ms <time>\n# duration_ms <time>\n"
            "{\"Time\":\"<time>\",\"Action\":\"pass\",\"Elapsed\":0}\n"
            "assert <function add at 0x<address>> == 5\n"
            "Ran 3 tests in <time>\n");
  // Idempotent, and text without any of these is unchanged.
  EXPECT_EQ(NormalizeCheckOutput(NormalizeCheckOutput(output, kRoot), kRoot),
            NormalizeCheckOutput(output, kRoot));
  EXPECT_EQ(NormalizeCheckOutput("assert add(2, 3) == 5\nwait 5s in the loop", kRoot),
            "assert add(2, 3) == 5\nwait 5s in the loop");
}

}  // namespace
}  // namespace l2mac::toolchains
