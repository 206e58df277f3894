"""check_cube.py NC: opens the cube written by test_cube with xarray, as a user would,
and checks the labelled access the README promises. Exit 0 = all good, 1 = a check
failed (printed), 77 = xarray is not installed here (the caller skips)."""
import sys

try:
    import numpy as np
    import xarray
except ImportError:
    sys.exit(77)

ds = xarray.open_dataset(sys.argv[1])
KA = 4  # index of kernel_alignment in measures.def; fixture value = 1000 * item + m + 1/3
checks = [
    (ds.kernel_alignment.dims == ("task", "seed"), "kernel_alignment is indexed (task, seed)"),
    (list(ds.task.values) == ["2af", "dms", "cxt"], "task coordinate holds the labels"),
    (list(ds.seed.values) == [0, 1] and ds.seed.dtype.kind == "i", "seed coordinate is integer"),
    (float(ds.kernel_alignment.sel(task="2af", seed=0)) == KA + 1 / 3, "done cell value exact"),
    (np.isnan(float(ds.kernel_alignment.sel(task="2af", seed=1))), "diverged cell is NaN"),
    (np.isnan(float(ds.kernel_alignment.sel(task="dms", seed=1))), "pending cell reads as missing"),
    (float(ds.kernel_alignment.sel(task="dms").mean("seed")) == 2000 + KA + 1 / 3,
     "ds.kernel_alignment.sel(task='dms').mean('seed') skips the pending cell"),
    (list(ds.status.sel(task="dms").values) == [3, 0], "status dms = failed, pending"),
    (ds.status.attrs["flag_meanings"] == "pending done diverged failed", "CF flag_meanings"),
    (list(ds.status.attrs["flag_values"]) == [0, 1, 2, 3], "CF flag_values"),
    (str(ds.failure_reason.sel(task="dms", seed=0).values) == "bad data file 2", "reason kept"),
    (np.array_equal(ds.loss_curve.sel(task="2af", seed=0).values,
                    np.float32([1, 1 / 2, 1 / 3, 1 / 4, 1 / 5])), "loss curve of a done item"),
    (list(ds.loss_curve_iteration.values) == [10, 20, 30, 40, 50], "curve iterations"),
    (len(ds.attrs["spec_hash"]) == 64 and "spec" in ds.attrs, "spec and hash attributes"),
    (str(ds.item_id.sel(task="cxt", seed=1).values) == "c300000000000001", "item_id of (cxt, 1)"),
    # CF read back through xarray: the coordinate of record and the labels plots use
    ("iteration" in ds.loss_curve.coords and list(ds.iteration.values) == [10, 20, 30, 40, 50],
     "loss_curve has an `iteration` coordinate"),
    (ds["task"].attrs["long_name"] == "task" and ds["seed"].attrs["long_name"] == "seed",
     "axes carry their parameters' labels as long_name"),
    (ds.kernel_alignment.attrs["long_name"] == "kernel alignment (Eq. 6)"
     and "Tr(K_f K_0)" in ds.kernel_alignment.attrs["comment"],
     "a measure: short long_name, the formula in comment"),
    ("ACDD-1.3" in ds.attrs["Conventions"] and "richlazy run" in ds.attrs["history"]
     and "date_created" in ds.attrs and "ICLR 2024" in ds.attrs["references"],
     "ACDD: history, date_created, references"),
]
bad = [msg for ok, msg in checks if not ok]
for msg in bad:
    print("xarray check failed:", msg)
print(f"{len(checks) - len(bad)} of {len(checks)} xarray checks passed")
sys.exit(1 if bad else 0)
