"""The standard figures of a sweep (matplotlib), shared by the notebooks.

Every plot shows the data, not only a summary: each item is a dot (jittered a
little along x so that seeds do not hide each other) and the mean over seeds is
drawn on top with its 95% confidence interval (Student's t over the seeds), and
every panel says how many items each point pools (n), so a reader sees the
spread, the uncertainty and any outlier seed at once. Labels are the results
file's own: each variable's and axis's long_name (richlazy writes short ones,
e.g. "kernel alignment (Eq. 6)", "rank of W_h(0)", "feature modulation κ"). Axis
values are drawn at evenly spaced positions labelled with their values: ranks
such as 1, 30, 100, 300 are neither linear nor exactly logarithmic, and a
categorical axis (task, structure) works the same way.

A plot takes the axes it shows and pools `seed`; any other axis must be
selected first (`ds.sel(task="dms")`) — the functions refuse to average over
an axis silently. Unfinished items are NaN after `open_sweep`, so they drop out.
"""
import os
import warnings

import re

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from .dumps import eigenvalues, effective_rank
from .stats import below_learned_share, learned_counts, learned_mask
from .sweep import STATUS_NAMES, axes, rank_axis, values

STATUS_COLORS = {"pending": "0.75", "done": "tab:green", "diverged": "tab:orange",
                 "failed": "tab:red"}
# The value of a curve at iteration 0, drawn as its first point: a measure's name, or a constant
# (K(0) is aligned with itself).
CURVE_START = {"kernel_alignment_curve": 1.0,
               "kernel_task_alignment_curve": "kernel_task_alignment_init",
               "kernel_eff_rank_curve": "kernel_eff_rank_init"}
JITTER = 0.06  # half-width of the horizontal scatter of the dots, in axis-value steps


GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "epsilon": "ε", "kappa": "κ", "lambda": "λ",
         "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ"}  # spelled-out names in fallbacks
LONG_NAME_MAX = 60  # longer long_names are formulas (files of richlazy before the short ones)


def _greek(text):
    return re.sub(r"\b(" + "|".join(GREEK) + r")\b", lambda m: GREEK[m[1]], text)


def label(ds, name):
    """The label of variable or axis `name` of a results file: its long_name, with units
    other than "1" in parentheses. Files of older richlazy called every axis "sweep axis"
    and gave measures their formula as long_name (today's files put it in `comment`):
    those fall back to the name (spelled-out Greek letters as letters: kappa -> κ). An axis
    that sets several parameters (a zip) is named by itself and its parameters."""
    attrs = ds[name].attrs if name in ds.variables else {}
    text = str(attrs.get("long_name", ""))
    is_axis = name in ds.dims or name == "iteration"
    if (not text or text == "sweep axis" or len(text) > LONG_NAME_MAX or "\n" in text or
            (not is_axis and "comment" not in attrs)):
        text = _greek(name.replace("_", " "))
    paths = str(attrs.get("parameters", "")).split()
    if is_axis and len(paths) > 1:
        # A zip axis with its own labels (structure: gaussian, dale, ...): its long_name joins
        # the labels of every parameter it sets ("structure of W_h(0), balanced Dale matrix"),
        # which reads as a description of the values; say what the axis is and what it sets.
        text = f"{name} ({', '.join(paths)})"
    units = str(attrs.get("units", "1"))
    return text if units in ("", "1") or f"({units})" in text else f"{text} ({units})"


def mean_ci(values, level=0.95):
    """Mean, half-width of its `level` confidence interval (Student's t) and n of the finite
    values along the last axis; the half-width is NaN below 2 values."""
    values = np.asarray(values, float)
    finite = np.isfinite(values)
    n = finite.sum(-1)
    with warnings.catch_warnings():  # all-NaN rows (nothing finished) are gaps, not errors
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(values, -1)
        sd = np.nanstd(values, -1, ddof=1)
    half = np.where(n >= 2, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd /
                    np.sqrt(np.maximum(n, 1)), np.nan)
    return mean, half, n


def _n_text(counts):
    """ "n = 10 per point", or "n = 8–10 per point" when unfinished items thin some out."""
    counts = [int(c) for c in np.ravel(counts) if c > 0]
    if not counts:
        return "n = 0"
    lo, hi = min(counts), max(counts)
    return f"n = {lo} per point" if lo == hi else f"n = {lo}–{hi} per point"


def _note(ax, text):
    """A second line under the x label (inside the axes it would cover data points)."""
    ax.set_xlabel(f"{ax.get_xlabel()}\n{text}" if ax.get_xlabel() else text)


