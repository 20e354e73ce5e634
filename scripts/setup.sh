#!/usr/bin/env bash
# Installs the Debian packages l2mac needs (only the missing ones; nothing is downloaded
# when all are installed), then configures and builds l2mac in build/ (or $L2MAC_BUILD_DIR).
#
#   scripts/setup.sh              the demo's packages, then build the l2mac binary only
#   scripts/setup.sh --tests      also the test suite's packages (test.sh uses this)
#   scripts/setup.sh --no-build   install only (combine with --tests)
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across clones in different folders (paths inside the tree become relative).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
# ... and debug builds (-g) hit too: the compile folder is not part of the hash.
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

with_tests=0
build=1
for arg in "$@"; do
  case "$arg" in
    --tests) with_tests=1 ;;
    --no-build) build=0 ;;
    *) echo "setup: unknown option $arg (use --tests, --no-build)" >&2; exit 2 ;;
  esac
done

# What building l2mac and running the demo need: the compiler and libraries, and the
# tools the demo's checks run (Python with pytest and pyflakes, bubblewrap).
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libsqlite3-dev nlohmann-json3-dev libcurl4-openssl-dev libssl-dev zlib1g-dev
  libspdlog-dev libfmt-dev libcli11-dev libre2-dev
  python3 python3-pytest python3-pyflakes bubblewrap
)
if [ $with_tests -eq 1 ]; then
  # The test suite: test frameworks, the simulated model server's HTTP library, the
  # formatting check, the toolchains the scenario tests generate code for, clang with
  # its sanitizer and libFuzzer runtimes, tmux (a terminal for the live view's test) and
  # headless Chromium, which loads the HTML report (tests/scenarios/report_test.cpp).
  packages+=(
    clang-format sqlite3 libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev
    golang-go node-typescript clang libclang-rt-14-dev tmux chromium
  )
  # Node from Debian (nodejs 18) only when no node is installed (e.g. a newer one from NodeSource).
  command -v node >/dev/null || packages+=(nodejs)
  # npm fetches js-tiktoken, the reference of the exact token counts (tests/tokenizer), and
  # the MCP SDK for the MCP server's end-to-end test (tests/mcp).
  command -v npm >/dev/null || packages+=(npm)
fi

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

if [ $with_tests -eq 1 ]; then
  # The official MCP SDK client that drives `l2mac mcp` in tests/scenarios/mcp_test.cpp,
  # pinned by tests/mcp/package-lock.json. `npm ci` runs only when the lock file differs
  # from the one last installed, so a second setup downloads nothing.
  if ! cmp -s tests/mcp/package-lock.json tests/mcp/node_modules/.l2mac-installed-lock; then
    echo "setup: installing the MCP test client's packages (npm ci in tests/mcp)"
    (cd tests/mcp && npm ci --no-audit --no-fund --loglevel=error)
    cp tests/mcp/package-lock.json tests/mcp/node_modules/.l2mac-installed-lock
  fi
fi

[ $build -eq 1 ] || exit 0

# The demo needs only the binary: a first configure leaves the tests and benchmarks out
# (test.sh turns them on in the same folder), and only the l2mac target is built.
build_dir="${L2MAC_BUILD_DIR:-build}"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DL2MAC_BUILD_TESTS=OFF -DL2MAC_BUILD_BENCH=OFF ${L2MAC_CMAKE_ARGS:-}
fi
cmake --build "$build_dir" --parallel "$(nproc)" --target l2mac_cli
