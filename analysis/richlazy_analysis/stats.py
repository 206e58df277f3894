"""Trend and effect-size statistics over a sweep cube (scipy), as tidy DataFrames.

Both functions pool the `seed` axis (the repeats) and treat every other axis as
defining a setting, the way the paper's figures do: Fig. 1 asks whether a measure
moves monotonically with the initial rank within each task (Spearman's rho, so
no linear trend is assumed); Fig. 2 asks how far each structure sits from the
Gaussian null (a mean difference with a confidence interval, and Cohen's d to
compare measures on different scales).

Those two pool every item of a setting, but items of one seed share W_h(0)'s
Gaussian and every random stream (the paired design), so their p-values treat
correlated points as independent. The seed-level versions are the ones to draw
conclusions from: `seed_trends` takes one Spearman rho per seed and tests the
rhos over seeds (Wilcoxon signed-rank), `paired_effects` takes one difference
per seed (structure minus the null of the same seed) and tests those; both give
percentile-bootstrap intervals over seeds, and `bh_adjust` corrects a family of
p-values for multiple comparisons (Benjamini-Hochberg).
"""
import itertools
import math
import re

import numpy as np
import pandas as pd
import scipy.stats
import xarray as xr

from .sweep import axes, find_axis, finished, measures as all_measures, rank_axis, values


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


LEARNED_SHARE = 0.9  # a group is compared only when at least this share of its finished items learned
# Probe accuracy that counts as learned when a sweep set no stop criterion: well above
# chance (0.5 for the two-choice tasks, 0.1 for the ten classes of sMNIST) and below the
# ceiling of the noisy tasks (about 0.88 on 2AF and CXT, whose zero-coherence trials
# cannot be solved).
LEARNED_ACCURACY = {"2af": 0.7, "dms": 0.7, "cxt": 0.7, "smnist": 0.5}


def _spec_task(ds):
    """The task of a sweep without a task axis, from its canonical spec (default 2af)."""
    found = re.search(r"^param task\.name = (\S+)$", ds.attrs.get("spec_canonical", ""), re.M)
    return found.group(1) if found else "2af"


def learned_mask(ds):
    """(mask over the sweep axes, how it was decided) on an open_sweep Dataset: which items
    learned, the one rule of the reproduction tables and the figures. Learned = reached the
    sweep's stop criterion where it set one (train.stop_loss/stop_accuracy), else probe
    accuracy >= LEARNED_ACCURACY of the task, else (regression) final loss below half the
    initial loss. A measure of a network that did not learn says nothing about rich or lazy
    learning."""
    if "criterion_reached" in ds and bool(np.isfinite(ds["criterion_reached"]).any()):
        return ds["reached"], "reached the stop criterion"
    if "final_accuracy" in ds and bool(np.isfinite(ds["final_accuracy"]).any()):
        task = find_axis(ds, "task.name", required=False)
        if task:
            need = ds[task].copy(data=[LEARNED_ACCURACY.get(str(t), 0.7)
                                       for t in ds[task].values])
        else:
            need = LEARNED_ACCURACY.get(_spec_task(ds), 0.7)
        return ds["done"] & (ds["final_accuracy"] >= need), "probe accuracy >= " + (
            ", ".join(f"{k} {v}" for k, v in LEARNED_ACCURACY.items()))
    return (ds["done"] & (ds["final_loss"] < 0.5 * ds["initial_loss"]),
            "final loss < half the initial loss")


def below_learned_share(learned, finished):
    """Whether a group with `learned` of `finished` items learned is below the comparison rule
    (fewer than LEARNED_SHARE): the one test behind every "not compared" and "k/n learned"."""
    return finished > 0 and learned < LEARNED_SHARE * finished


def learned_counts(ds, group):
    """(items that learned, items finished: done, diverged or failed) in `group`, a dict of axis
    values: a group is compared only when learned >= LEARNED_SHARE * finished."""
    mask, _ = learned_mask(ds)  # before selecting: the task axis sets the accuracy needed
    return int(mask.sel(group).sum()), int(finished(ds.sel(group)).sum())


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


# ---- seed-level statistics: the seed is the unit of replication ----

N_BOOT = 10000  # bootstrap resamples of the seeds (fixed generator seed: reproducible)


def bootstrap_mean_interval(x, level=0.95, n_boot=N_BOOT, seed=0):
    """Percentile bootstrap interval of mean(x), resampling the values (seeds) with replacement."""
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return float(lo), float(hi)


EXACT_MAX = 20  # up to this many nonzero values the signed-rank p enumerates all 2^n signs


