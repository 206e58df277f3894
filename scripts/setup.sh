#!/usr/bin/env bash
# setup.sh — install what richlazy needs from Debian's archive (idempotent and quiet
# when everything is present), then configure and build it in ./build.
# Usage: scripts/setup.sh [--tests] [--notebooks]
#   --tests      what the test suites need, and warnings as errors (-Dwerror=true) in ./build
#   --notebooks  Jupyter Notebook, to open analysis/*.ipynb interactively
# Without apt (a cluster): README "Building without root" has the module/meson recipe.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/.."
tests=0 notebooks=0
for arg in "$@"; do
  case $arg in
  --tests) tests=1 ;;
  --notebooks) notebooks=1 ;;
  *) echo "usage: scripts/setup.sh [--tests] [--notebooks]" >&2; exit 2 ;;
  esac
done

pkgs=(meson ninja-build pkg-config gcc libopenmpi-dev openmpi-bin libopenblas-dev liblapacke-dev
      libyaml-dev libnetcdf-dev netcdf-bin librandom123-dev nettle-dev zlib1g-dev git
      dataset-fashion-mnist python3-xarray python3-netcdf4 python3-numpy python3-scipy
      python3-matplotlib)
if [ "$tests" = 1 ]; then
  # python3-torch: the independent cross-check of our arithmetic (suite torch, ~560 MB);
  # iproute2 and util-linux: namespaces for the two-node cluster and the full-disk tests.
  pkgs+=(clang libclang-rt-14-dev python3-nbconvert python3-ipykernel jupyter-nbconvert
         python3-nbclient python3-venv python3-pip python3-setuptools
         slurm-wlm slurmctld slurmd slurm-client munge python3-torch iproute2 util-linux)
fi
if [ "$notebooks" = 1 ]; then
  pkgs+=(jupyter-notebook python3-ipykernel)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null || true
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -f build/build.ninja ] || meson setup build >/dev/null
# Users build without -Werror (a newer compiler's new warning must not stop them); the tests
# hold the code to -Wall -Wextra -Werror.
if [ "$tests" = 1 ]; then meson configure build -Dwerror=true >/dev/null; fi
ninja -C build >/dev/null
echo "setup: built $(pwd)/build/src/cli/richlazy"
