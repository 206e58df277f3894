# openblas_coretype.sh — sourced by the scripts that run sweeps (reproduce.sh, robustness.sh).
# OpenBLAS 0.3.21 does not recognise some recent CPUs and falls back to slow generic kernels;
# choose the AVX2 kernels where the CPU has them, unless the user chose already. (Tests never
# set it: they must pass on whatever kernel the machine gives.)
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=Haswell
  echo "$(basename "$0"): OPENBLAS_CORETYPE unset; using Haswell kernels (the CPU has AVX2 and FMA)"
fi
