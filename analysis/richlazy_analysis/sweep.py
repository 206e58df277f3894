"""Reading a richlazy results cube (README "Results file") into xarray.

`richlazy run` keeps every item in one cube whatever became of it. An unfinished
item holds the netCDF fill value, a failed one keeps its reason, and a diverged
one keeps the values that describe its start (the spectrum of W_h(0), the initial
loss) but has no trained measures. `open_sweep` spells this out so that a mean
over seeds cannot mix them in by accident:

  status_name       'pending' | 'done' | 'diverged' | 'failed' (decoded from the
                    CF flag_values/flag_meanings of `status`, not hard-coded)
  done, diverged, failed, pending   boolean masks over the sweep axes
  measures          NaN unless done; a diverged item keeps KEPT_WHEN_DIVERGED
  failure_reason    str, '' unless failed
  reached           boolean mask: done and met the stop criterion (train.stop_loss,
                    train.stop_accuracy; `criterion_reached` = 1); all False in files
                    of sweeps without a criterion. `open_sweep(..., only_reached=True)`
                    masks the measures of every other item as if unfinished
  iteration         coordinate of `record` when every item logged its loss curve
                    at the same iterations (files of richlazy since the CF attributes
                    carry it; older files get it from `loss_curve_iteration`)
  curves            loss_curve and, when probe.kernel_every > 0, the kernel curves
                    (NaN between their records); see `curves(ds)`

The sweep axes are the dimensions of `status`, in spec order; `find_axis` finds
one by the parameter it sets (the coordinate's `parameters` attribute), so code
does not depend on how an axis was named.
"""
import os

import numpy as np
import pandas as pd
import xarray as xr

# Bookkeeping variables over the sweep axes: everything else over them is a measure.
BOOKKEEPING = ("status", "attempts", "wall_seconds", "worker", "item_id", "failure_reason")
# Facts about a diverged item that do not need a finished training: W_h(0)'s
# spectrum, the loss before training, when it diverged, and what it cost.
KEPT_WHEN_DIVERGED = ("eff_rank_eig", "eff_rank_sv", "spectral_radius", "initial_loss",
                      "diverged_step", "train_seconds", "measure_seconds")
STATUS_NAMES = ("pending", "done", "diverged", "failed")  # the store's order, for ordering


def axes(ds):
    """The sweep axes (dimensions of `status`) in spec order."""
    return list(ds["status"].dims)


def values(ds, axis):
    """The coordinate values of an axis as plain Python scalars (str, int, float)."""
    return [v.item() if isinstance(v, np.generic) else v for v in ds[axis].values]


def measures(ds):
    """Names of the per-item measures: variables over exactly the sweep axes, not bookkeeping."""
    dims = tuple(axes(ds))
    skip = set(BOOKKEEPING) | {"status_name", "done", "diverged", "failed", "pending", "reached"}
    return [name for name, var in ds.data_vars.items() if var.dims == dims and name not in skip]


def curves(ds):
    """Names of the curves along training: variables over the sweep axes and `record`."""
    dims = tuple(axes(ds)) + ("record",)
    return [name for name, var in ds.data_vars.items() if var.dims == dims]


def axis_parameters(ds, axis):
    """The parameter paths an axis sets (several for a zip group)."""
    return str(ds[axis].attrs.get("parameters", "")).split()


def find_axis(ds, *params, required=True):
    """The axis named like, or setting one of, `params` (e.g. "init.rank", "linear.rank").

    Spec axes are named after the last part of their path unless a zip group names
    them, so `find_axis(ds, "init.rank")` finds an axis called `rank` or one whose
    zip group sets init.rank. Raises KeyError naming the axes if none matches and
    `required`, else returns None.
    """
    for axis in axes(ds):
        if axis in params or any(p in axis_parameters(ds, axis) for p in params):
            return axis
    if required:
        found = {a: axis_parameters(ds, a) for a in axes(ds)}
        raise KeyError(f"no axis sets {' or '.join(params)}; the axes and what they set: {found}")
    return None


def rank_axis(ds, required=True):
    """The axis of the initial rank (init.rank for RNNs, linear.rank for the linear network)."""
    return find_axis(ds, "rank", "init.rank", "linear.rank", required=required)


def decode_status(status):
    """status codes -> names, from the variable's CF flag attributes."""
    values = [int(v) for v in np.atleast_1d(status.attrs.get("flag_values", range(4)))]
    names = str(status.attrs.get("flag_meanings", " ".join(STATUS_NAMES))).split()
    lookup = dict(zip(values, names))
    codes = status.values.astype(int)
    named = np.vectorize(lambda c: lookup.get(c, f"unknown({c})"), otypes=[object])(codes)
    return xr.DataArray(named, dims=status.dims, coords=status.coords,
                        attrs={"long_name": "outcome of the item's training"})


