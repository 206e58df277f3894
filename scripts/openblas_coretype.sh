# openblas_coretype.sh — sourced by the scripts that run sweeps (reproduce.sh, robustness.sh,
# fig3c_teacher.sh). OpenBLAS 0.3.21 does not recognise some recent CPUs and falls back to slow
# generic kernels; choose the AVX2 kernels where the CPU has them, unless the user chose already.
# OPENBLAS_CORETYPE set but empty leaves the choice to OpenBLAS's own detection: the tests run
# these scripts that way, since they must pass on whatever kernel the machine gives.
if [ -n "${OPENBLAS_CORETYPE+set}" ]; then
  [ -n "$OPENBLAS_CORETYPE" ] || unset OPENBLAS_CORETYPE
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=Haswell
  echo "$(basename "$0"): OPENBLAS_CORETYPE unset; using Haswell kernels (the CPU has AVX2 and FMA)"
fi