def _require_only(da, allowed):
    extra = [d for d in da.dims if d not in allowed]
    if extra:
        raise ValueError(f"{da.name}: axes {extra} would be averaged over; select one value each "
                         f"first, e.g. ds.sel({extra[0]}={values(da, extra[0])[0]!r})")


def _value_ticks(ax, positions, labels):
    """Axis values as tick labels, slanted when they would run into each other."""
    text = [str(v) for v in labels]
    ax.set_xticks(list(positions), text)
    if sum(max(len(line) for line in t.split("\n")) + 1 for t in text) > 24:
        # Slanted about their right end, so that each label ends under its own tick (slanted
        # about their centres, multi-line labels run into their neighbours).
        plt.setp(ax.get_xticklabels(), rotation=35, ha="right", rotation_mode="anchor",
                 fontsize="small")


def plot_vs(ds, measure, x=None, hue=None, ax=None, pool=("seed",)):
    """`measure` against axis `x` (default: the rank axis): items as dots, means over the
    pooled axes with 95% confidence intervals as lines, n in a corner.

    With `hue`, one colour per value of that axis, dodged slightly apart. Returns ax.
    """
    x = x or rank_axis(ds)
    da = ds[measure]
    _require_only(da, [x, hue, *pool])
    ax = ax if ax is not None else plt.figure().gca()
    xs = values(ds, x)
    hues = [None] if hue is None else values(ds, hue)
    rng = np.random.default_rng(0)  # the same jitter every time the figure is drawn
    counts = []
    for k, h in enumerate(hues):
        sub = da if h is None else da.sel({hue: h})
        vals = sub.transpose(x, ...).values.reshape(len(xs), -1)
        pos = np.arange(len(xs)) + (k - (len(hues) - 1) / 2) * 2.5 * JITTER
        jitter = rng.uniform(-JITTER, JITTER, vals.shape)
        color = f"C{k}"
        ax.scatter((pos[:, None] + jitter).ravel(), vals.ravel(), s=10, alpha=0.55, color=color,
                   linewidths=0)
        mean, half, n = mean_ci(vals)
        counts.append(n)
        ax.errorbar(pos, mean, yerr=half, color=color, lw=2, marker="o", ms=4, capsize=3,
                    label=f"{label(ds, hue)} = {h}" if h is not None else "mean ± 95% CI")
    _value_ticks(ax, np.arange(len(xs)), xs)
    ax.set_xlabel(label(ds, x))
    ax.set_ylabel(label(ds, measure))
    _note(ax, _n_text(counts) + ("; mean ± 95% CI" if hue is not None else ""))
    return ax


def plot_grid(ds, measures, x=None, col=None, hue=None, pool=("seed",), panel=(3.2, 2.5)):
    """A grid of plot_vs panels: one row per measure, one column per value of `col`."""
    cols = [None] if col is None else values(ds, col)
    fig, grid = plt.subplots(len(measures), len(cols), squeeze=False,
                             figsize=(panel[0] * len(cols), panel[1] * len(measures)))
    for i, measure in enumerate(measures):
        for j, c in enumerate(cols):
            sub = ds if c is None else ds.sel({col: c})
            plot_vs(sub, measure, x=x, hue=hue, ax=grid[i, j], pool=pool)
            if i == 0 and c is not None:
                grid[i, j].set_title(f"{label(ds, col)} = {c}")
            if j > 0:
                grid[i, j].set_ylabel("")
    if hue is not None:
        grid[0, -1].legend(fontsize="small")
    fig.tight_layout()
    return fig


def _unlearned(ds, group):
    """"k/n learned" when fewer than LEARNED_SHARE of `group`'s finished items learned (the rule
    of reproduction.py and stats.learned_mask: such a group is not compared), else ''."""
    learned, finished = learned_counts(ds, group)
    return f"{learned}/{finished} learned" if below_learned_share(learned, finished) else ""


