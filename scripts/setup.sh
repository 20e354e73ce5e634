#!/usr/bin/env bash
# Installs every Debian package l2mac needs to build, test and run its demo (only the
# missing ones; nothing is downloaded when all are installed), then configures and builds
# l2mac in build/ (or $L2MAC_BUILD_DIR).
#
#   scripts/setup.sh              install + build
#   scripts/setup.sh --no-build   install only
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across clones in different folders (paths inside the tree become relative).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  libsqlite3-dev sqlite3 nlohmann-json3-dev libcurl4-openssl-dev libssl-dev zlib1g-dev
  libspdlog-dev libfmt-dev libcli11-dev libcpp-httplib-dev libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-pytest bubblewrap
  python3-pyflakes golang-go node-typescript
  clang libclang-rt-14-dev
)
# Node from Debian (nodejs 18) only when no node is installed (e.g. a newer one from NodeSource).
command -v node >/dev/null || packages+=(nodejs)
# npm fetches js-tiktoken, the reference of the exact token counts (tests/tokenizer).
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install packages" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--no-build" ]; then
  exit 0
fi

build_dir="${L2MAC_BUILD_DIR:-build}"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${L2MAC_CMAKE_ARGS:-}
fi
cmake --build "$build_dir" --parallel "$(nproc)"
