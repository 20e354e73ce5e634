#!/usr/bin/env bash
# README command 2: sets everything up and runs the whole test suite:
#   1. clang-format check of every C++ file,
#   2. the normal build (warnings are errors) and all tests with ctest,
#   3. an AddressSanitizer + UndefinedBehaviorSanitizer build and all tests again,
#   3b. a ThreadSanitizer build of the binary and the scenario tests, running the tests
#      whose lanes run instructions on threads (--parallel),
#   4. the fuzz targets (tests/fuzz: SSE parser, tool-call assembly), each for a bounded
#      time (L2MAC_FUZZ_SECONDS, default 20; 0 skips them).
#
#   scripts/test.sh                 everything
#   scripts/test.sh --no-sanitize   skip steps 3 and 3b (faster, for local iteration)
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across clones in different folders (paths inside the tree become relative).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
sanitize=1
[ "${1:-}" = "--no-sanitize" ] && sanitize=0

scripts/setup.sh --tests --no-build

echo "== clang-format"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.cpp' -o -name '*.hpp')
clang-format --dry-run -Werror "${sources[@]}"
echo "clang-format: ${#sources[@]} files clean"

jobs=$(nproc)
run_suite() {
  local dir=$1; shift
  # Configured every time (cheap when nothing changed), so a folder the demo configured
  # without tests gets them.
  cmake -S . -B "$dir" -G Ninja -DL2MAC_BUILD_TESTS=ON "$@" >/dev/null
  cmake --build "$dir" --parallel "$jobs"
  (cd "$dir" && ctest --output-on-failure --parallel "$jobs" --timeout 900)
}

echo "== build and test (RelWithDebInfo)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DL2MAC_BUILD_BENCH=ON

if [ $sanitize -eq 1 ]; then
  echo "== build and test (AddressSanitizer + UndefinedBehaviorSanitizer)"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DL2MAC_SANITIZE=ON -DL2MAC_BUILD_BENCH=OFF

  echo "== build and test the parallel lanes (ThreadSanitizer)"
  # Only what the lanes' tests need: the binary whose threads run instructions and the
  # scenario tests that drive it. A race makes the child exit 66, which fails the test.
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  cmake -S . -B build-tsan -G Ninja -DL2MAC_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DL2MAC_TSAN=ON -DL2MAC_BUILD_BENCH=OFF >/dev/null
  cmake --build build-tsan --parallel "$jobs" --target l2mac_cli scenario_tests
  build-tsan/tests/scenarios/scenario_tests --gtest_filter='ParallelScenario.*'
fi
# --- fuzzing (core/llm stream parsing) -------------------------------------------------
# A separate small build with clang's libFuzzer of only the sources the targets need; each
# target runs for a bounded time from its seed corpus (new inputs go to a scratch folder,
# so the tree is not changed). A crash fails the script and leaves the input in build-fuzz.
fuzz_seconds=${L2MAC_FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzz (${fuzz_seconds}s per target)"
  if [ ! -f build-fuzz/build.ninja ]; then
    cmake -S tests/fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=Debug
  fi
  cmake --build build-fuzz --parallel "$jobs"
  for target in sse_parser:sse tool_call_assembly:tool_calls glob:glob regex_search:regex_search \
    tool_args:tool_args; do
    name=${target%%:*}
    corpus=${target##*:}
    scratch=$(mktemp -d)
    (cd build-fuzz && "./${name}_fuzz" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 \
      -print_final_stats=1 "$scratch" "../tests/fuzz/corpus/$corpus" 2>&1 | tail -n 3)
    rm -rf "$scratch"
  done
fi
# --- end of fuzzing ----------------------------------------------------------------------

echo "== all tests passed"
