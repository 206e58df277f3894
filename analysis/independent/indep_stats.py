"""Statistics and learned rules of the independent recomputation (see recompute.py).

Written from REPRODUCTION.md's "How a claim is tested" alone, without reading
analysis/reproduction.py or analysis/richlazy_analysis/.
"""
import re

import numpy as np
import xarray as xr
from scipy import stats

DONE, DIVERGED, FAILED = 1, 2, 3
RNG = np.random.default_rng(20261204)
NBOOT = 10000
LEARNED_SHARE = 0.9  # a group is compared only when at least 90% of its items learned
ACCURACY = {"2af": 0.7, "dms": 0.7, "cxt": 0.7, "smnist": 0.5}  # probe accuracy rule


# ---------------------------------------------------------------- statistics
def exact_wilcoxon(x):
    """Two-sided exact Wilcoxon signed-rank p; zeros dropped, ties -> average ranks.
    Enumerates all 2^n sign assignments."""
    x = np.asarray(x, float)
    x = x[x != 0]
    n = len(x)
    if n == 0:
        return float("nan")
    r = stats.rankdata(np.abs(x))  # average ranks for ties
    total = r.sum()
    dev = abs(r[x > 0].sum() - total / 2.0)
    idx = np.arange(1 << n, dtype=np.int64)
    bits = ((idx[:, None] >> np.arange(n)) & 1).astype(float)
    sums = bits @ r
    return float(np.sum(np.abs(sums - total / 2.0) >= dev - 1e-9)) / (1 << n)


def boot_ci(x):
    """95% percentile bootstrap interval of the mean over the units in x (NBOOT resamples)."""
    x = np.asarray(x, float)
    if len(x) == 0:
        return (float("nan"), float("nan"))
    idx = RNG.integers(0, len(x), size=(NBOOT, len(x)))
    return tuple(np.percentile(x[idx].mean(axis=1), [2.5, 97.5]))


def bh(pvals):
    """Benjamini-Hochberg adjusted p (q), step-up, monotone."""
    p = np.asarray(pvals, float)
    m = len(p)
    order = np.argsort(p)
    q = np.empty(m)
    prev = 1.0
    for k in range(m - 1, -1, -1):
        i = order[k]
        prev = min(prev, p[i] * m / (k + 1))
        q[i] = prev
    return q


def d_z(x):
    x = np.asarray(x, float)
    if len(x) < 2 or np.std(x, ddof=1) == 0:
        return float("nan")
    return float(x.mean() / np.std(x, ddof=1))


# ---------------------------------------------------------------- learned rules
def spec_task(ds):
    m = re.search(r"^param task\.name = (\S+)", ds.attrs.get("spec_canonical", ""), re.M)
    return m.group(1) if m else None


def learned_mask(ds):
    """(mask, rule): criterion_reached where the spec trains to a stop loss, otherwise probe
    accuracy >= the task's threshold; only items with status done can have learned."""
    done = ds["status"] == DONE
    if "stop_loss" in ds.attrs.get("spec_canonical", ""):
        return done & (ds["criterion_reached"] == 1), "criterion"
    if "task" in ds.dims:
        thr = xr.DataArray([ACCURACY[str(t)] for t in ds["task"].values], dims="task",
                           coords={"task": ds["task"].values})
    else:
        thr = ACCURACY[spec_task(ds)]
    return done & (ds["final_accuracy"] >= thr), "accuracy"


def group_learned(ds, learned):
    """Per group (every coordinate but seed): learned iff >= 90% of its finished items
    (done / diverged / failed) learned. Returns (ok, n_learned, n_finished)."""
    finished = ds["status"].isin([DONE, DIVERGED, FAILED])
    nfin = finished.sum("seed")
    nlearn = (learned & finished).sum("seed")
    return (nfin > 0) & (nlearn >= LEARNED_SHARE * nfin), nlearn, nfin


def measure(ds, name, learned):
    """A measure where it counts: eff. rank of W_h(0) is a property of the init (every done
    item); the learning measures only on learned items."""
    v = ds[name]
    if name == "eff_rank_eig":
        return v.where(ds["status"] == DONE)
    return v.where(learned)


def group_label(ds, sel):
    """'2af/frobenius/dale', 'aligned/5', '5': a group's coordinates in the file's dim order."""
    return "/".join(str(sel[d]) for d in ds["status"].dims if d != "seed")


def bad_groups(ds, gok, nl, nf, within=None):
    """(label, learned, finished) of every group below the 90% rule (within a sub-selection)."""
    out = []
    dims = [d for d in ds["status"].dims if d != "seed"]
    for combo in np.ndindex(*[ds.sizes[d] for d in dims]):
        sel = {d: ds[d].values[i] for d, i in zip(dims, combo)}
        if within and any(str(sel[k]) != str(v) for k, v in within.items()):
            continue
        if not bool(gok.sel(sel)):
            out.append((group_label(ds, sel), int(nl.sel(sel)), int(nf.sel(sel))))
    return out
