#!/usr/bin/env bash
# run_bench.sh [BUILD_DIR] [CORETYPE...]: the performance evidence of issue 7 in one run.
# Why a script: the ratio to PyTorch and the fraction of the sgemm peak are only
# meaningful when both sides and the peak are measured together, under the same
# OpenBLAS kernels and the same machine load. For each CORETYPE ("unset" = leave
# OPENBLAS_CORETYPE alone, else Haswell, SkylakeX, ...) it prints
#   - the machine (lscpu), date, load (uptime) and the OpenBLAS core actually used;
#   - bench_model: the single-thread sgemm peak and, per configuration (2af, sMNIST,
#     large), richlazy's iterations/s, GFLOP/s and % of the peak;
#   - tests/reference/torch_rnn.py on the same configurations (best of TORCH_REPS runs);
#   - one table: richlazy it/s, GFLOP/s, % of peak, PyTorch it/s, ratio, target;
#   - bench_metrics: KA time against the training time of the same 2af item.
# Everything runs with OPENBLAS_NUM_THREADS=1: torch.set_num_threads(1) does not stop
# OpenBLAS's own threads (PyTorch then uses ~180% CPU here), and richlazy runs one BLAS
# thread per rank. PyTorch links the same libopenblas, so a CORETYPE applies to both.
# Environment: TORCH_REPS (default 3), TORCH_SECONDS (default 3), BENCH_ENGINE=1 to
# add tests/bench/bench_engine.sh (needs BUILD_DIR/src/cli/richlazy and mpirun).
# Usage: tests/bench/run_bench.sh build-perf unset Haswell SkylakeX
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
shift || true
cores=("$@")
[ ${#cores[@]} -gt 0 ] || cores=("${OPENBLAS_CORETYPE:-unset}")
torch_reps=${TORCH_REPS:-3}
torch_seconds=${TORCH_SECONDS:-3}
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1
bench_model="$build/tests/bench/bench_model"
bench_metrics="$build/tests/metrics/bench_metrics"
for exe in "$bench_model" "$bench_metrics"; do
  [ -x "$exe" ] || { echo "run_bench: $exe missing; build it: ninja -C $build ${exe#"$build"/}" >&2; exit 2; }
done
have_torch=1
"$py" -c "import torch" 2>/dev/null || have_torch=0

# configuration name -> "N B T n_in n_out" (bench_model's three) and the issue's target
declare -A cfg=([2af]="300 32 8 3 3" [smnist]="300 200 28 28 10" [large]="1024 256 50 32 10")
declare -A target=([2af]="ratio >= 4.5" [smnist]="ratio >= 1.5" [large]="peak >= 80%")
names=(2af smnist large)

# Best of torch_reps runs of torch_rnn.py bench; prints it/s (or "n/a").
torch_best() {
  local best=0 v
  [ "$have_torch" = 1 ] || { echo n/a; return; }
  for _ in $(seq "$torch_reps"); do
    v=$("$py" "$src/tests/reference/torch_rnn.py" bench $1 "$torch_seconds" |
        awk '/iterations_per_second/ {print $2}')
    best=$(awk -v a="$best" -v b="$v" 'BEGIN {print (b > a) ? b : a}')
  done
  echo "$best"
}

# A verdict for one configuration from its ratio and % of peak.
verdict() {
  case "$1" in
    2af) awk -v r="$2" 'BEGIN {print (r != "n/a" && r >= 4.5) ? "met" : "MISSED"}' ;;
    smnist) awk -v r="$2" 'BEGIN {print (r != "n/a" && r >= 1.5) ? "met" : "MISSED"}' ;;
    large) awk -v p="$3" 'BEGIN {print (p >= 80) ? "met" : "MISSED"}' ;;
  esac
}

echo "== richlazy benchmark $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, $(lscpu | sed -n 's/^L2 cache: *//p') L2"
echo "python3-torch: $([ "$have_torch" = 1 ] && "$py" -c 'import torch; print(torch.__version__)' || echo 'not installed (ratios n/a)')"
for core in "${cores[@]}"; do
  if [ "$core" = unset ]; then unset OPENBLAS_CORETYPE; else export OPENBLAS_CORETYPE="$core"; fi
  echo
  echo "==== OPENBLAS_CORETYPE=$core  load before: $(uptime | sed 's/.*load average: //')"
  out=$("$bench_model")
  echo "$out"
  echo "-- PyTorch reference (torch_rnn.py bench, best of $torch_reps x ${torch_seconds} s)"
  declare -A tor=()
  for name in "${names[@]}"; do
    tor[$name]=$(torch_best "${cfg[$name]}")
    echo "$name (${cfg[$name]}): ${tor[$name]} it/s"
  done
  echo "-- summary, OpenBLAS core $(echo "$out" | sed -n 's/^OpenBLAS core \([^ ]*\).*/\1/p')"
  printf '%-7s %-18s %10s %8s %7s %11s %7s  %-14s %s\n' config "N B T n_in n_out" \
    "it/s" GFLOP/s "%peak" "PyTorch/s" ratio target verdict
  for name in "${names[@]}"; do
    read -r n b t ni no <<<"${cfg[$name]}"
    line=$(echo "$out" | grep -E "^N= *$n B= *$b T= *$t ")
    its=$(echo "$line" | awk -F'|' '{print $2 + 0}')
    gf=$(echo "$line" | awk -F'|' '{print $3 + 0}')
    pk=$(echo "$line" | awk -F'|' '{print $4 + 0}')
    ratio=$(awk -v a="$its" -v b="${tor[$name]}" 'BEGIN {print (b == "n/a" || b == 0) ? "n/a" : sprintf("%.2f", a / b)}')
    printf '%-7s %-18s %10.2f %8.1f %7.1f %11s %7s  %-14s %s\n' "$name" "${cfg[$name]}" \
      "$its" "$gf" "$pk" "${tor[$name]}" "$ratio" "${target[$name]}" "$(verdict "$name" "$ratio" "$pk")"
  done
  echo "-- KA against training (bench_metrics)"
  "$bench_metrics"
  if [ "${BENCH_ENGINE:-0}" = 1 ]; then
    echo "-- sweep engine (bench_engine.sh)"
    "$here/bench_engine.sh" "$build/src/cli/richlazy" 2000
  fi
  echo "load after: $(uptime | sed 's/.*load average: //')"
done