def wilcoxon_p(x):
    """Two-sided Wilcoxon signed-rank p of x against 0.

    Zeros are dropped (Wilcoxon's convention) and tied |x| get average ranks. Up to
    EXACT_MAX nonzero values the p is exact with ties: the share of all 2^n sign
    assignments whose rank sum is at least as far from n(n+1)/4 as the observed one
    (without ties it equals scipy.stats.wilcoxon's exact p); above that, scipy's normal
    approximation. p = 1 when every value is 0, NaN for fewer than 2 values. With 10
    seeds the smallest possible p is 2/1024 = 0.002, with 6 seeds 2/64 = 0.031.
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return math.nan
    x = x[x != 0]
    if x.size == 0:
        return 1.0
    n = x.size
    if n > EXACT_MAX:
        return float(scipy.stats.wilcoxon(x, mode="approx").pvalue)
    ranks = scipy.stats.rankdata(np.abs(x))
    observed = ranks[x > 0].sum()
    centre = ranks.sum() / 2
    signs = (np.arange(2 ** n)[:, None] >> np.arange(n)) & 1  # every sign assignment
    sums = signs @ ranks
    tol = 1e-9 * ranks.sum()  # rank sums are multiples of 0.5: compare with a tolerance
    return float(np.mean(np.abs(sums - centre) >= abs(observed - centre) - tol))


def _seed_summary(values, level, seed):
    lo, hi = bootstrap_mean_interval(values, level, seed=seed)
    return {"n_seeds": int(len(values)), "mean": float(np.mean(values)) if len(values) else math.nan,
            "ci_low": lo, "ci_high": hi, "p": wilcoxon_p(values)}


def seed_trends(ds, measures=None, x=None, seed_axis="seed", level=0.95, min_points=3, seed=0):
    """Spearman's rho of each measure against axis `x` computed within each seed, then over seeds.

    For every setting (the axes other than x and seed_axis) and seed, rho over the
    seed's finite items along x (at least `min_points`, else the seed is left out).
    Returns one row per (measure, setting): n_seeds, mean rho with its percentile
    bootstrap interval over seeds (ci_low, ci_high), the Wilcoxon signed-rank p of the
    seeds' rhos against 0, and the pooled Spearman rho and p over every item
    (`rho_pooled`, `p_pooled`: a secondary column that overstates n).
    """
    x = x or rank_axis(ds)
    measures = measures or all_measures(ds)
    over = _setting_axes(ds, (x, seed_axis), ())
    pooled = spearman_trends(ds, measures, x, pool=(seed_axis,))
    rows = []
    for measure in measures:
        for setting in settings(ds, over):
            da = ds[measure].sel(setting)
            rhos = []
            for s in values(ds, seed_axis):
                one = da.sel({seed_axis: s})
                xs, ys = _flat_broadcast(one[x], one)
                ok = np.isfinite(ys)
                if ok.sum() >= min_points:
                    rho, _ = _spearman(xs[ok], ys[ok])
                    if math.isfinite(rho):
                        rhos.append(rho)
            match = pooled[(pooled.measure == measure)]
            for a, v in setting.items():
                match = match[match[a] == v]
            rows.append({"measure": measure, **setting, **_seed_summary(rhos, level, seed),
                         "rho_pooled": float(match.rho.iloc[0]), "p_pooled": float(match.p.iloc[0]),
                         "n_items": int(match.n.iloc[0])})
    return pd.DataFrame(rows, columns=["measure", *over, "n_seeds", "mean", "ci_low", "ci_high",
                                       "p", "rho_pooled", "p_pooled", "n_items"])


def paired_effects(ds, measures=None, axis="structure", null="gaussian", seed_axis="seed",
                   level=0.95, seed=0, reduce=()):
    """Each value of `axis` minus `null` within each seed, then over seeds.

    For every setting (axes other than axis, seed_axis and `reduce`) and value of
    axis: one difference per seed where both items have a value (axes in `reduce`,
    e.g. several low ranks, are first averaged within the seed). Returns n_seeds,
    the mean difference with its percentile bootstrap interval over seeds, the
    Wilcoxon signed-rank p, the number of positive differences, Cohen's d_z (mean /
    sd of the differences), and the means of both groups over the same seeds.
    """
    labels = values(ds, axis)
    if null not in labels:
        raise KeyError(f"{axis} has no value {null!r}; valid: {labels}")
    measures = measures or all_measures(ds)
    over = _setting_axes(ds, (axis, seed_axis, *reduce), ())
    rows = []
    for measure in measures:
        for setting in settings(ds, over):
            da = ds[measure].sel(setting)
            if reduce:
                da = da.mean(list(reduce), skipna=False)
            base = da.sel({axis: null})
            for label in labels:
                if label == null:
                    continue
                one = da.sel({axis: label})
                a = np.asarray(one.transpose(seed_axis).values, dtype=float)
                b = np.asarray(base.transpose(seed_axis).values, dtype=float)
                ok = np.isfinite(a) & np.isfinite(b)
                d = a[ok] - b[ok]
                sd = float(np.std(d, ddof=1)) if d.size > 1 else math.nan
                rows.append({"measure": measure, **setting, axis: label, "null": null,
                             **_seed_summary(d, level, seed), "positive": int((d > 0).sum()),
                             "d_z": float(np.mean(d) / sd) if sd and sd > 0 else math.nan,
                             "mean_value": float(np.mean(a[ok])) if d.size else math.nan,
                             "mean_null": float(np.mean(b[ok])) if d.size else math.nan})
    return pd.DataFrame(rows)


def _adjust(p, step):
    """q-values of a family: `step(sorted finite p, m)` gives them in ascending-p order."""
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, math.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size:
        order = ok[np.argsort(p[ok], kind="stable")]
        q[order] = np.minimum(1.0, step(p[order], ok.size))
    return q


def bh_adjust(p):
    """Benjamini-Hochberg adjusted p-values (q-values) of a family; NaNs stay NaN, not counted."""
    return _adjust(p, lambda s, m: np.minimum.accumulate((s * m / np.arange(1, m + 1))[::-1])[::-1])


def holm_adjust(p):
    """Holm-Bonferroni adjusted p-values of a family; NaNs stay NaN, not counted."""
    return _adjust(p, lambda s, m: np.maximum.accumulate(s * (m - np.arange(m))))
