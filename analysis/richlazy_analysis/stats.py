"""Trend and effect-size statistics over a sweep cube (scipy), as tidy DataFrames.

Both functions pool the `seed` axis (the repeats) and treat every other axis as
defining a setting, the way the paper's figures do: Fig. 1 asks whether a measure
moves monotonically with the initial rank within each task (Spearman's rho, so
no linear trend is assumed); Fig. 2 asks how far each structure sits from the
Gaussian null (a mean difference with a confidence interval, and Cohen's d to
compare measures on different scales).

Caveat shared with `richlazy report`: items of one seed share their base draw W0
(the paired design), so points within a setting are not independent and the
p-values and intervals are somewhat optimistic.
"""
import itertools
import math

import numpy as np
import pandas as pd
import scipy.stats
import xarray as xr

from .sweep import axes, measures as all_measures, rank_axis, values


def settings(ds, over):
    """Every combination of values of the axes `over`, as {axis: value} dicts (one {} if none)."""
    for combo in itertools.product(*(values(ds, a) for a in over)):
        yield dict(zip(over, combo))


def _setting_axes(ds, exclude, pool):
    return [a for a in axes(ds) if a not in exclude and a not in pool]


def spearman_trends(ds, measures=None, x=None, pool=("seed",)):
    """Spearman's rho of each measure against axis `x` (default: the rank axis) per setting.

    Points are the finite values of the setting's items over `x` and the pooled
    axes. Returns one row per (measure, setting): the setting's coordinates,
    `measure`, `n`, `rho`, `p` (two-sided, scipy's t approximation); rho and p
    are NaN when n < 3 or either variable is constant (y: to 12 significant digits).
    """
    x = x or rank_axis(ds)
    measures = measures or all_measures(ds)
    over = _setting_axes(ds, (x,), pool)
    rows = []
    for measure in measures:
        for setting in settings(ds, over):
            da = ds[measure].sel(setting)
            xs, ys = _flat_broadcast(da[x], da)
            ok = np.isfinite(ys)
            rho, p = _spearman(xs[ok], ys[ok])
            rows.append({"measure": measure, **setting, "n": int(ok.sum()), "rho": rho, "p": p})
    return pd.DataFrame(rows, columns=["measure", *over, "n", "rho", "p"])


def _flat_broadcast(a, b):
    """a and b broadcast against each other, as flat float arrays."""
    a, b = xr.broadcast(a, b)
    return np.asarray(a.values, dtype=float).ravel(), np.asarray(b.values, dtype=float).ravel()


FLAT = 1e-12  # a measure constant to 12 significant digits has no trend (as richlazy report)


def _spearman(x, y):
    """rho and p, NaN for fewer than 3 points or a constant variable."""
    # Ranking noise in the last bits would give a "significant" rho (seen: KA of the
    # aligned linear init, 1 - 1e-15), hence the relative tolerance on y.
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) <= FLAT * np.max(np.abs(y)):
        return math.nan, math.nan
    result = scipy.stats.spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


def cohen_d(a, b):
    """(mean a - mean b) / pooled sd (the sd both groups would share if their variances were equal)."""
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return math.nan
    pooled = ((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / (na + nb - 2)
    return (np.mean(a) - np.mean(b)) / math.sqrt(pooled) if pooled > 0 else math.nan


def welch_interval(a, b, level=0.95):
    """t-based interval of mean a - mean b with Welch-Satterthwaite degrees of freedom."""
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        diff = np.mean(a) - np.mean(b)
        return diff, diff
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = scipy.stats.t.ppf(0.5 + level / 2, df) * se
    diff = np.mean(a) - np.mean(b)
    return diff - half, diff + half


def bootstrap_interval(a, b, level=0.95, n_boot=4000, seed=0):
    """Percentile bootstrap interval of mean a - mean b, each group resampled on its own."""
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, len(a), size=(n_boot, len(a)))
    ib = rng.integers(0, len(b), size=(n_boot, len(b)))
    diffs = np.asarray(a)[ia].mean(axis=1) - np.asarray(b)[ib].mean(axis=1)
    lo, hi = np.quantile(diffs, [0.5 - level / 2, 0.5 + level / 2])
    return float(lo), float(hi)


def _effect_row(a, b, level, method, seed):
    row = {"n": len(a), "n_null": len(b), "mean": np.mean(a) if len(a) else math.nan,
           "mean_null": np.mean(b) if len(b) else math.nan}
    row["diff"] = row["mean"] - row["mean_null"]
    lo = hi = p = math.nan
    if len(a) >= 2 and len(b) >= 2:
        lo, hi = (welch_interval(a, b, level) if method == "welch"
                  else bootstrap_interval(a, b, level, seed=seed))
        if np.var(a) + np.var(b) > 0:
            p = float(scipy.stats.ttest_ind(a, b, equal_var=False).pvalue)
    row.update(ci_low=lo, ci_high=hi, cohen_d=cohen_d(a, b), p_welch=p)
    return row


def effect_sizes(ds, measures=None, axis="structure", null="gaussian", pool=("seed",),
                 level=0.95, method="bootstrap", seed=0):
    """Each value of `axis` against the `null` value, per measure and setting of the other axes.

    Returns one row per (measure, setting, level of `axis` other than null):
    n, n_null, mean, mean_null, diff = mean - mean_null, its `level` interval
    (ci_low, ci_high: percentile bootstrap with a fixed `seed`, or method="welch"
    for Welch's t interval), cohen_d, and Welch's two-sided p_welch.
    """
    if method not in ("bootstrap", "welch"):
        raise ValueError(f"method {method!r}: valid: 'bootstrap' or 'welch'")
    labels = values(ds, axis)
    if null not in labels:
        raise KeyError(f"{axis} has no value {null!r}; valid: {labels}")
    measures = measures or all_measures(ds)
    over = _setting_axes(ds, (axis,), pool)
    rows = []
    for measure in measures:
        for setting in settings(ds, over):
            da = ds[measure].sel(setting)
            base = _finite(da.sel({axis: null}))
            for label in labels:
                if label == null:
                    continue
                row = _effect_row(_finite(da.sel({axis: label})), base, level, method, seed)
                rows.append({"measure": measure, **setting, axis: label, "null": null, **row})
    return pd.DataFrame(rows)


def _finite(da):
    v = np.asarray(da.values, dtype=float).ravel()
    return v[np.isfinite(v)]