def plot_vs_null(ds, measure, axis="structure", null="gaussian", ax=None, pool=("seed",)):
    """A box per value of `axis` (items as dots), the null first in grey with its median dashed;
    beside each box its mean and 95% confidence interval; n under each value. A value where fewer
    than LEARNED_SHARE of the finished items learned (stats.learned_mask: the stop criterion, or
    the probe accuracy) is hatched and labelled "k/n learned" instead of "n = k": not compared."""
    da = ds[measure]
    _require_only(da, [axis, *pool])
    ax = ax if ax is not None else plt.figure().gca()
    order = [null] + [v for v in values(ds, axis) if v != null]
    data = [np.asarray(da.sel({axis: v}).values, float).ravel() for v in order]
    data = [d[np.isfinite(d)] for d in data]
    boxes = ax.boxplot(data, positions=range(len(order)), widths=0.5, showfliers=False,
                       patch_artist=True)
    rng = np.random.default_rng(0)
    for k, (d, box) in enumerate(zip(data, boxes["boxes"])):
        color = "0.6" if k == 0 else f"C{k}"
        box.set(facecolor=color, alpha=0.35)
        ax.scatter(k + rng.uniform(-JITTER, JITTER, len(d)), d, s=12, color=color, zorder=3)
        mean, half, _ = mean_ci(d)
        ax.errorbar(k + 0.36, mean, yerr=half, color="k", marker="D", ms=3, capsize=3, zorder=4,
                    label="mean ± 95% CI" if k == 0 else None)
    if len(data[0]):
        ax.axhline(np.median(data[0]), color="0.4", ls="--", lw=1, label=f"{null} median")
    ticks = []
    for k, (v, d) in enumerate(zip(order, data)):
        short = _unlearned(ds, {axis: v})
        if short:
            # Below the comparison rule: drawn (the data), but hatched and named so.
            boxes["boxes"][k].set(hatch="///", facecolor="none", edgecolor="0.5")
            ticks.append(f"{v}: {short}")
        else:
            ticks.append(f"{v}, n = {len(d)}")
    _value_ticks(ax, range(len(order)), ticks)
    ax.set_xlabel(label(ds, axis))
    ax.set_ylabel(label(ds, measure))
    ax.legend(fontsize="x-small")
    return ax


def plot_paired(ds, measure, axis, value, base, x=None, ax=None, seed_axis="seed"):
    """`value` minus `base` of `axis` within each seed (the paired design), at each value of `x`
    (default: the rank axis), over the seeds where both items learned (stats.learned_mask, as
    the reproduction tables): seeds as grey dots, their mean with its 95% confidence interval
    (Student's t over seeds) in red. At an x where either group is below the comparison rule
    (fewer than LEARNED_SHARE of its finished items learned) no mean is drawn and the value is
    labelled with what did not learn, e.g. "5\naligned 0/10 learned". Returns ax."""
    x = x or rank_axis(ds)
    _require_only(ds[measure], [axis, x, seed_axis])
    ax = ax if ax is not None else plt.figure().gca()
    xs, ticks = values(ds, x), []
    learned, _ = learned_mask(ds)
    both = learned.sel({axis: value}) & learned.sel({axis: base})
    diff = (ds[measure].sel({axis: value}) - ds[measure].sel({axis: base})).where(both)
    for i, v in enumerate(xs):
        d = np.asarray(diff.sel({x: v}).values, float).ravel()
        d = d[np.isfinite(d)]
        ax.plot(i + np.linspace(-0.15, 0.15, d.size), d, ".", color="0.6")
        short = [f"{g} {s}" for g in (value, base) if (s := _unlearned(ds, {axis: g, x: v}))]
        if short:
            ticks.append("\n".join([str(v), *short]))
            continue
        mean, half, _ = mean_ci(d)
        ax.errorbar(i, mean, yerr=half, fmt="o", color="C3", capsize=3)
        ticks.append(f"{v}\nn = {d.size}")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(xs)), ticks, fontsize="small")
    ax.set_xlabel(label(ds, x))
    ax.set_title(f"{label(ds, measure)}: {value} − {base}", fontsize=9)
    return ax


def plot_spectrum(w, ax=None, title=None, color="C0"):
    """Eigenvalues of the square matrix w in the complex plane, with the unit circle."""
    ax = ax if ax is not None else plt.figure().gca()
    lam = eigenvalues(w)
    ax.scatter(lam.real, lam.imag, s=6, color=color, linewidths=0)
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(t), np.sin(t), color="0.5", lw=0.8, ls="--")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.set_title(f"{title + ': ' if title else ''}eff. rank {effective_rank(lam):.2f}",
                 fontsize="medium")
    return ax


def plot_spectra(matrices, panel=2.6):
    """One plot_spectrum panel per entry of {label: matrix}, side by side. Returns the figure."""
    fig, grid = plt.subplots(1, len(matrices), squeeze=False,
                             figsize=(panel * len(matrices), panel + 0.4))
    for k, (name, w) in enumerate(matrices.items()):
        plot_spectrum(w, ax=grid[0, k], title=str(name), color="0.5" if k == 0 else f"C{k}")
    fig.tight_layout()
    return fig


