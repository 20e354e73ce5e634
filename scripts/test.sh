#!/usr/bin/env bash
# README command 2: sets everything up and runs the whole test suite:
#   1. clang-format check of every C++ file,
#   2. the normal build (warnings are errors) and all tests with ctest,
#   3. an AddressSanitizer + UndefinedBehaviorSanitizer build and all tests again.
#
#   scripts/test.sh                 everything
#   scripts/test.sh --no-sanitize   skip step 3 (faster, for local iteration)
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across clones in different folders (paths inside the tree become relative).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
sanitize=1
[ "${1:-}" = "--no-sanitize" ] && sanitize=0

scripts/setup.sh --no-build

echo "== clang-format"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.cpp' -o -name '*.hpp')
clang-format --dry-run -Werror "${sources[@]}"
echo "clang-format: ${#sources[@]} files clean"

jobs=$(nproc)
run_suite() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja "$@"
  fi
  cmake --build "$dir" --parallel "$jobs"
  (cd "$dir" && ctest --output-on-failure --parallel "$jobs" --timeout 900)
}

echo "== build and test (RelWithDebInfo)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo

if [ $sanitize -eq 1 ]; then
  echo "== build and test (AddressSanitizer + UndefinedBehaviorSanitizer)"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DL2MAC_SANITIZE=ON -DL2MAC_BUILD_BENCH=OFF
fi
echo "== all tests passed"
