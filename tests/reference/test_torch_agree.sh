#!/usr/bin/env bash
# test_torch_agree.sh REF_LOSSES — richlazy and PyTorch, from the same initial
# weights and batches, give the same first losses (single-precision tolerance).
# Skips (77) with a clear message where Debian's python3-torch is not installed.
set -u
py=/usr/bin/python3
if ! "$py" -c "import torch, netCDF4" 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks torch or netCDF4 (apt-get install python3-torch python3-netcdf4)"
  exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$1" "$tmp/fixture.nc" || exit 1
exec "$py" "$(dirname "$0")/torch_rnn.py" agree "$tmp/fixture.nc"
