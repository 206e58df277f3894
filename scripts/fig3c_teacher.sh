#!/usr/bin/env bash
# fig3c_teacher.sh — make the teacher network of Fig. 3C: train the one item of
# sweeps/fig3c_teacher[_quick].yaml with `richlazy train --dump` and keep its trained W_h
# (the dump's W_h_final, float32, rows = post-synaptic) as analysis/results/fig3c_teacher[_quick].npy,
# the init.file of sweeps/fig3c[_quick].yaml. Only W_h is kept: the students draw their own
# W_x and w (see the specs). The W_h files are committed (40 kB quick, 360 kB paper) because
# `richlazy plan` needs init.file to exist; this script regenerates them (training is
# deterministic for a given OpenBLAS kernel, README "Determinism").
# Usage: scripts/fig3c_teacher.sh [quick|paper] [--force]   (default quick; skips an existing file)
#        scripts/fig3c_teacher.sh --for SPEC.yaml   the teacher SPEC needs, if any (reproduce.sh,
#        robustness.sh: a `_twin` spec needs its main sweep's)
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-quick}
if [ "$size" = --for ]; then
  name=$(basename "${2:?--for needs a spec}" .yaml)
  case "${name%_twin}" in
    fig3c_quick | fig3c_spectral_quick) size=quick ;;
    fig3c | fig3c_spectral) size=paper ;;
    *) exit 0 ;;
  esac
  set -- "$size"
fi
case "$size" in
  quick) spec=sweeps/fig3c_teacher_quick.yaml out=analysis/results/fig3c_teacher_quick.npy ;;
  paper) spec=sweeps/fig3c_teacher.yaml out=analysis/results/fig3c_teacher.npy ;;
  *) echo "fig3c_teacher.sh: size '$size' is not known; valid: quick, paper" >&2; exit 2 ;;
esac
if [ -f "$out" ] && [ "${2:-}" != "--force" ]; then
  echo "fig3c_teacher: $out exists (--force retrains it)"; exit 0
fi
rl=${RICHLAZY:-build/src/cli/richlazy}
dump=$(mktemp -d)/teacher.nc
trap 'rm -rf "$(dirname "$dump")"' EXIT
. scripts/openblas_coretype.sh
OPENBLAS_NUM_THREADS=1 "$rl" train "$spec" --item 0 --dump "$dump" |
  grep -E '^(status|final_loss|final_accuracy|wall_seconds):'
/usr/bin/python3 - "$dump" "$out" <<'PY'
import sys
import numpy as np
import xarray as xr
with xr.open_dataset(sys.argv[1]) as d:
    w = d["W_h_final"].values.astype(np.float32)
np.save(sys.argv[2], w)
print(f"fig3c_teacher: W_h_final {w.shape} -> {sys.argv[2]}")
PY
