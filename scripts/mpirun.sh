#!/usr/bin/env bash
# mpirun.sh — `mpirun` with what this kind of machine needs: Open MPI refuses root
# unless told, and more ranks than cores need --oversubscribe. One BLAS thread per
# rank: parallelism comes from ranks (README "Performance").
#
# Ctrl-C and kill: mpirun answers SIGINT and SIGTERM by killing its ranks a second
# later and exits 1, but it relays SIGUSR1 to every rank, which `richlazy run`
# takes as a stop: running items checkpoint, the run exits 3 and a rerun resumes.
# So mpirun runs in a session of its own (a Ctrl-C at the terminal reaches only
# this script) and INT, TERM and HUP reach it as USR1; a second Ctrl-C is a second
# stop, which abandons what still runs. The exit status is mpirun's: 3 after a stop.
set -uo pipefail
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
# mpirun forwards stdin to rank 0; outside the terminal's session a read would compete
# with the shell, and richlazy reads none.
if [ -t 0 ]; then exec </dev/null; fi

setsid mpirun --oversubscribe -x OPENBLAS_NUM_THREADS "$@" &
job=$! started=$SECONDS
# A USR1 that reaches a rank before richlazy installed its handlers would kill it:
# a stop in the first seconds of the launch waits until they are over.
stop() {
  if [ $((SECONDS - started)) -lt 5 ]; then sleep $((5 - (SECONDS - started))); fi
  kill -USR1 "$job" 2>/dev/null
}
trap stop INT TERM HUP
# A trapped signal ends `wait` early: wait again until mpirun is gone, then take its status.
while kill -0 "$job" 2>/dev/null; do wait "$job"; done
wait "$job"
