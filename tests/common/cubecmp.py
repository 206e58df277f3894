"""cubecmp.py: the bitwise comparison of two results cubes that the engine, checkpoint and
SLURM tests share (not a test itself).

"The same sweep run another way gives the same results" is checked on every variable that
must not depend on how a sweep ran: all but timings (units "s": wall, train and measure
seconds) and where or how often an item ran (worker, attempts) — measures, curves, status,
ids and failure reasons included.
"""


def measure_vars(ds):
    """The variables of ds that must not depend on P, interruptions or resumption."""
    skip = {"wall_seconds", "worker", "attempts"}
    return [v for v in ds.data_vars if v not in skip and ds[v].attrs.get("units") != "s"]


def differences(a_path, b_path):
    """(names compared, names that differ) between two cubes, bitwise."""
    import xarray
    with xarray.open_dataset(a_path) as a, xarray.open_dataset(b_path) as b:
        names = measure_vars(a)
        diff = [v for v in names if v not in b or a[v].values.dtype != b[v].values.dtype or
                (a[v].values.tobytes() != b[v].values.tobytes() if a[v].dtype != object
                 else not (a[v].values == b[v].values).all())]
        return names, diff
