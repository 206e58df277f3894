"""reproduction.py RESULTS_DIR — the statistics behind REPRODUCTION.md, as Markdown tables.

For every results file of scripts/reproduce.sh it states each of the paper's claims as a
test with an expected sign and gives a verdict. The seed is the unit of replication:
items of one seed share W_h(0)'s Gaussian, W_x, w and every batch (the paired design),
so every test runs over seeds, not items.

  learning check: a measure of a network that did not learn says nothing about rich or
      lazy learning, so only items that learned enter the tests. Learned = reached the
      sweep's stop criterion (`criterion_reached`, train.stop_loss/stop_accuracy) where
      the sweep set one, else probe accuracy >= LEARNED_ACCURACY of the task (regression:
      final loss below half the initial loss): richlazy_analysis.stats.learned_mask, which
      the figures use too. Each file states how many learned per
      group. W_h(0)'s effective rank describes the initialisation and is kept for all.
  rank sweeps (Fig. 1, appendix controls, Thm 1): per seed, Spearman rho of the measure
      against the initial rank; then the seeds' rhos: mean, 95% percentile-bootstrap
      interval over seeds, two-sided Wilcoxon signed-rank p against 0. The paper's
      "lower rank => larger weight change, lower RA, lower KA" is rho < 0, > 0, > 0.
  structure sweeps (Fig. 2, Dale kept): per seed, structure minus the Gaussian null of
      the same seed; mean difference, bootstrap interval, Wilcoxon p, d_z. "Lower
      effective rank and richer" is eff_rank < 0, weight change > 0, RA < 0, KA < 0.
  the linear network (Fig. 3): per seed, rho of KA against kappa for the partially aligned
      init (> 0); aligned minus random KA per seed (> 0).
  the teacher-aligned RNN (Fig. 3C): aligned minus random rank-r W_h(0) per seed, per rank
      and averaged within each seed over the ranks below N: KA > 0, RA > 0, weight change < 0.
  the kernel along training (appendix Figs. 14, 15): descriptive rows (the paper's numbers
      are not known to us), seed-level rho against rank, outside the tested family.

Multiple comparisons: Benjamini-Hochberg over every tested row of every finished file (one
family, printed as q; a file with pending items, a sweep in progress, is named and left out
until it finishes, so that the family does not change while it runs). Not Holm: with 10 seeds the exact Wilcoxon test cannot go below p = 0.002,
and Holm over ~150 rows asks p < 3e-4 of the first row, which no seed-level test here can
give; BH controls the expected share of false "reproduced" rows at 5% instead.
Verdicts: reproduced (expected sign, q < 0.05); opposite (other sign, q < 0.05); not
significant (q >= 0.05); "–" when too few seeds learned. The pooled Spearman rho over
every item (which overstates n) is kept as a secondary column. Run with /usr/bin/python3.
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from richlazy_analysis import open_sweep  # noqa: E402
from richlazy_analysis.stats import (LEARNED_SHARE, below_learned_share, bh_adjust,  # noqa: E402
                                     learned_mask, paired_effects, seed_trends, settings)
from richlazy_analysis.sweep import axes, find_axis, finished, rank_axis  # noqa: E402

RANK_CLAIMS = [("weight_change", -1), ("rep_alignment", +1), ("kernel_alignment", +1)]
STRUCTURE_CLAIMS = [("eff_rank_eig", -1), ("weight_change", +1), ("rep_alignment", -1),
                    ("kernel_alignment", -1)]
ALIGNED_CLAIMS = [("kernel_alignment", +1), ("rep_alignment", +1), ("weight_change", -1)]
KERNEL_CURVE_MEASURES = ["kernel_task_alignment", "kernel_task_alignment_change",
                         "kernel_eff_rank", "kernel_eff_rank_change"]
# Measures that describe W_h(0) and need no training: kept whether or not an item learned.
INITIAL = ("eff_rank_eig", "eff_rank_sv", "spectral_radius", "initial_loss",
           "kernel_task_alignment_init", "kernel_eff_rank_init")
Q_LEVEL = 0.05
MIN_SEEDS = 5  # fewer learned seeds than this: no test, reported as "–"


def fmt(x, digits=3):
    return "–" if not math.isfinite(x) else f"{x:+.{digits}g}"


def fmt_p(p):
    return "–" if not math.isfinite(p) else f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def setting_label(row, columns):
    parts = [f"{c}={row[c]}" for c in columns]
    return ", ".join(parts) if parts else "all"


# ---- which items learned ----

def keep_learned(ds):
    """ds with every training measure NaN where the item did not learn; the check's lines."""
    mask, rule = learned_mask(ds)
    for name in ds.data_vars:
        var = ds[name]
        if var.dims[:len(axes(ds))] == tuple(axes(ds)) and name not in INITIAL and \
                var.dtype.kind == "f":
            ds[name] = var.where(mask)
    ds["learned"] = mask
    ds["finished"] = finished(ds)
    group_axes = [a for a in axes(ds) if a != "seed"]
    lines = [f"learned ({rule}): {int(mask.sum())} of {int(ds['finished'].sum())} finished items"]
    if group_axes:  # the denominator unlearned() uses: finished items (done, diverged, failed)
        count = mask.sum("seed").to_series()
        total = ds["finished"].sum("seed").to_series()
        short = [f"{', '.join(map(str, k if isinstance(k, tuple) else (k,)))} {count[k]}/{total[k]}"
                 for k in count.index if below_learned_share(count[k], total[k])]
        lines.append(f"groups where fewer than {LEARNED_SHARE:.0%} learned: " + ("; ".join(short) or "none"))
    if rule.startswith("reached"):  # at matched loss: show how closely
        task = find_axis(ds, "task.name", required=False)
        parts = []
        for t in (ds[task].values.tolist() if task else [None]):
            loss = ds["final_loss"].sel({task: t}) if task else ds["final_loss"]
            v = loss.values[np.isfinite(loss.values)]
            if v.size:
                parts.append(f"{t or 'all'} {v.min():.4f}–{v.max():.4f} (median {np.median(v):.4f})")
        lines.append("final probe loss of the learned items: " + ", ".join(parts))
    return ds, lines


