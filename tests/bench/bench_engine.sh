#!/usr/bin/env bash
# bench_engine.sh [RICHLAZY] [ITEMS]: the sweep engine's own cost per item (a benchmark,
# not a test). Trivial items (fake runner, 0 iterations: a parameter hash, no sleep)
# leave only the engine: dispatch, MPI messages, trainer-thread hand-off, journal
# writes and group-committed fsyncs, final cube. For P = 2, 4, 8 (RL_BENCH_P="2 4 ... 32"
# for more; oversubscribed beyond the cores) it prints
#   items/s        ITEMS / engine wall time (rank 0's rl_run_sweep, launch excluded)
#   ms/item        engine wall x training ranks / ITEMS: how long one training slot is
#                  held per item (the per-item overhead; target <= 2 ms)
#   ms/item/core   engine wall x min(training ranks, cores) / ITEMS: the same per
#                  core actually available (P > cores is oversubscribed)
#   launch s       the whole mpirun, start-up and teardown included
#   coord ms/item  CPU time of rank 0's coordinating thread per item: what one result
#                  costs the coordinator (journal, fsync share, dispatch, snapshots)
# Usage: tests/bench/bench_engine.sh build/src/cli/richlazy-test 2000 (the fake items are
# only in the test program richlazy-test; the installed richlazy ignores RICHLAZY_FAKE_RUNNER)
set -euo pipefail
exe=$(readlink -f "${1:-build/src/cli/richlazy-test}")
items=${2:-2000}
cores=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1 RICHLAZY_FAKE_RUNNER=1

{
  echo "name: bench-engine"
  printf 'axes:\n  seed: ['
  seq -s ', ' 0 $((items - 1)) | tr -d '\n'
  printf ']\nparams:\n  model.hidden: 4\n  train: {iterations: 0}\n'
} > "$tmp/bench.yaml"

echo "bench_engine: $items trivial items, $cores cores, $(basename "$exe") $("$exe" --version 2>/dev/null || true)"
printf '%3s %8s %10s %9s %13s %9s %14s %14s\n' P trainers items/s ms/item ms/item/core launch_s \
  "rank0 cpu %" "coord ms/item"
for P in ${RL_BENCH_P:-2 4 8}; do
  rm -f "$tmp"/out.nc*
  t0=$(date +%s.%N)
  log=$(mpirun --oversubscribe -n "$P" "$exe" run "$tmp/bench.yaml" -o "$tmp/out.nc" \
        --progress-every 1000 2>&1) || { echo "P=$P failed:"; echo "$log" | tail -5; exit 1; }
  t1=$(date +%s.%N)
  line=$(echo "$log" | grep "items finished by this run")
  wall=$(echo "$line" | sed -E 's/.* in ([0-9.]+) s on.*/\1/')
  share=$(echo "$line" | sed -E 's/.*\(([0-9.]+)% of one core\).*/\1/')
  trainers=$P
  echo "$line" | grep -q "only coordinated" && trainers=$((P - 1))
  slots=$(( trainers < cores ? trainers : cores ))
  awk -v P="$P" -v t="$trainers" -v s="$slots" -v n="$items" -v w="$wall" -v l="$(echo "$t1 - $t0" | bc)" \
      -v c="$share" 'BEGIN { printf "%3d %8d %10.0f %9.3f %13.3f %9.2f %14s %14.3f\n",
                             P, t, n / w, 1000 * w * t / n, 1000 * w * s / n, l, c,
                             10 * c * w / n }'
done
