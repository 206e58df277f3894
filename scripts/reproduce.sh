#!/usr/bin/env bash
# reproduce.sh — run the quick sweep of every paper figure and appendix control on all local
# cores into analysis/results/, then compute the statistics of REPRODUCTION.md
# (analysis/results/tables.md). Each sweep resumes if interrupted; rerunning skips what is done.
# Fig. 3C's sweeps need a teacher network: scripts/fig3c_teacher.sh makes it first if absent.
# Usage: scripts/reproduce.sh [SWEEP.yaml ...]   (default: every quick reproduction sweep)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# OpenBLAS 0.3.21 does not recognise some recent CPUs and falls back to slow generic kernels;
# choose the AVX2 kernels where the CPU has them, unless the user chose already.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=Haswell
  echo "reproduce: OPENBLAS_CORETYPE unset; using Haswell kernels (the CPU has AVX2 and FMA)"
fi
sweeps=("$@")
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
  case "$(basename "$s")" in
    fig3c_quick.yaml | fig3c_spectral_quick.yaml) scripts/fig3c_teacher.sh quick ;;
    fig3c.yaml) scripts/fig3c_teacher.sh paper ;;
  esac
  scripts/mpirun.sh -n "$(nproc)" build/src/cli/richlazy run "$s" -o "$out" --progress-every 60
done
/usr/bin/python3 analysis/reproduction.py analysis/results > analysis/results/tables.md
echo "reproduce: statistics in analysis/results/tables.md"
# The figures: each notebook on its results file, PNGs into analysis/results/figures/<sweep>/
# (NOTEBOOK:RESULTS[:AXIS=VALUE], the selection going to analysis/results/figures/<sweep>_<VALUE>/).
export PYDEVD_DISABLE_FILE_VALIDATION=1
for entry in fig1:fig1_lowrank_quick fig1:fig1_smnist_quick fig2:fig2_quick fig2:fig2_em_quick \
             fig3:fig3_quick fig3:fig3c_quick fig3:fig3c_spectral_quick theorem1:theorem1_quick \
             fig1:kernel_curve_quick fig1:fig1_lowrank fig1:fig1_gain15 fig1:fig1_matched \
             fig1:fig1_unpaired fig1:fig1_smnist fig2:fig2_em:norm=frobenius \
             fig2:fig2_em:norm=spectral fig2:fig2:norm=frobenius fig2:fig2:norm=spectral fig3:fig3c; do
  IFS=: read -r nb res select <<<"$entry"
  [ -f "analysis/results/$res.nc" ] || continue
  dir="results/figures/$res${select:+_${select#*=}}"
  (cd analysis && RICHLAZY_RESULTS="results/$res.nc" RICHLAZY_FIGURES="$dir" \
     RICHLAZY_SELECT="$select" RICHLAZY_DUMPS="$(mktemp -d)" jupyter nbconvert --to notebook \
     --execute --output "$(mktemp -d)/$nb.ipynb" "$nb.ipynb" >/dev/null 2>&1) &&
    echo "reproduce: figures of $res${select:+ ($select)} in analysis/$dir" ||
    echo "reproduce: notebook $nb failed on $res"
done