# ---- rows: each a claim with a seed-level test ----

def unlearned(ds, groups):
    """'' if every group (a dict of axis values) learned in >= LEARNED_SHARE of its finished items,
    else a note naming the groups that did not."""
    notes = []
    for g in groups:
        learned, ended = int(ds["learned"].sel(g).sum()), int(ds["finished"].sel(g).sum())
        if below_learned_share(learned, ended):
            notes.append(f"{'/'.join(str(v) for v in g.values())} learned {learned}/{ended}")
    return "; ".join(notes)


def row(name, setting, measure, sign, r, stat_name, extra="", not_learned=""):
    """A tested row: `sign` the expected sign (0 = descriptive), r a seed_trends/paired_effects row.
    A row whose groups did not learn (not_learned names them) is reported but not tested."""
    testable = r["n_seeds"] >= MIN_SEEDS and not not_learned
    return {"file": name, "setting": setting, "measure": measure, "sign": sign,
            "stat_name": stat_name, "mean": r["mean"], "ci_low": r["ci_low"],
            "ci_high": r["ci_high"], "n_seeds": int(r["n_seeds"]),
            "p": r["p"] if testable else math.nan,
            "extra": extra + (f"; not compared: {not_learned}" if not_learned else "")}


def rank_rows(name, ds, claims=RANK_CLAIMS, sign=True):
    """Trend rows per setting over the rank values whose groups learned (at least 3 of them)."""
    axis = rank_axis(ds)
    over = [a for a in axes(ds) if a not in (axis, "seed")]
    ranks = ds[axis].values.tolist()
    out = []
    for measure, s in claims:
        for setting in settings(ds, over):
            kept = [v for v in ranks if not unlearned(ds, [{**setting, axis: v}])]
            dropped = unlearned(ds, [{**setting, axis: v} for v in ranks if v not in kept])
            sub = ds.sel(setting).sel({axis: kept}) if len(kept) >= 3 else ds.sel(setting)
            r = seed_trends(sub, measures=[measure], x=axis).iloc[0]
            note = f"pooled rho {fmt(r.rho_pooled, 2)} (n {r.n_items})"
            if dropped and len(kept) >= 3:
                note += f"; {axis} {'/'.join(map(str, kept))} only ({dropped})"
            elif dropped and r.n_seeds > 0:  # untested; what the seeds that all learned say
                note += (f"; the {int(r.n_seeds)} seeds with >= 3 learned {axis} values: "
                         f"Wilcoxon p {fmt_p(r.p)} (exploratory: a selected subset, outside "
                         f"the family)")
            out.append(row(name, setting_label(setting, over), measure, s if sign else 0, r,
                           "rho per seed", note, dropped if len(kept) < 3 else ""))
    return out


