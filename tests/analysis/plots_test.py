#!/usr/bin/python3
"""plots_test.py REPO: which items learned, and how the figures show groups that did not.

One rule decides which items learned (richlazy_analysis.stats.learned_mask: the stop criterion
where the sweep set one, else the probe accuracy of the task) and which groups are compared
(LEARNED_SHARE of the finished items); the reproduction tables and the figures both use it.
On synthetic open_sweep-like cubes with known answers: the rule per task and per criterion,
learned_counts' denominator (finished items: done, diverged, failed), plot_vs_null hatching and
naming a structure below the rule, and plot_paired (Fig. 3C's aligned − random) drawing no mean
where a group is below the rule, naming what did not learn, and averaging only pairs in which
both items learned. Exit 0 = all checks passed, 1 = a check failed.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from checks import FAILED, check  # noqa: E402
REPO = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(REPO, "analysis"))
os.environ["MPLBACKEND"] = "Agg"  # headless
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from richlazy_analysis import plots, stats  # noqa: E402



def cube(dims, coords, m, status=None, **variables):
    """An open_sweep-like Dataset: measure `m`, status flags from `status` (1 done, 2 diverged,
    3 failed, 0 pending; default all done) and any further variables."""
    shape = tuple(len(coords[d]) for d in dims)
    status = np.ones(shape, np.int8) if status is None else status
    ds = xr.Dataset({"m": (dims, m), "status": (dims, status)}, coords=coords)
    for name, code in (("done", 1), ("diverged", 2), ("failed", 3)):
        ds[name] = (dims, status == code)
    for name, value in variables.items():
        ds[name] = (dims, value)
    return ds


def rule_by_accuracy():
    """Without a criterion: probe accuracy >= LEARNED_ACCURACY of each task; diverged never."""
    dims = ("task", "seed")
    coords = {"task": ["2af", "smnist"], "seed": list(range(4))}
    acc = np.array([[0.69, 0.70, 0.95, 0.9], [0.49, 0.50, 0.8, 0.9]])
    status = np.array([[1, 1, 1, 2], [1, 1, 1, 3]], np.int8)
    ds = cube(dims, coords, np.zeros((2, 4)), status, final_accuracy=acc)
    ds["task"].attrs["parameters"] = "task.name"
    mask, rule = stats.learned_mask(ds)
    got = mask.values.tolist()
    check(got == [[False, True, True, False], [False, True, True, False]],
          f"accuracy rule: 2af needs 0.7, smnist 0.5, diverged/failed never learned: {got}")
    check(rule.startswith("probe accuracy >="), f"the rule says how it decided: {rule!r}")
    counts = stats.learned_counts(ds, {"task": "smnist"})
    check(counts == (2, 4), f"learned_counts = (learned, finished incl. failed): {counts}")


def rule_by_criterion():
    """With a criterion: `reached` decides, whatever the accuracy."""
    dims, coords = ("seed",), {"seed": list(range(3))}
    reached = np.array([True, False, True])
    ds = cube(dims, coords, np.zeros(3), criterion_reached=reached.astype(float),
              reached=reached, final_accuracy=np.array([0.1, 0.99, 0.1]))
    mask, rule = stats.learned_mask(ds)
    check(mask.values.tolist() == [True, False, True] and rule == "reached the stop criterion",
          f"criterion rule: reached decides, not accuracy ({mask.values.tolist()}, {rule!r})")


def vs_null_hatched():
    """plot_vs_null names, and hatches, a structure below the 90% rule instead of an 'n = k'."""
    dims, coords = ("structure", "seed"), {"structure": ["gaussian", "dale", "chain"],
                                            "seed": list(range(10))}
    reached = np.ones((3, 10), bool)
    reached[1, :2] = False  # dale: 8 of 10 reached the criterion (< 90%)
    reached[2, :1] = False  # chain: 9 of 10 (= 90%: compared)
    ds = cube(dims, coords, np.random.default_rng(3).normal(size=(3, 10)),
              criterion_reached=reached.astype(float), reached=reached)
    ds["m"] = ds["m"].where(ds["reached"])
    ax = plots.plot_vs_null(ds, "m")
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    check(ticks == ["gaussian, n = 10", "dale: 8/10 learned", "chain, n = 9"],
          f"groups below 90% learned are labelled so, the others with n: {ticks}")
    hatched = [bool(b.get_hatch()) for b in ax.patches if hasattr(b, "get_hatch")][:3]
    check(hatched == [False, True, False], f"only the group below the rule is hatched: {hatched}")


def paired_by_rule():
    """plot_paired: no mean where a group is below the rule; means over pairs both learned."""
    dims = ("init", "rank", "seed")
    coords = {"init": ["random", "aligned"], "rank": [5, 30], "seed": list(range(10))}
    rng = np.random.default_rng(11)
    m = rng.normal(size=(2, 2, 10))
    acc = np.full((2, 2, 10), 0.9)
    status = np.ones((2, 2, 10), np.int8)
    status[1, 0, :] = 2  # aligned rank 5: every seed diverged
    status[0, 0, :4] = 2  # random rank 5: 6/10
    acc[0, 1, 3] = 0.2  # random rank 30, seed 3 did not learn: 9/10, still compared
    ds = cube(dims, coords, m, status, final_accuracy=acc)
    ds.attrs["spec_canonical"] = "param task.name = smnist\n"
    ax = plots.plot_paired(ds, "m", "init", "aligned", "random", x="rank")
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    check(ticks == ["5\naligned 0/10 learned\nrandom 6/10 learned", "30\nn = 9"],
          f"rank 5 names what did not learn, rank 30 counts the pairs both learned: {ticks}")
    keep = np.arange(10) != 3
    expect = float(np.mean(m[1, 1, keep] - m[0, 1, keep]))
    means = [float(line.get_ydata()[0]) for line in ax.lines
             if line.get_marker() == "o" and len(line.get_ydata()) == 1]
    check(len(means) == 1 and abs(means[0] - expect) < 1e-12,
          f"one mean (rank 30), over the 9 pairs both learned: {means} vs {expect:.6f}")


def main():
    rule_by_accuracy()
    rule_by_criterion()
    vs_null_hatched()
    paired_by_rule()
    print(f"plots: {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