def finished(ds):
    """Items that ran to an end, done, diverged or failed (not pending): the denominator of every
    "k of n learned" and what a sweep in progress lacks."""
    return ds["done"] | ds["diverged"] | ds["failed"]


def _mask_measures(ds, keep_diverged, finished):
    """Measures NaN unless `finished` (diverged items keep `keep_diverged`)."""
    for name in measures(ds):
        keep = finished | (ds["diverged"] & (name in keep_diverged))
        ds[name] = ds[name].where(keep)
    for name in curves(ds):  # a diverged curve shows how it diverged: keep it
        ds[name] = ds[name].where(finished | ds["diverged"])
    return ds


def _iteration_coordinate(ds):
    """`iteration` on `record` when every item logged its curve at the same iterations."""
    if "iteration" in ds.coords:  # the file names it (the curves' `coordinates` attribute)
        return ds
    if "loss_curve_iteration" in ds and "record" in ds.dims:
        it = ds["loss_curve_iteration"].values
        if np.all(np.isfinite(it)) and np.all(it > 0):
            ds = ds.assign_coords(iteration=("record", it.astype(np.int64)))
    return ds


def open_sweep(path, keep_diverged=KEPT_WHEN_DIVERGED, only_reached=False):
    """Opens a richlazy results file as an xarray.Dataset, status decoded, unfinished masked.

    only_reached: also mask the measures of done items that did not meet the sweep's
    stop criterion (networks that did not learn), as a comparison at matched loss needs.

    The file is read into memory and closed: a running sweep replaces it by rename,
    and a reader holding it open would keep reading the old snapshot.
    """
    # Reading needs no lock, and HDF5's lock fails on some cluster file systems.
    os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no results file at {path}: run `richlazy run SPEC -o {path}` first")
    with xr.open_dataset(path) as raw:
        ds = raw.load()
    if "status" not in ds:
        raise ValueError(f"{path} is not a richlazy results file (no `status` variable)")
    ds["status_name"] = decode_status(ds["status"])
    for name in STATUS_NAMES:
        ds[name] = ds["status_name"] == name
    ds["failure_reason"] = ds["failure_reason"].fillna("").astype(str)
    met = ds["criterion_reached"] == 1 if "criterion_reached" in ds else xr.zeros_like(ds["done"])
    ds["reached"] = ds["done"] & met
    if only_reached:
        if "criterion_reached" not in ds or not bool(np.isfinite(ds["criterion_reached"]).any()):
            raise ValueError(f"{path}: only_reached=True, but its sweep set no stop criterion "
                             "(train.stop_loss or train.stop_accuracy)")
    ds = _mask_measures(ds, keep_diverged, ds["reached"] if only_reached else ds["done"])
    return _iteration_coordinate(ds)


def results_path(*candidates, spec):
    """The results file a notebook reads: $RICHLAZY_RESULTS, else the first of `candidates`
    that exists (paths relative to the notebook's directory, analysis/: your own run in
    ../results/, then the file committed in results/). Raises FileNotFoundError naming every
    place looked at and the command that makes the file from `spec`.
    """
    if os.environ.get("RICHLAZY_RESULTS"):
        return os.environ["RICHLAZY_RESULTS"]
    for path in candidates:
        if os.path.exists(path):
            return path
    name = os.path.splitext(os.path.basename(spec))[0]
    raise FileNotFoundError(
        f"no results file at {', '.join(candidates)} (from {os.getcwd()}): run "
        f"`scripts/example.sh {spec}` in the repository (it writes results/{name}.nc), or "
        f"point RICHLAZY_RESULTS at a results file")


def items(ds, mask=None, columns=("status_name", "attempts", "item_id")):
    """A pandas DataFrame of items (where `mask`, default all): coordinates and `columns`."""
    sel = ds[list(columns)]
    frame = sel.to_dataframe().reset_index()
    if mask is not None:
        frame = frame[mask.values.ravel()].reset_index(drop=True)
    return frame


def failures(ds):
    """The failed items with their coordinates, attempts and reasons (a DataFrame)."""
    return items(ds, ds["failed"], ("attempts", "item_id", "failure_reason"))


def status_counts(ds, axis):
    """Items per status (columns, in STATUS_NAMES order) for every value of `axis` (rows)."""
    others = [a for a in axes(ds) if a != axis]
    table = {name: ds[name].astype(int).sum(others).to_series() for name in STATUS_NAMES}
    return pd.DataFrame(table)