def plot_curve(ds, name, hue=None, ax=None, logy=False):
    """A curve along training (`curves(ds)`): every item thin, the mean per value of `hue`
    thick with its 95% confidence band, n in the legend (all else pooled). Records where no item measured it (the kernel curves between
    their probe.kernel_every records) are left out, so the lines join the measured points.
    With iterations on x, the kernel curves start at iteration 0 from K(0) (CURVE_START)."""
    curve = ds[name]
    ax = ax if ax is not None else plt.figure().gca()
    x = ds["iteration"].values if "iteration" in ds.coords else np.arange(ds.sizes["record"])
    measured = np.isfinite(curve.values).reshape(-1, len(x)).any(axis=0)
    start = CURVE_START.get(name) if "iteration" in ds.coords else None
    if isinstance(start, str) and start not in ds:
        start = None
    xs = x[measured] if start is None else np.concatenate([[0], x[measured]])
    hues = [None] if hue is None else values(ds, hue)
    for k, h in enumerate(hues):
        sub = ds if h is None else ds.sel({hue: h})
        lines = sub[name].transpose(..., "record").values.reshape(-1, len(x))[:, measured]
        if start is not None:
            first = (sub[start].values.reshape(-1, 1) if isinstance(start, str)
                     else np.where(np.isfinite(lines[:, :1]), start, np.nan))
            lines = np.concatenate([first, lines], axis=1)
        ax.plot(xs, lines.T, color=f"C{k}", lw=0.5, alpha=0.3)
        mean, half, n = mean_ci(lines.T)
        shown = np.isfinite(half) & ((not logy) | (mean - half > 0))  # a log axis has no negatives
        half = np.where(shown, half, 0)  # no band (and no NaN for matplotlib) where not shown
        ax.fill_between(xs, mean - half, mean + half, where=shown, color=f"C{k}", alpha=0.2,
                        lw=0)
        ax.plot(xs, mean, color=f"C{k}", lw=2,
                label=(f"{label(ds, hue)} = {h}" if h is not None else "mean") +
                f" (n = {int(n.max()) if n.size else 0})")
    ax.set_xlabel(label(ds, "iteration") if "iteration" in ds.coords else "record")
    ax.set_ylabel(label(ds, name))
    _note(ax, "mean ± 95% CI; thin lines: items")
    if logy:
        ax.set_yscale("log")
    ax.legend(fontsize="small")
    return ax


def plot_loss_curves(ds, hue=None, ax=None, logy=True):
    """Training loss: every item thin, the mean per value of `hue` thick (all else pooled)."""
    return plot_curve(ds, "loss_curve", hue=hue, ax=ax, logy=logy)


def plot_status(ds, panel=(3.0, 2.4)):
    """Items per status for every value of every axis (stacked bars). Returns the figure."""
    dims = axes(ds)
    fig, grid = plt.subplots(1, len(dims), squeeze=False, figsize=(panel[0] * len(dims), panel[1]))
    for ax, axis in zip(grid[0], dims):
        bottom = np.zeros(ds.sizes[axis])
        for name in STATUS_NAMES:
            counts = ds[name].astype(int).sum([a for a in dims if a != axis]).values
            ax.bar(range(len(counts)), counts, bottom=bottom, color=STATUS_COLORS[name],
                   label=name)
            bottom += counts
        _value_ticks(ax, range(ds.sizes[axis]), values(ds, axis))
        ax.set_xlabel(label(ds, axis))
    grid[0, 0].set_ylabel("items")
    grid[0, -1].legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_wall_time(ds, panel=(3.0, 2.4)):
    """Wall time of each item against every axis (dots, median line). Returns the figure."""
    dims = axes(ds)
    fig, grid = plt.subplots(1, len(dims), squeeze=False, figsize=(panel[0] * len(dims), panel[1]),
                             sharey=True)
    rng = np.random.default_rng(0)
    wall = ds["wall_seconds"]
    for ax, axis in zip(grid[0], dims):
        vals = wall.transpose(axis, ...).values.reshape(ds.sizes[axis], -1)
        pos = np.arange(ds.sizes[axis])
        ax.scatter((pos[:, None] + rng.uniform(-JITTER, JITTER, vals.shape)).ravel(),
                   vals.ravel(), s=8, alpha=0.6, linewidths=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ax.plot(pos, np.nanmedian(vals, 1), color="k", lw=1.5, marker="_", ms=12)
        _value_ticks(ax, pos, values(ds, axis))
        ax.set_xlabel(label(ds, axis))
    grid[0, 0].set_ylabel("wall time per item (s)")
    fig.tight_layout()
    return fig


def save_figure(fig, name, directory="."):
    """Saves fig as DIRECTORY/NAME.png (directory created if needed) and returns the path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{name}.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return path
