#!/usr/bin/env bash
# Installs the built l2mac into a temporary prefix, builds examples/embedding against it
# with find_package(l2mac), and runs the embedding program on the demo transcript.
#   check_find_package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
test -x "$work/prefix/bin/l2mac"
test -f "$work/prefix/lib/cmake/l2mac/l2macConfig.cmake"
cmake -S "$source_dir/examples/embedding" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
out="$work/out"
"$work/build/embed_run" "$source_dir/examples/url_shortener/spec.md" "$out" \
  "$source_dir/examples/url_shortener/transcript.jsonl" 10500 | tee "$work/report.txt"
grep -q "5 of 5 instructions committed" "$work/report.txt"
# The embedder's own sink saw the run as it happened.
test "$(grep -c '^event [0-9]*: instruction_committed' "$work/report.txt")" = 5
grep -q '^event [0-9]*: run_finished' "$work/report.txt"
test -f "$out/shortener/service.py"
echo "1 passed, 0 failed"
