"""reproduction.py RESULTS_DIR — the statistics behind REPRODUCTION.md, as Markdown tables.

For every results file of scripts/reproduce.sh it states each of the paper's claims as a
test with an expected sign, computes the statistic from the file, and gives a verdict:
  rank sweeps (Fig. 1, appendix controls, Thm 1): Spearman rho of each measure against the
      initial rank per setting, over every done (rank, seed) item — the paper's "lower
      rank => larger weight change, lower RA, lower KA" is rho < 0, > 0, > 0;
  structure sweeps (Fig. 2, Dale kept): each structure minus the Gaussian null of the same
      seeds, Welch 95% interval and p — "lower effective rank and richer" is eff_rank < 0,
      weight change > 0, RA < 0, KA < 0;
  the linear network (Fig. 3): KA against kappa for the partially aligned init (rho > 0) and
      aligned minus random rank-1 KA (> 0);
  the teacher-aligned RNN (Fig. 3C): aligned minus random rank-r W_h(0), paired by seed, per
      rank and pooled over the low ranks (r < N) — "aligned learns lazier" is KA > 0,
      RA > 0, weight change < 0; mean difference, paired-t 95% interval, Wilcoxon signed-rank p.
  the kernel along training (appendix Figs. 14, 15; sweeps with probe.kernel_every > 0):
      Spearman rho against rank of the kernel-task alignment and kernel effective rank at
      the end and of their change from K(0), with the mean per rank; the paper's numbers
      for these figures are not known to us, so these rows are descriptive (no verdict).
Verdicts: reproduced (expected sign, p < 0.01), partly (expected sign, p < 0.05), not
reproduced (otherwise). Run with Debian's /usr/bin/python3.
"""
import math
import os
import sys

import numpy as np
from scipy import stats as sps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from richlazy_analysis import open_sweep  # noqa: E402
from richlazy_analysis.stats import effect_sizes, spearman_trends  # noqa: E402
from richlazy_analysis.sweep import axes, find_axis, rank_axis  # noqa: E402

RANK_CLAIMS = [("weight_change", -1), ("rep_alignment", +1), ("kernel_alignment", +1)]
STRUCTURE_CLAIMS = [("eff_rank_eig", -1), ("weight_change", +1), ("rep_alignment", -1),
                    ("kernel_alignment", -1)]


def verdict(sign, stat, p):
    if not (math.isfinite(stat) and math.isfinite(p)) or stat * sign <= 0:
        return "not reproduced"
    return "reproduced" if p < 0.01 else "partly" if p < 0.05 else "not reproduced"


def fmt_p(p):
    return "–" if not math.isfinite(p) else f"{p:.1e}"


def setting_label(row, columns):
    parts = [f"{c}={row[c]}" for c in columns]
    return ", ".join(parts) if parts else "all"


def rank_table(name, ds, claims=RANK_CLAIMS):
    axis = rank_axis(ds)
    trends = spearman_trends(ds, measures=[m for m, _ in claims], x=axis)
    over = [c for c in trends.columns if c not in ("measure", "n", "rho", "p")]
    lines = [f"| {name} | setting | measure | expected | rho | p | n | verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for measure, sign in claims:
        for _, row in trends[trends.measure == measure].iterrows():
            v = verdict(sign, row.rho, row.p)
            lines.append(f"| | {setting_label(row, over)} | {measure} | {'+' if sign > 0 else '−'}"
                         f" | {row.rho:+.2f} | {fmt_p(row.p)} | {row.n} | {v} |")
    return lines


def structure_table(name, ds, axis="structure", null="gaussian", claims=STRUCTURE_CLAIMS):
    eff = effect_sizes(ds, measures=[m for m, _ in claims], axis=axis, null=null, method="welch")
    over = [c for c in eff.columns if c in axes(ds) and c not in (axis, "seed")]
    lines = [f"| {name} | {axis} vs {null} | setting | measure | expected | diff [95% CI] | p | "
             "verdict |", "|---|---|---|---|---|---|---|---|"]
    for measure, sign in claims:
        for _, row in eff[eff.measure == measure].iterrows():
            v = verdict(sign, row["diff"], row.p_welch)
            lines.append(f"| | {row[axis]} | {setting_label(row, over)} | {measure} | "
                         f"{'+' if sign > 0 else '−'} | {row['diff']:+.3g} "
                         f"[{row.ci_low:+.3g}, {row.ci_high:+.3g}] | {fmt_p(row.p_welch)} | {v} |")
    return lines


def fig3_table(name, ds):
    init = find_axis(ds, "linear.init")
    kappa = find_axis(ds, "linear.kappa")
    lines = [f"| {name} | claim | statistic | p | verdict |", "|---|---|---|---|---|"]
    part = ds.sel({init: "partial"})
    trends = spearman_trends(part, measures=["kernel_alignment"], x=kappa)
    for _, row in trends.iterrows():
        lines.append(f"| | partially aligned: KA grows with kappa | rho {row.rho:+.2f} "
                     f"(n {row.n}) | {fmt_p(row.p)} | {verdict(+1, row.rho, row.p)} |")
    eff = effect_sizes(ds, measures=["kernel_alignment"], axis=init, null="random",
                       method="welch")
    for _, row in eff.iterrows():
        where = setting_label(row, [kappa]) if kappa in row else ""
        lines.append(f"| | {row[init]} minus random KA ({where}) | {row['diff']:+.3g} "
                     f"[{row.ci_low:+.3g}, {row.ci_high:+.3g}] | {fmt_p(row.p_welch)} | "
                     f"{verdict(+1, row['diff'], row.p_welch)} |")
    return lines


ALIGNED_CLAIMS = [("kernel_alignment", +1), ("rep_alignment", +1), ("weight_change", -1)]


def paired_row(d):
    """Mean, paired-t 95% interval, Wilcoxon signed-rank p and sign count of differences d."""
    d = d[np.isfinite(d)]
    n = d.size
    if n < 2:
        return n, math.nan, math.nan, math.nan, math.nan, 0
    mean = float(d.mean())
    half = float(sps.t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n))
    p = float(sps.wilcoxon(d).pvalue) if np.any(d != 0) else 1.0
    return n, mean, mean - half, mean + half, p, int((d > 0).sum())


