#!/usr/bin/env bash
# run_bench.sh [BUILD_DIR] [CORETYPE...]: the performance evidence of issues 7 and 19 in one run.
# Why a script: the ratio to PyTorch and the fraction of the sgemm peak are only
# meaningful when both sides and the peak are measured together, under the same
# OpenBLAS kernels and the same machine load. For each CORETYPE ("unset" = leave
# OPENBLAS_CORETYPE alone, else Haswell, SkylakeX, ...) it prints
#   - the machine (lscpu), date, load (uptime) and the OpenBLAS core actually used;
#   - bench_model: the GEMM kernel richlazy used (src/model/gemm.c's AVX-512 one where
#     the CPU has it), the single-thread 1024^3 peak of OpenBLAS and of that kernel and,
#     per configuration (2af, sMNIST, large), iterations/s, GFLOP/s and % of the peak,
#     where the peak is the best of the two (the best rate measured in that run);
#   - tests/reference/torch_rnn.py on the same configurations;
#   - one table: richlazy it/s, GFLOP/s, % of peak, PyTorch it/s, ratio, target (issue
#     19: 2af and sMNIST >= 92% of the peak, large >= 95%), and the bound: the it/s and
#     ratio if the whole iteration ran at 100% of the peak (GEMM flops / peak), with the
#     fraction of it reached (it/s / bound it/s, which is also ratio / bound x and, by
#     construction, the % of peak: printed so the table reads without arithmetic);
#   - bench_metrics: KA time against the training time of the same 2af item;
#   - bench_gemm: the own kernel against cblas_sgemm per product shape of rnn.c, each
#     product where the own kernel is slower flagged SLOWER, and listed again at the end;
#   - at the end, every core's rows again against the best peak of the whole run (the
#     machine's best measured single-thread rate, whichever kernel and core gave it).
# Everything runs with OPENBLAS_NUM_THREADS=1: torch.set_num_threads(1) does not stop
# OpenBLAS's own threads (PyTorch then uses ~180% CPU here), and richlazy runs one BLAS
# thread per rank. PyTorch links the same libopenblas, so a CORETYPE applies to both.
# Both sides run in ROUNDS alternating rounds (default 3) and keep their best.
# Environment: ROUNDS, TORCH_SECONDS (default 3 per window; the large configuration
# takes max(10, TORCH_SECONDS): one PyTorch iteration there is ~1 s), CONFIGS="large"
# (or any subset of "2af smnist large") to rerun only those rows (bench_model then runs
# once per configuration; bench_metrics, the 2af KA timing, only with 2af), BENCH_ENGINE=1 to
# add tests/bench/bench_engine.sh per core and, once at the end with OPENBLAS_CORETYPE
# unset (what users have), tests/bench/bench_sweep.sh (both need BUILD_DIR/src/cli/richlazy
# and mpirun; the sweep takes ~2 min on a quiet machine).
# Usage: tests/bench/run_bench.sh build-perf unset Haswell SkylakeX
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
shift || true
cores=("$@")
[ ${#cores[@]} -gt 0 ] || cores=("${OPENBLAS_CORETYPE:-unset}")
rounds=${ROUNDS:-3}
torch_seconds=${TORCH_SECONDS:-3}
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1
bench_model="$build/tests/bench/bench_model"
bench_metrics="$build/tests/metrics/bench_metrics"
bench_gemm="$build/tests/bench/bench_gemm"
for exe in "$bench_model" "$bench_metrics" "$bench_gemm"; do
  [ -x "$exe" ] || { echo "run_bench: $exe missing; build it: ninja -C $build ${exe#"$build"/}" >&2; exit 2; }
done
have_torch=1
"$py" -c "import torch" 2>/dev/null || have_torch=0

# configuration name -> "N B T n_in n_out" (bench_model's three) and the issue's target
declare -A cfg=([2af]="300 32 8 3 3" [smnist]="300 200 28 28 10" [large]="1024 256 50 32 10")
declare -A target=([2af]="peak >= 92%" [smnist]="peak >= 92%" [large]="peak >= 95%")
names=(${CONFIGS:-2af smnist large})
for name in "${names[@]}"; do
  [ -n "${cfg[$name]:-}" ] || { echo "run_bench: CONFIGS: unknown configuration $name (valid: 2af smnist large)" >&2; exit 2; }
done
# bench_model on the chosen configurations (all three in one process when all are chosen)
model_runs() {
  if [ ${#names[@]} -eq 3 ]; then "$bench_model"; return; fi
  for name in "${names[@]}"; do "$bench_model" ${cfg[$name]}; done
}

# One run of torch_rnn.py bench "$1" for $2 s; prints it/s (or "n/a" without torch).
torch_once() {
  [ "$have_torch" = 1 ] || { echo n/a; return; }
  "$py" "$src/tests/reference/torch_rnn.py" bench $1 "$2" | awk '/iterations_per_second/ {print $2}'
}

# A verdict for one configuration from its % of peak (issue 19's targets; $2, the ratio to
# PyTorch, was issue 7's measure and is reported, not judged).
verdict() {
  case "$1" in
    2af | smnist) awk -v p="$3" 'BEGIN {print (p >= 92) ? "met" : "MISSED"}' ;;
    large) awk -v p="$3" 'BEGIN {print (p >= 95) ? "met" : "MISSED"}' ;;
  esac
}

echo "== richlazy benchmark $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p') (family $(lscpu | sed -n 's/^CPU family: *//p')," \
     "model $(lscpu | sed -n 's/^Model: *//p')), $(nproc --all) CPUs, $(lscpu | sed -n 's/^L2 cache: *//p') L2"
echo "python3-torch: $([ "$have_torch" = 1 ] && "$py" -c 'import torch; print(torch.__version__)' || echo 'not installed (ratios n/a)')"
max() { awk -v a="$1" -v b="$2" 'BEGIN {print (b + 0 > a + 0) ? b : a}'; }
rows=()     # "core config it/s GFLOP/s PyTorch/s ratio" per core and configuration
slower=()   # bench_gemm lines where the own kernel lost to OpenBLAS, per core
run_peak=0  # the best single-thread 1024^3 rate of the whole run
for core in "${cores[@]}"; do
  if [ "$core" = unset ]; then unset OPENBLAS_CORETYPE; else export OPENBLAS_CORETYPE="$core"; fi
  echo
  echo "==== OPENBLAS_CORETYPE=$core  load before: $(uptime | sed 's/.*load average: //')"
  declare -A its=() flops=() tor=()
  peak=0 peak_ob=0 peak_own=0
  # Rounds alternate the two sides, so a busy spell on the machine hits both; each
  # quantity keeps its best round.
  for round in $(seq "$rounds"); do
    echo "-- round $round/$rounds: bench_model"
    out=$(model_runs)
    echo "$out"
    best_of() { echo "$out" | sed -n "s/^$1.*before\/after): \([0-9.]*\) \/ \([0-9.]*\) GFLOP.*/\1 \2/p" |
                awk '{m = ($1 > $2) ? $1 : $2; if (m > best) best = m} END {print best + 0}'; }
    peak_ob=$(max "$peak_ob" "$(best_of 'single-thread sgemm peak')")
    peak_own=$(max "$peak_own" "$(best_of 'own kernel')")
    peak=$(max "$peak_ob" "$peak_own")
    core_name=$(echo "$out" | sed -n 's/^OpenBLAS core \([^ ]*\).*/\1/p')
    kernel=$(echo "$out" | sed -n 's/^richlazy GEMM kernel: \([^ ]*\).*/\1/p')
    for name in "${names[@]}"; do
      read -r n b t _ _ <<<"${cfg[$name]}"
      line=$(echo "$out" | grep -E "^N= *$n B= *$b T= *$t ")
      i=$(echo "$line" | awk -F'|' '{print $2 + 0}')
      flops[$name]=$(echo "$line" | awk -F'|' '{print 1e9 * $3 / $2}') # GEMM flops per iteration
      its[$name]=$(max "${its[$name]:-0}" "$i")
    done
    echo "-- round $round/$rounds: PyTorch reference (torch_rnn.py bench)"
    for name in "${names[@]}"; do
      secs=$torch_seconds
      [ "$name" = large ] && secs=$(max "$secs" 10)
      v=$(torch_once "${cfg[$name]}" "$secs")
      echo "$name (${cfg[$name]}), ${secs} s: $v it/s"
      [ "$v" = n/a ] && tor[$name]=n/a || tor[$name]=$(max "${tor[$name]:-0}" "$v")
    done
  done
  echo "-- summary, OpenBLAS core $core_name, richlazy kernel $kernel, best of $rounds rounds," \
       "peak $peak GFLOP/s (best of OpenBLAS $peak_ob, own kernel $peak_own)"
  printf '%-7s %-18s %9s %8s %6s %10s %6s  %-13s %-7s %10s %8s %7s\n' config "N B T n_in n_out" \
    "it/s" GFLOP/s "%peak" "PyTorch/s" ratio target verdict "bound it/s" "bound x" "%bound"
  for name in "${names[@]}"; do
    gf=$(awk -v i="${its[$name]}" -v f="${flops[$name]}" 'BEGIN {print i * f * 1e-9}')
    pk=$(awk -v g="$gf" -v p="$peak" 'BEGIN {print 100 * g / p}')
    ratio=$(awk -v a="${its[$name]}" -v b="${tor[$name]}" 'BEGIN {print (b == "n/a" || b == 0) ? "n/a" : sprintf("%.2f", a / b)}')
    bound=$(awk -v p="$peak" -v f="${flops[$name]}" 'BEGIN {printf "%.2f", p * 1e9 / f}')
    bratio=$(awk -v a="$bound" -v b="${tor[$name]}" 'BEGIN {print (b == "n/a" || b == 0) ? "n/a" : sprintf("%.2f", a / b)}')
    fbound=$(awk -v i="${its[$name]}" -v b="$bound" 'BEGIN {printf "%.1f", 100 * i / b}')
    printf '%-7s %-18s %9.2f %8.1f %6.1f %10s %6s  %-13s %-7s %10s %8s %7s\n' "$name" "${cfg[$name]}" \
      "${its[$name]}" "$gf" "$pk" "${tor[$name]}" "$ratio" "${target[$name]}" \
      "$(verdict "$name" "$ratio" "$pk")" "$bound" "$bratio" "$fbound"
    rows+=("$core_name $name ${its[$name]} $gf ${tor[$name]} $ratio")
  done
  run_peak=$(max "$run_peak" "$peak")
  if [[ " ${names[*]} " == *" 2af "* ]]; then
    echo "-- KA against training (bench_metrics)"
    "$bench_metrics"
  fi
  echo "-- per product: own kernel against OpenBLAS (bench_gemm)"
  gout=$("$bench_gemm")
  echo "$gout"
  while IFS= read -r l; do slower+=("$core_name: $l"); done < <(echo "$gout" | grep ' SLOWER$' || true)
  if [ "${BENCH_ENGINE:-0}" = 1 ]; then
    echo "-- sweep engine (bench_engine.sh)"
    "$here/bench_engine.sh" "$build/src/cli/richlazy" 2000
  fi
  echo "load after: $(uptime | sed 's/.*load average: //')"
done
echo
echo "==== all cores against the best peak of the whole run: $run_peak GFLOP/s"
printf '%-9s %-7s %9s %8s %6s %10s %6s  %-13s %-7s\n' core config "it/s" GFLOP/s "%best" \
  "PyTorch/s" ratio target verdict
for row in "${rows[@]}"; do
  read -r c name i gf t r <<<"$row"
  pk=$(awk -v g="$gf" -v p="$run_peak" 'BEGIN {print 100 * g / p}')
  printf '%-9s %-7s %9.2f %8.1f %6.1f %10s %6s  %-13s %-7s\n' "$c" "$name" "$i" "$gf" "$pk" "$t" "$r" \
    "${target[$name]}" "$(verdict "$name" "$r" "$pk")"
done
echo
if [ ${#slower[@]} -eq 0 ]; then
  echo "==== bench_gemm: the own kernel was at least as fast as OpenBLAS on every product"
else
  echo "==== bench_gemm: products where the own kernel was SLOWER than OpenBLAS on this machine"
  printf '%s\n' "${slower[@]}"
fi
if [ "${BENCH_ENGINE:-0}" = 1 ]; then
  echo
  echo "==== sweep speed-up, 1 rank vs 2 (bench_sweep.sh, OPENBLAS_CORETYPE unset)"
  (unset OPENBLAS_CORETYPE; "$here/bench_sweep.sh" "$build/src/cli/richlazy")
fi
