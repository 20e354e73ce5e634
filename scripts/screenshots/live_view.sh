#!/usr/bin/env bash
# Makes docs/images/live-view.png, the live view of README.md and docs/CLI.md: the real
# l2mac binary runs the demo spec in a tmux terminal against a deliberately slow model (the
# shipped transcript examples/url_shortener/transcript.jsonl served by
# slow_model_server.py, one reply every 1.2 s), the pane is captured with its colours while
# the third instruction works, and headless Chromium renders it (via ansi_to_html.py).
#
# Needs a built l2mac (build/, or L2MAC_BUILD_DIR), tmux and chromium (scripts/setup.sh
# --tests installs both). The run writes demo-output/live-view/, a relative path, so no
# local folder appears in the picture. Usage: scripts/screenshots/live_view.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir="${L2MAC_BUILD_DIR:-build}"
png="${1:-docs/images/live-view.png}"
cols=104
rows=22
for tool in tmux chromium; do
  command -v "$tool" >/dev/null || {
    echo "live_view.sh: $tool is missing: run scripts/setup.sh --tests" >&2
    exit 1
  }
done
[ -x "$build_dir/l2mac" ] || {
  echo "live_view.sh: no $build_dir/l2mac: build it first (scripts/setup.sh)" >&2
  exit 1
}

work="$(mktemp -d)"
socket="l2mac-screenshot-$$"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  tmux -L "$socket" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

out=demo-output/live-view
rm -rf "$out"
mkdir -p demo-output
/usr/bin/python3 scripts/screenshots/slow_model_server.py \
  examples/url_shortener/transcript.jsonl "$work/port" --delay 1.2 &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "live_view.sh: the model server did not start" >&2; exit 1; }

# The terminal shows the command as typed, then the run. The model server is named by the
# environment, so the command reads like the README's. The window is the demo's, so the
# long third instruction restarts its context once, as recorded.
cat >"$work/run.sh" <<EOF
export L2MAC_BASE_URL=http://127.0.0.1:$(cat "$work/port")/v1 L2MAC_MODEL=gpt-4o-mini
export XDG_CONFIG_HOME=/nonexistent TERM=xterm-256color
unset L2MAC_CONFIG OPENAI_API_KEY ANTHROPIC_API_KEY NO_COLOR
printf '\033[1m\$\033[0m l2mac run examples/url_shortener/spec.md --out $out --no-stream --context-window 9850\n'
'$build_dir/l2mac' run examples/url_shortener/spec.md --out '$out' --no-stream --context-window 9850
sleep 600
EOF
tmux -L "$socket" -f /dev/null new-session -d -x "$cols" -y "$rows" -s shot "sh $work/run.sh"

# Waits for the third instruction to be under way with two committed, then for a moment
# when it writes a file or calls the model, and captures that screen.
captured=""
for _ in $(seq 900); do
  screen="$(tmux -L "$socket" capture-pane -p -t shot)"
  if grep -q '^\[2/5\] instruction 3 ' <<<"$screen" && grep -q 'context \[' <<<"$screen" &&
    grep -qE 'instruction 3 [0-9.]+s (wrote|calling the model)' <<<"$screen" &&
    grep -qE 'instruction 3 ([4-9]|[1-9][0-9])\.' <<<"$screen"; then
    tmux -L "$socket" capture-pane -e -p -t shot >"$work/screen.ansi"
    captured=yes
    break
  fi
  if grep -q 'instructions committed' <<<"$screen"; then break; fi
  sleep 0.1
done
[ -n "$captured" ] || {
  echo "live_view.sh: the run never showed instruction 3 at work; last screen:" >&2
  echo "$screen" >&2
  exit 1
}

# Only the rows in use: the status area is the last of them.
sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$work/screen.ansi" >"$work/trimmed.ansi"
lines=$(wc -l <"$work/trimmed.ansi")
/usr/bin/python3 scripts/screenshots/ansi_to_html.py <"$work/trimmed.ansi" >"$work/screen.html"
width=$((cols * 9 + 40))
height=$(((lines + 1) * 20 + 28))
chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --screenshot="$work/shot.png" \
  --window-size="$width,$height" "file://$work/screen.html" 2>/dev/null
mkdir -p "$(dirname "$png")"
mv "$work/shot.png" "$png"
echo "live_view.sh: wrote $png ($(wc -c <"$png") bytes, $lines lines of ${cols} columns)"
