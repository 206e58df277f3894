#!/usr/bin/env bash
# robustness.sh — run a sweep again with a second arithmetic, for REPRODUCTION.md's "Robustness
# to arithmetic": chaotic items (sMNIST, Fig. 3C) take another path when one GEMM sums in another
# order, and a verdict that flips with it is no verdict. ARITH `own` is richlazy's GEMM kernel,
# `blas` is OpenBLAS (RICHLAZY_GEMM=blas). The results go to
# analysis/results/robustness/NAME_ARITH.nc, NAME being the spec's file name without `.yaml` and
# without a trailing `_twin` (a twin spec, sweeps/robustness/, holds a subset of NAME's items,
# which are the same items: draws depend on the sweep seed and the item's seed only).
# reproduction.py pairs NAME_blas.nc with NAME_own.nc, or, where there is none, with
# analysis/results/NAME.nc: that run is then the own-kernel one, and must be by the same build
# (reproduction.py prints both builds). Resumes like any run; rerunning skips what is done.
# Usage: scripts/robustness.sh own|blas SPEC.yaml [RICHLAZY]   (default build/src/cli/richlazy)
#   RICHLAZY_RANKS=N: ranks (default: every local core); RICHLAZY_RESULTS_DIR=DIR: DIR/robustness/
set -euo pipefail
usage() { sed -n '2,14s/^# \{0,1\}//p' "$0"; }
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then usage; exit 0; fi
if [ $# -lt 2 ] || [ $# -gt 3 ] || { [ "$1" != own ] && [ "$1" != blas ]; }; then
  usage >&2; exit 2
fi
arith=$1
[ -f "$2" ] || { echo "robustness.sh: $2: no such spec" >&2; exit 2; }
spec=$(realpath "$2")
bin=$(realpath -m "${3:-$(dirname "$0")/../build/src/cli/richlazy}")
results=$(realpath -m "${RICHLAZY_RESULTS_DIR:-$(dirname "$0")/../analysis/results}")
cd "$(dirname "$0")/.."
[ -x "$bin" ] || { echo "robustness.sh: $bin: no richlazy binary (scripts/setup.sh builds one)" >&2; exit 2; }
. scripts/openblas_coretype.sh
name=$(basename "${spec%.yaml}")
name=${name%_twin}
out="$results/robustness/${name}_${arith}.nc"
mkdir -p "$results/robustness"
RICHLAZY=$bin scripts/fig3c_teacher.sh --for "$spec"
if [ "$arith" = blas ]; then export RICHLAZY_GEMM=blas; else unset RICHLAZY_GEMM; fi
echo "robustness.sh: $spec with the $arith arithmetic -> $out"
# -x: ranks on other nodes get the choice too (local ranks inherit the environment anyway).
exec scripts/mpirun.sh -n "${RICHLAZY_RANKS:-$(nproc)}" ${RICHLAZY_GEMM:+-x RICHLAZY_GEMM} \
  ${OPENBLAS_CORETYPE:+-x OPENBLAS_CORETYPE} "$bin" run "$spec" -o "$out" --progress-every 300
