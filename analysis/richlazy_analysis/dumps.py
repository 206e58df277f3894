"""Saved networks: `richlazy train --dump` files (README "Dump files") and their spectra.

A results cube holds scalars only; the networks themselves come from re-running
one item with `richlazy train SPEC --item ID --dump FILE.nc`. Training is a pure
function of the item's parameters and the sweep seed, so the re-run reproduces
the item of the sweep exactly. `write_dumps` does this for a few items of a
results file, using the spec text the file carries (global attribute `spec`), so
a notebook needs nothing but the results file and the richlazy binary.
"""
import os
import shutil
import subprocess

import numpy as np
import xarray as xr

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_richlazy():
    """The richlazy executable: $RICHLAZY_BIN, else this checkout's build/, else PATH."""
    candidates = [os.environ.get("RICHLAZY_BIN"), os.path.join(REPO, "build", "src", "cli", "richlazy")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    found = shutil.which("richlazy")
    if not found:
        raise FileNotFoundError("richlazy not found: build it (meson setup build && ninja -C build) "
                                "or set RICHLAZY_BIN to the executable")
    return found


def open_dump(path):
    """A dump file as an xarray.Dataset, read into memory and closed."""
    with xr.open_dataset(path) as raw:
        return raw.load()


def eigenvalues(w):
    """Eigenvalues of a square matrix (numpy array or DataArray), in double precision."""
    w = np.asarray(getattr(w, "values", w), dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"eigenvalues need a square matrix, got shape {w.shape}")
    return np.linalg.eigvals(w)


def effective_rank(lam):
    """Paper §2.2: sum |lambda_i| / (|lambda_1| N) — measure eff_rank_eig of the cube."""
    mags = np.abs(np.asarray(lam))
    return float(mags.sum() / (mags.max() * len(mags))) if mags.max() > 0 else float("nan")


def write_dumps(ds, selections, directory, exe=None, iterations=None, cwd=None):
    """Dumps one item per entry of {label: {axis: value, ...}} into DIRECTORY/LABEL.nc.

    Each selection must pick exactly one item of `ds` (an open_sweep Dataset). The
    spec text stored in the results file is written to DIRECTORY/spec.yaml and
    `richlazy train` re-runs each item (`iterations` overrides train.iterations,
    e.g. 0 when only W_h_init is wanted; cheaper). Relative paths inside the spec
    (init.file) resolve against `cwd` (default: the current directory). Existing
    dumps are reused. Returns {label: path}.

    Items are named by their index in the cube, which the spec text fixes, not by
    their id: files written before a parameter was added carry ids that today's
    richlazy computes differently, and must still re-create their networks.
    """
    exe = exe or find_richlazy()
    os.makedirs(directory, exist_ok=True)
    spec = os.path.join(directory, "spec.yaml")
    with open(spec, "w") as f:
        f.write(ds.attrs["spec"])
    paths = {}
    for name, selection in selections.items():
        item = ds["item_id"].sel(selection)
        if item.size != 1:
            raise ValueError(f"{name}: selection {selection} picks {item.size} items; "
                             f"name a value of every axis ({list(ds['status'].dims)})")
        paths[name] = os.path.join(directory, f"{name}.nc")
        if os.path.exists(paths[name]):
            continue
        dims = ds["item_id"].dims
        index = np.ravel_multi_index(
            [list(ds[d].values).index(item[d].values.item()) for d in dims],
            [ds.sizes[d] for d in dims])
        cmd = [exe, "train", os.path.abspath(spec), "--item", str(int(index)),
               "--dump", os.path.abspath(paths[name])]
        if iterations is not None:
            cmd += ["--set", f"train.iterations={iterations}"]
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed (exit {done.returncode}): "
                               f"{done.stderr.strip()}")
    return paths
