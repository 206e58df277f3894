#!/usr/bin/env bash
# example.sh — README command 1: install what is missing, build, and run the
# example sweep sweeps/quick.yaml on every local core through mpirun, ending with
# results/quick.nc and a short summary. Rerunning resumes (finished items are kept).
# Usage: scripts/example.sh [SPEC] [OUT.nc]
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/.."
spec="${1:-sweeps/quick.yaml}"
out="${2:-results/$(basename "${spec%.yaml}").nc}"
scripts/setup.sh
mkdir -p "$(dirname "$out")"
build/src/cli/richlazy plan "$spec" | grep -E '^(cube|items|cost):'
scripts/mpirun.sh -n "$(nproc)" build/src/cli/richlazy run "$spec" -o "$out" --resume
build/src/cli/richlazy status "$out"
echo "results: $out  (open it with: /usr/bin/python3 -c \"import xarray; print(xarray.open_dataset('$out'))\")"
