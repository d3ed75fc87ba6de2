#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (run as root) and builds tenet into build/.
#
# Installs only the Debian packages that are missing (apt-get update runs only
# then), configures with CMake + Ninja, and builds. Safe to run again: an
# up-to-date machine and build cost a few seconds.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
  build-essential cmake ninja-build
  tao-pegtl-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libsimdjson-dev libssl-dev
  # dtl (header only): the unified diffs of `tenet fmt --check`
  libdtl-dev
  pkg-config postgresql libpq-dev ccache clang-format
  curl prometheus
  # genhtml reads the lcov tracefile of `tenet test --lcov` (tests/integration)
  lcov
  # clang and its runtime (libFuzzer, ASan, UBSan): the fuzz targets that
  # scripts/test.sh runs briefly (scripts/fuzz.sh, docs/FUZZING.md)
  clang libclang-rt-14-dev
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done

# The Python and Node client tests (bindings/) need python3 and node. Debian's
# packages are installed only when no such command is on PATH: a machine may
# already have its own (e.g. a newer node that Debian's nodejs would conflict with).
command -v python3 >/dev/null || missing+=(python3)
command -v node >/dev/null || missing+=(nodejs)
# The decision-log test checks records against docs/schema/ with jsonschema.
python3 -c 'import jsonschema' 2>/dev/null || missing+=(python3-jsonschema)

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ccache keys on paths relative to the checkout, so a fresh clone elsewhere
# (CI's) reuses the compiles of this one.
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1

cmake -S . -B build -G Ninja
cmake --build build -j2