def aligned_table(name, ds, axis="init"):
    rank = rank_axis(ds)
    ranks = [int(r) for r in ds[rank].values]
    low = [r for r in ranks if r < max(ranks)]  # the largest rank of our specs is N (full)
    lines = [f"| {name} | aligned − random | measure | expected | mean diff [95% CI] | "
             "positive | Wilcoxon p | verdict |", "|---|---|---|---|---|---|---|---|"]
    groups = [(f"rank {r}", [r]) for r in ranks] + [(f"ranks {'/'.join(map(str, low))} pooled",
                                                     low)]
    for measure, sign in ALIGNED_CLAIMS:
        da = ds[measure]
        diff = (da.sel({axis: "aligned"}) - da.sel({axis: "random"}))
        for label, rs in groups:
            d = np.concatenate([diff.sel({rank: r}).values.ravel() for r in rs])
            n, mean, lo, hi, p, pos = paired_row(d)
            lines.append(f"| | {label} | {measure} | {'+' if sign > 0 else '−'} | {mean:+.3g} "
                         f"[{lo:+.3g}, {hi:+.3g}] | {pos}/{n} | {fmt_p(p)} | "
                         f"{verdict(sign, mean, p)} |")
    return lines


KERNEL_CURVE_MEASURES = ["kernel_task_alignment", "kernel_task_alignment_change",
                         "kernel_eff_rank", "kernel_eff_rank_change"]


def kernel_curve_table(name, ds):
    """Descriptive rows for the kernel along training: trend with rank, mean per rank."""
    axis = rank_axis(ds)
    ds = ds.assign(
        kernel_task_alignment_change=ds.kernel_task_alignment - ds.kernel_task_alignment_init,
        kernel_eff_rank_change=ds.kernel_eff_rank - ds.kernel_eff_rank_init)
    trends = spearman_trends(ds, measures=KERNEL_CURVE_MEASURES, x=axis)
    over = [c for c in trends.columns if c not in ("measure", "n", "rho", "p")]
    ranks = ds[axis].values.tolist()
    lines = [f"| {name} (kernel along training) | setting | measure | mean at rank "
             f"{', '.join(str(r) for r in ranks)} | rho vs rank | p | n |",
             "|---|---|---|---|---|---|---|"]
    for measure in KERNEL_CURVE_MEASURES:
        for _, row in trends[trends.measure == measure].iterrows():
            sel = {c: row[c] for c in over}
            means = ds[measure].sel(sel).mean([d for d in axes(ds) if d not in (axis, *over)])
            shown = ", ".join(f"{m:+.4f}" for m in means.transpose(axis).values)
            lines.append(f"| | {setting_label(row, over)} | {measure} | {shown} | "
                         f"{row.rho:+.2f} | {fmt_p(row.p)} | {row.n} |")
    return lines


def table_for(name, ds):
    if find_axis(ds, "linear.init", required=False) and find_axis(ds, "linear.kappa",
                                                                  required=False):
        return fig3_table(name, ds)
    kind = find_axis(ds, "init.kind", required=False)
    if kind and set(ds[kind].values.tolist()) >= {"aligned", "random"}:
        return aligned_table(name, ds, kind)
    if "structure" in axes(ds):
        return structure_table(name, ds)
    if rank_axis(ds, required=False):
        claims = [("kernel_alignment", +1)] if "theorem1" in name else RANK_CLAIMS
        lines = rank_table(name, ds, claims)
        if "kernel_task_alignment_curve" in ds:
            lines += [""] + kernel_curve_table(name, ds)
        return lines
    return [f"{name}: no rank, structure or linear-init axis; nothing to test"]


def main(directory):
    names = sorted(f for f in os.listdir(directory) if f.endswith(".nc"))
    if not names:
        print(f"reproduction.py: no results files in {directory}", file=sys.stderr)
        return 2
    for f in names:
        ds = open_sweep(os.path.join(directory, f))
        done = int(ds["done"].sum())
        total = int(ds["status"].size)
        print(f"### {f[:-3]}\n\n{done}/{total} items done, "
              f"{int(ds['diverged'].sum())} diverged, {int(ds['failed'].sum())} failed; "
              f"richlazy {ds.attrs.get('richlazy_git_commit', '?')}\n")
        print("\n".join(table_for(f[:-3], ds)) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
