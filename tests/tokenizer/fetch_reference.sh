#!/usr/bin/env bash
# Fetches the reference tokenizer for the exact-count tests and the tokenizer benchmark:
# installs js-tiktoken (npm) into DIR and writes DIR/cl100k_base.tiktoken, the cl100k_base
# ranks in tiktoken's file format ("BASE64 RANK" per line), converted from the package.
# Idempotent: does nothing when both are already there.
#
#   tests/tokenizer/fetch_reference.sh [DIR]     (default: build/tokenizer_reference)
#
# Needs node and npm with access to the npm registry; fails with a message otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-$here/../../build/tokenizer_reference}"
version="1.0.21"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "fetch_reference.sh: $tool is not installed; install Node.js 18+ (apt install nodejs npm)" >&2
    exit 1
  fi
done

if [[ ! -f "$dir/node_modules/js-tiktoken/package.json" ]]; then
  echo "fetch_reference.sh: installing js-tiktoken@$version into $dir" >&2
  if ! (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --prefix "$dir" \
          "js-tiktoken@$version" >&2); then
    echo "fetch_reference.sh: npm could not install js-tiktoken@$version: is the npm registry reachable?" >&2
    exit 1
  fi
fi

if [[ ! -s "$dir/cl100k_base.tiktoken" ]]; then
  node "$here/to_tiktoken.cjs" "$dir" > "$dir/cl100k_base.tiktoken.tmp"
  mv "$dir/cl100k_base.tiktoken.tmp" "$dir/cl100k_base.tiktoken"
fi
echo "$dir/cl100k_base.tiktoken"