def structure_rows(name, ds, axis="structure", null="gaussian", claims=STRUCTURE_CLAIMS):
    eff = paired_effects(ds, measures=[m for m, _ in claims], axis=axis, null=null)
    over = [c for c in eff.columns if c in axes(ds) and c not in (axis, "seed")]
    out, seen = [], {}
    for measure, s in claims:
        for _, r in eff[eff.measure == measure].iterrows():
            setting = {c: r[c] for c in over}
            label = f"{r[axis]} − {null}" + (", " + setting_label(r, over) if over else "")
            if measure in INITIAL:  # W_h(0) only: one row where every setting gives the same
                key = (measure, r[axis]) + tuple(f"{r[k]:.10g}" for k in ("mean", "ci_low",
                                                                          "ci_high", "p"))
                if key in seen:
                    seen[key]["setting"] = f"{r[axis]} − {null}, any {', '.join(over)}"
                    continue
            bad = "" if measure in INITIAL else unlearned(
                ds, [{**setting, axis: r[axis]}, {**setting, axis: null}])
            out.append(row(name, label, measure, s, r, "diff per seed",
                           f"{r.positive}/{r.n_seeds} positive, d_z {fmt(r.d_z, 2)}", bad))
            if measure in INITIAL:
                seen[key] = out[-1]
    return out


def fig3_rows(name, ds):
    init = find_axis(ds, "linear.init")
    kappa = find_axis(ds, "linear.kappa")
    out = []
    trends = seed_trends(ds.sel({init: "partial"}), measures=["kernel_alignment"], x=kappa)
    kappas = ds[kappa].values.tolist()
    for _, r in trends.iterrows():
        out.append(row(name, "partially aligned: KA vs kappa", "kernel_alignment", +1, r,
                       "rho per seed", f"pooled rho {fmt(r.rho_pooled, 2)}",
                       unlearned(ds, [{init: "partial", kappa: k} for k in kappas])))
    eff = paired_effects(ds, measures=["kernel_alignment"], axis=init, null="random")
    for _, r in eff.iterrows():
        out.append(row(name, f"{r[init]} − random, {kappa}={r[kappa]}", "kernel_alignment", +1,
                       r, "diff per seed", f"{r.positive}/{r.n_seeds} positive",
                       unlearned(ds, [{init: r[init], kappa: r[kappa]},
                                      {init: "random", kappa: r[kappa]}])))
    return out


def aligned_rows(name, ds, axis):
    rank = rank_axis(ds)
    ranks = [int(r) for r in ds[rank].values]
    # The largest rank of our specs is N (full); pool the lower ranks whose groups learned.
    low = [r for r in ranks if r < max(ranks) and
           not unlearned(ds, [{axis: a, rank: r} for a in ("aligned", "random")])]
    out = []
    for measure, s in ALIGNED_CLAIMS:
        eff = paired_effects(ds, measures=[measure], axis=axis, null="random")
        for _, r in eff.iterrows():
            out.append(row(name, f"aligned − random, rank {r[rank]}", measure, s, r,
                           "diff per seed", f"{r.positive}/{r.n_seeds} positive",
                           unlearned(ds, [{axis: a, rank: r[rank]} for a in ("aligned", "random")])))
        if len(low) < 2:
            continue
        pooled = paired_effects(ds.sel({rank: low}), measures=[measure], axis=axis,
                                null="random", reduce=(rank,))
        for _, r in pooled.iterrows():
            out.append(row(name, f"aligned − random, mean of ranks {'/'.join(map(str, low))} "
                           "within each seed", measure, s, r, "diff per seed",
                           f"{r.positive}/{r.n_seeds} positive",
                           unlearned(ds, [{axis: a, rank: k} for a in ("aligned", "random")
                                          for k in low])))
    return out


def kernel_curve_rows(name, ds):
    ds = ds.assign(
        kernel_task_alignment_change=ds.kernel_task_alignment - ds.kernel_task_alignment_init,
        kernel_eff_rank_change=ds.kernel_eff_rank - ds.kernel_eff_rank_init)
    return rank_rows(name, ds, [(m, 0) for m in KERNEL_CURVE_MEASURES], sign=False)


