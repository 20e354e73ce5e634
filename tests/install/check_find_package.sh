#!/usr/bin/env bash
# Installs the built l2mac into a temporary prefix, checks that only the public headers
# (include/l2mac) were installed, builds examples/embedding against it with
# find_package(l2mac), and runs the embedding program on the demo transcript: once to the
# end, and once cancelled from its main thread after the first commit, then resumed.
#   check_find_package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
test -x "$work/prefix/bin/l2mac"
test -f "$work/prefix/lib/cmake/l2mac/l2macConfig.cmake"

# The public headers, and nothing else.
installed=$(cd "$work/prefix/include" && find . -type f | sort | tr '\n' ' ')
expected="./l2mac/events.hpp ./l2mac/l2mac.hpp ./l2mac/options.hpp ./l2mac/provider.hpp ./l2mac/run.hpp ./l2mac/status.hpp ./l2mac/store.hpp "
[ "$installed" = "$expected" ] || fail "installed headers: $installed"
for internal in store_reader.hpp crash_point.hpp runner.hpp sqlite.hpp; do
  [ -z "$(find "$work/prefix" -name "$internal")" ] || fail "internal header $internal installed"
done
# A public header includes only public ones (and the standard library).
if grep -h '#include "' "$work/prefix/include/l2mac/"*.hpp | grep -v '"l2mac/'; then
  fail "a public header includes a header outside include/l2mac"
fi

cmake -S "$source_dir/examples/embedding" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
spec="$source_dir/examples/url_shortener/spec.md"
transcript="$source_dir/examples/url_shortener/transcript.jsonl"

# 1. A run to the end: the events streamed to the embedder's callback, the result, and
#    every committed file read back through the Store.
out="$work/out"
"$work/build/embed_run" "$spec" "$out" "$transcript" 10500 | tee "$work/report.txt"
grep -q "^5 of 5 instructions committed, .*: completed$" "$work/report.txt" || fail "not completed"
test "$(grep -c '^event [0-9]*: instruction_committed' "$work/report.txt")" = 5 ||
  fail "5 instruction_committed events expected"
grep -q '^event [0-9]*: run_started' "$work/report.txt" || fail "no run_started event"
grep -q '^event [0-9]*: run_finished' "$work/report.txt" || fail "no run_finished event"
test -f "$out/shortener/service.py"
size=$(wc -c <"$out/shortener/service.py")
grep -q "^file shortener/service.py: $size bytes" "$work/report.txt" ||
  fail "the store's shortener/service.py is not the $size bytes on disk"

# 2. Cancelled from the main thread after the first commit, then resumed to the end.
out2="$work/out2"
"$work/build/embed_run" "$spec" "$out2" "$transcript" 10500 --cancel-after-first-commit |
  tee "$work/cancel.txt"
grep -q '^cancelled: ' "$work/cancel.txt" || fail "the cancel was not honoured"
cancel_line=$(grep -n '^cancelled: ' "$work/cancel.txt" | cut -d: -f1)
resume_line=$(grep -n '^resuming$' "$work/cancel.txt" | cut -d: -f1)
before=$(head -n "$cancel_line" "$work/cancel.txt" | grep -c '^event [0-9]*: instruction_committed')
[ "$before" = 1 ] || fail "$before instructions committed before the cancel, 1 expected"
# What the store held between the two runs: the first instruction's files only.
sed -n "${cancel_line},${resume_line}p" "$work/cancel.txt" | grep -q '^store at commit' ||
  fail "no store listing after the cancel"
tail -n +"$resume_line" "$work/cancel.txt" | grep -q '^event [0-9]*: run_resumed' ||
  fail "no run_resumed event"
after=$(tail -n +"$resume_line" "$work/cancel.txt" | grep -c '^event [0-9]*: instruction_committed')
[ "$after" = 4 ] || fail "$after instructions committed after the resume, 4 expected"
grep -q "^5 of 5 instructions committed, .*: completed$" "$work/cancel.txt" ||
  fail "the resumed run did not complete"
cmp -s "$out/shortener/service.py" "$out2/shortener/service.py" ||
  fail "the cancelled and resumed run wrote a different shortener/service.py"
echo "1 passed, 0 failed"
