#!/usr/bin/env bash
# setup.sh — install what richlazy needs from Debian's archive (idempotent and quiet
# when everything is present), then configure and build it in ./build.
# Usage: scripts/setup.sh [--tests]   (--tests adds what the test suites need)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(meson ninja-build pkg-config gcc libopenmpi-dev openmpi-bin libopenblas-dev liblapacke-dev
      libyaml-dev libnetcdf-dev netcdf-bin librandom123-dev nettle-dev zlib1g-dev git
      dataset-fashion-mnist python3-xarray python3-netcdf4 python3-numpy python3-scipy
      python3-matplotlib)
if [ "${1:-}" = "--tests" ]; then
  # python3-torch: the independent cross-check of our arithmetic (suite torch, ~560 MB);
  # iproute2 and util-linux: namespaces for the two-node cluster and the full-disk tests.
  pkgs+=(clang libclang-rt-14-dev python3-nbconvert python3-ipykernel jupyter-nbconvert
         python3-nbclient slurm-wlm slurmctld slurmd slurm-client munge python3-torch
         iproute2 util-linux)
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
ninja -C build >/dev/null
echo "setup: built $(pwd)/build/src/cli/richlazy"
