#!/usr/bin/env bash
# test.sh — install, build and run every test suite (README command 2; .ci/run calls it).
#  build/       release build: every suite (unit, mpi, learning, slurm, notebooks, ...)
#  build-asan/  clang debug build with AddressSanitizer + UBSan (LeakSanitizer included):
#               the unit suites again, and the spec fuzzer for a bounded time; the MPI
#               engine suites too, without LeakSanitizer (its tracer crashes beside Open MPI's
#               threads and Open MPI leaks by design), the checkpoint test excepted (it
#               trains real items: minutes under ASan) and the coordinator's CPU-share test
#               (suite perf: a timing, meaningless under ASan).
# Ends with one line "N passed, N failed" summed over both builds.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests || { echo "0 passed, 1 failed"; exit 1; }

export OPENBLAS_NUM_THREADS=1
fuzz_seconds="${RL_FUZZ_SECONDS:-60}"
[ -f build-asan/build.ninja ] ||
  CC=clang meson setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined \
    -Db_lundef=false -Dfuzz=true -Dfuzz_seconds="$fuzz_seconds" -Dwerror=true >/dev/null
ninja -C build-asan >/dev/null || { echo "0 passed, 1 failed (sanitizer build)"; exit 1; }

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
pass=0; fail=0
run() { # run <build dir> <meson test args...>: accumulates meson's counts
  local dir=$1; shift
  local log; log=$(mktemp)
  meson test -C "$dir" --no-rebuild --print-errorlogs "$@" 2>&1 | tee "$log" | grep -vE '^ *[0-9]+/[0-9]+ .* OK ' || true
  local ok f t
  ok=$(awk '/^Ok:/{print $2}' "$log"); f=$(awk '/^Fail:/{print $2}' "$log"); t=$(awk '/^Timeout:/{print $2}' "$log")
  pass=$((pass + ${ok:-0})); fail=$((fail + ${f:-0} + ${t:-0}))
  if ! grep -q '^Ok:' "$log"; then fail=$((fail + 1)); fi
  rm -f "$log"
}
echo "== release build: all suites"
run build
echo "== sanitizer build (ASan+UBSan): unit and fuzz suites"
run build-asan --suite unit --suite fuzz
echo "== sanitizer build (ASan+UBSan, no leak check): MPI engine suites"
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" run build-asan --suite mpi --no-suite checkpoint --no-suite perf
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
