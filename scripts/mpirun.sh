#!/usr/bin/env bash
# mpirun.sh — `mpirun` with the flags this machine needs: Open MPI refuses root
# unless told, and more ranks than cores need --oversubscribe. One BLAS thread per
# rank: parallelism comes from ranks (README "Performance").
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
exec mpirun --oversubscribe -x OPENBLAS_NUM_THREADS "$@"
