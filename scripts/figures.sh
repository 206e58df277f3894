#!/usr/bin/env bash
# figures.sh — draw the figures of every committed results file: each notebook executed on its
# results file, PNGs into analysis/results/figures/<sweep>/ (reproduce.sh calls it after the sweeps;
# run it alone to redraw from analysis/results/*.nc without running anything). With sweep names
# (the results files' base names), only their figures: redrawing one finished sweep's figures
# should not re-execute every notebook (~4 min).
# Usage: scripts/figures.sh [SWEEP...]      e.g. scripts/figures.sh fig2 fig2_em
set -uo pipefail
case "${1:-}" in -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
# The figures: each notebook on its results file, PNGs into analysis/results/figures/<sweep>/
# (NOTEBOOK:RESULTS[:AXIS=VALUE], the selection going to analysis/results/figures/<sweep>_<VALUE>/).
export PYDEVD_DISABLE_FILE_VALIDATION=1
entries=(fig1:fig1_lowrank_quick fig1:fig1_smnist_quick fig2:fig2_quick fig2:fig2_em_quick
         fig3:fig3_quick fig3:fig3c_quick fig3:fig3c_spectral_quick theorem1:theorem1_quick
         fig1:kernel_curve_quick fig1:fig1_lowrank fig1:fig1_gain15 fig1:fig1_matched
         fig1:fig1_unpaired fig1:fig1_smnist fig2:fig2_em:norm=frobenius
         fig2:fig2_em:norm=spectral fig2:fig2:norm=frobenius fig2:fig2:norm=spectral fig3:fig3c
         fig3:fig3c_spectral)
known=$(printf '%s\n' "${entries[@]}" | cut -d: -f2 | sort -u)
for want in "$@"; do
  grep -qx "$want" <<<"$known" ||
    { echo "figures.sh: no figures are drawn from '$want'; valid:" $known >&2; exit 2; }
done
for entry in "${entries[@]}"; do
  IFS=: read -r nb res select <<<"$entry"
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$res"; then continue; fi
  [ -f "analysis/results/$res.nc" ] || { [ $# -gt 0 ] && echo "figures: analysis/results/$res.nc not found"; continue; }
  if ! /usr/bin/python3 -c 'import sys, netCDF4; sys.exit(int((netCDF4.Dataset(sys.argv[1])["status"][:] == 0).any()))' \
       "analysis/results/$res.nc" 2>/dev/null; then
    echo "figures: $res has pending items (a sweep in progress): skipped"; continue
  fi
  dir="results/figures/$res${select:+_${select#*=}}"
  (cd analysis && RICHLAZY_RESULTS="results/$res.nc" RICHLAZY_FIGURES="$dir" \
     RICHLAZY_SELECT="$select" RICHLAZY_DUMPS="$(mktemp -d)" jupyter nbconvert --to notebook \
     --execute --output "$(mktemp -d)/$nb.ipynb" "$nb.ipynb" >/dev/null 2>&1) &&
    echo "reproduce: figures of $res${select:+ ($select)} in analysis/$dir" ||
    echo "reproduce: notebook $nb failed on $res"
done