def rows_for(name, ds):
    if find_axis(ds, "linear.init", required=False) and find_axis(ds, "linear.kappa",
                                                                  required=False):
        return fig3_rows(name, ds)
    kind = find_axis(ds, "init.kind", required=False)
    if kind and set(ds[kind].values.tolist()) >= {"aligned", "random"}:
        return aligned_rows(name, ds, kind)
    if "structure" in axes(ds):
        return structure_rows(name, ds)
    if rank_axis(ds, required=False):
        claims = [("kernel_alignment", +1)] if "theorem1" in name else RANK_CLAIMS
        out = rank_rows(name, ds, claims)
        if "kernel_task_alignment_curve" in ds:
            out += kernel_curve_rows(name, ds)
        return out
    return []


def verdict(r):
    if r["sign"] == 0:
        return "descriptive"
    if "not compared" in r["extra"]:
        return "– (did not learn)"
    if not math.isfinite(r["q"]):
        return "–"
    if r["q"] >= Q_LEVEL:
        return "not significant"
    return "reproduced" if r["mean"] * r["sign"] > 0 else "opposite"


def table(rows):
    lines = ["| setting | measure | expected | statistic: mean [95% CI] | seeds | Wilcoxon p | "
             "BH q | secondary | verdict |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        expected = {1: "+", -1: "−", 0: "·"}[r["sign"]]
        lines.append(f"| {r['setting']} | {r['measure']} | {expected} | {r['stat_name']} "
                     f"{fmt(r['mean'])} [{fmt(r['ci_low'])}, {fmt(r['ci_high'])}] | "
                     f"{r['n_seeds']} | {fmt_p(r['p'])} | {fmt_p(r['q'])} | {r['extra']} | "
                     f"{verdict(r)} |")
    return lines


def sign_verdict(r, level=Q_LEVEL):
    """Verdict of one row from its own p (robustness comparisons, outside the BH family)."""
    if not math.isfinite(r["p"]):
        return "–"
    if r["p"] >= level:
        return "not significant"
    return "reproduced" if r["mean"] * r["sign"] > 0 else "opposite"


def item_spread(a, b, measures):
    """Median and largest relative difference per item between two runs of one sweep (items
    matched by their coordinates, so the runs may order their axes differently)."""
    out = []
    for m in measures:
        rel = (abs(b[m] - a[m]) / abs(a[m])).values.ravel()
        rel = rel[np.isfinite(rel)]
        out.append(f"{m} {np.median(rel):.1%} (max {np.max(rel):.0%})" if rel.size else f"{m} –")
    return "; ".join(out)


def robustness_pairs(directory):
    """(name, own path, OpenBLAS path) for each robustness/NAME_blas.nc: its own-kernel twin is
    robustness/NAME_own.nc, or else the main run NAME.nc (scripts/robustness.sh)."""
    sub = os.path.join(directory, "robustness")
    for blas in sorted(f for f in os.listdir(sub) if f.endswith("_blas.nc")):
        base = blas[:-len("_blas.nc")]
        for own in (os.path.join(sub, base + "_own.nc"), os.path.join(directory, base + ".nc")):
            if os.path.exists(own):
                yield base, own, os.path.join(sub, blas)
                break


def common_items(own, blas):
    """Both runs cut to the items of the OpenBLAS run, and to its whole seeds (a twin run stopped
    part-way compares over the seeds it finished); the lines that say so."""
    own = own.sel({a: blas[a].values for a in axes(blas)})
    ended = finished(blas)
    whole = ended.all([a for a in axes(blas) if a != "seed"])
    seeds = blas["seed"].values[whole.values].tolist()
    lines = [f"{os.path.basename(own.encoding.get('source', '')) or 'own'}: "
             f"richlazy {own.attrs.get('richlazy_git_commit', '?')}, {own.attrs.get('numerics', '?')}; "
             f"OpenBLAS twin: richlazy {blas.attrs.get('richlazy_git_commit', '?')}, "
             f"{blas.attrs.get('numerics', '?')}"]
    if len(seeds) < blas["seed"].size:
        lines.append(f"in progress: {int(ended.sum())} of {int(ended.size)} items finished; "
                     f"compared over the {len(seeds)} whole seeds {seeds}")
    if own.attrs.get("richlazy_git_commit") != blas.attrs.get("richlazy_git_commit"):
        lines.append("**the two runs are by different builds**: the difference is not the "
                     "arithmetic alone")
    return own.sel(seed=seeds), blas.sel(seed=seeds), lines


def robustness(directory):
    """Pairs of one sweep run with two arithmetics (robustness_pairs): item spread and each row's
    verdict under both."""
    if not os.path.isdir(os.path.join(directory, "robustness")):
        return []
    lines = ["## Robustness to arithmetic", "",
             "Each sweep run twice by the same build: its own GEMM kernel and `RICHLAZY_GEMM=blas` "
             "(OpenBLAS). Verdicts here from each row's own Wilcoxon p < 0.05 (no correction); "
             "item spread = median (largest) relative difference per item between the two runs.", ""]
    for base, own_path, blas_path in robustness_pairs(directory):
        own, blas, head = common_items(open_sweep(own_path), open_sweep(blas_path))
        if not own["seed"].size:
            lines += [f"### {base}", "", "  \n".join(head[:1] + [
                "in progress: no whole seed finished yet, nothing to compare"]), ""]
            continue
        runs = []
        for ds in (own, blas):
            ds, _ = keep_learned(ds)
            runs.append((ds, rows_for(base, ds)))
        (da, ra), (db, rb) = runs
        lines += [f"### {base}", "", "  \n".join(head + ["item spread: " + item_spread(
            da, db, ["weight_change", "rep_alignment", "kernel_alignment", "final_loss"])]), "",
                  "| setting | measure | expected | own kernel: mean [95% CI], p | OpenBLAS: mean "
                  "[95% CI], p | same verdict |", "|---|---|---|---|---|---|"]
        for x, y in zip(ra, rb):
            if x["sign"] == 0:
                continue
            vx, vy = sign_verdict(x), sign_verdict(y)
            lines.append(f"| {x['setting']} | {x['measure']} | {'+' if x['sign'] > 0 else '−'} | "
                         f"{fmt(x['mean'])} [{fmt(x['ci_low'])}, {fmt(x['ci_high'])}], "
                         f"{fmt_p(x['p'])} ({vx}) | {fmt(y['mean'])} [{fmt(y['ci_low'])}, "
                         f"{fmt(y['ci_high'])}], {fmt_p(y['p'])} ({vy}) | "
                         f"{'yes' if vx == vy else '**no**'} |")
        lines.append("")
    return lines


def main(directory):
    names = sorted(f for f in os.listdir(directory) if f.endswith(".nc"))
    if not names and not os.path.isdir(os.path.join(directory, "robustness")):
        print(f"reproduction.py: no results files in {directory}", file=sys.stderr)
        return 2
    files, running = [], []
    for f in names:
        ds = open_sweep(os.path.join(directory, f))
        pending = int(ds["status"].size) - int(finished(ds).sum())
        if pending:  # a sweep in progress: its tests would change as it runs, and the family's q
            running.append(f"{f[:-3]} ({pending} of {int(ds['status'].size)} items pending)")
            continue
        head = (f"{int(ds['done'].sum())}/{int(ds['status'].size)} items done, "
                f"{int(ds['diverged'].sum())} diverged, {int(ds['failed'].sum())} failed; "
                f"richlazy {ds.attrs.get('richlazy_git_commit', '?')}")
        ds, check = keep_learned(ds)
        files.append((f[:-3], [head] + check, rows_for(f[:-3], ds)))
    claims = [r for _, _, rows in files for r in rows if r["sign"] != 0]
    for r, q in zip(claims, bh_adjust([r["p"] for r in claims])):
        r["q"] = q
    counts = {}
    for r in claims:
        counts[verdict(r)] = counts.get(verdict(r), 0) + 1
    tested = sum(math.isfinite(r["p"]) for r in claims)
    print(f"Family: {tested} tested rows (of {len(claims)} claim rows; the others could not be "
          f"tested) over {len(files)} files, Benjamini-Hochberg at q < {Q_LEVEL}: " +
          ", ".join(f"{v} {n}" for v, n in sorted(counts.items())) +
          (f". In progress, not tested yet: {'; '.join(running)}" if running else "") + "\n")
    for name, head, rows in files:
        for r in rows:
            r.setdefault("q", math.nan)
        print(f"### {name}\n\n" + "  \n".join(head) + "\n")
        print("\n".join(table(rows) if rows else
                        [f"{name}: no rank, structure or linear-init axis; nothing to test"]) + "\n")
    print("\n".join(robustness(directory)))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
