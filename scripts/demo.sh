#!/usr/bin/env bash
# README command 1: sets everything up, then generates a Python codebase from the example
# spec examples/url_shortener/spec.md into a fresh folder under demo-output/.
#
# With a model configured (OPENAI_API_KEY, or L2MAC_BASE_URL for an OpenAI-compatible
# server such as Ollama or vLLM, with L2MAC_MODEL) it asks that model. Without one it
# replays the shipped transcript examples/url_shortener/transcript.jsonl through the real
# run loop (planning, tool calls, checks, a failed check and its fix, a context restart),
# offline, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build_dir="${L2MAC_BUILD_DIR:-build}"
example=examples/url_shortener
out="demo-output/$(date +%Y%m%d-%H%M%S)"
mkdir -p demo-output

if [ -n "${L2MAC_BASE_URL:-}" ]; then
  echo "demo: using the model server at $L2MAC_BASE_URL (model ${L2MAC_MODEL:-gpt-4o})"
  model_args=(--base-url "$L2MAC_BASE_URL")
  [ -n "${L2MAC_MODEL:-}" ] && model_args+=(--model "$L2MAC_MODEL")
elif [ -n "${OPENAI_API_KEY:-}" ]; then
  echo "demo: using OpenAI (model ${L2MAC_MODEL:-gpt-4o})"
  model_args=()
  [ -n "${L2MAC_MODEL:-}" ] && model_args+=(--model "$L2MAC_MODEL")
else
  echo "demo: no model configured, so this run REPLAYS the prepared transcript"
  echo "demo: $example/transcript.jsonl offline. Everything else is real: the plan is stored,"
  echo "demo: each tool call runs against the file store, and each instruction's checks"
  echo "demo: (python syntax + pytest) run for real. To use a model instead, set"
  echo "demo: OPENAI_API_KEY, or L2MAC_BASE_URL (+ L2MAC_MODEL) for a local server."
  echo "demo: The transcript was recorded before the judge existed, so the replay runs with"
  echo "demo: --no-judge; with a model, a judge scores each requirement after the program."
  # The window is set so that the long third instruction overflows its context once.
  model_args=(--replay "$example/transcript.jsonl" --context-window 10500 --no-judge)
fi

set +e
"$build_dir/l2mac" run "$example/spec.md" --out "$out" "${model_args[@]}"
status=$?
set -e
echo
"$build_dir/l2mac" status "$out" || true
echo
echo "demo: each requirement of the spec, the instructions and files that implement it, and"
echo "demo: the tests that name it (l2mac trace):"
"$build_dir/l2mac" trace "$out" || true
echo
if [ $status -eq 0 ]; then
  python=/usr/bin/python3
  echo "demo: the generated project's own tests, run with pytest in $out:"
  (cd "$out" && "$python" -m pytest -q -p no:cacheprovider)
  echo
  echo "demo: done. The generated codebase is in $out (its history: $out/.l2mac/state.db)."
else
  echo "demo: l2mac exited with status $status; see the messages above." >&2
fi
exit $status
