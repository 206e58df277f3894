#!/usr/bin/env bash
# reproduce.sh — run the quick sweep of every paper figure and appendix control on all local
# cores into analysis/results/, then compute the statistics of REPRODUCTION.md
# (analysis/results/tables.md). Each sweep resumes if interrupted; rerunning skips what is done.
# Fig. 3C's sweeps need a teacher network: scripts/fig3c_teacher.sh makes it first if absent.
# Usage: scripts/reproduce.sh [SWEEP.yaml ...]   (default: every quick reproduction sweep)
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -euo pipefail
sweeps=()
for s in "$@"; do  # the caller's paths, before the cd below (specs name their files from the root)
  [ -f "$s" ] || { echo "reproduce.sh: $s: no such spec" >&2; exit 2; }
  sweeps+=("$(realpath "$s")")
done
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/openblas_coretype.sh
if [ ${#sweeps[@]} -eq 0 ]; then
  sweeps=(sweeps/fig1_lowrank_quick.yaml sweeps/fig1_smnist_quick.yaml sweeps/fig2_quick.yaml
          sweeps/fig2_em_quick.yaml sweeps/fig3_quick.yaml sweeps/fig3c_quick.yaml
          sweeps/fig3c_spectral_quick.yaml
          sweeps/theorem1_quick.yaml
          sweeps/appendix/*_quick.yaml)
fi
mkdir -p analysis/results
for s in "${sweeps[@]}"; do
  out="analysis/results/$(basename "${s%.yaml}").nc"
  echo "== $s -> $out"
  scripts/fig3c_teacher.sh --for "$s"
  scripts/mpirun.sh -n "$(nproc)" build/src/cli/richlazy run "$s" -o "$out" --progress-every 60
done
/usr/bin/python3 analysis/reproduction.py analysis/results > analysis/results/tables.md
echo "reproduce: statistics in analysis/results/tables.md"
scripts/figures.sh
