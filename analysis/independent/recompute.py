#!/usr/bin/python3
"""Independent recomputation of the paper-size statistics of REPRODUCTION.md.

Written by a second analyst from the method description alone (REPRODUCTION.md, "How a claim is
tested"), without reading analysis/reproduction.py or analysis/richlazy_analysis/: its own learned
rules, exact Wilcoxon, bootstrap, Benjamini-Hochberg (indep_stats.py) and row kinds (here):

  rank trends, one Spearman rho per seed (measure against rank), Wilcoxon over seeds:
    fig1_lowrank, fig1_gain15, fig1_unpaired, fig1_matched (task x rank), fig1_smnist (rank only)
  structures, per-seed difference structure - gaussian null: fig2_em, fig2
  Fig. 3C, per-seed difference aligned - random per rank, and the mean of the learned ranks below
    the largest within each seed when there are two or more: fig3c, fig3c_spectral

It reads every one of these files that RESULTS_DIR holds (one BH family over them) and compares
every row with TABLE, the project's table for the same files: statistic (3 significant digits),
seeds, p, q, verdict, interval (within bootstrap noise), secondary (pooled rho, positives, d_z,
the groups named "not compared"), and each file's header (items, learned, groups below 90%):

  mkdir -p /tmp/indep && cp analysis/results/{fig1_lowrank,fig1_gain15,fig2_em,fig2,fig3c,\
      fig1_smnist,fig1_unpaired,fig1_matched,fig3c_spectral}.nc /tmp/indep/       # no *.journal
  nice -n 10 /usr/bin/python3 analysis/reproduction.py /tmp/indep > /tmp/indep_tables.md
  cd /tmp/indep && nice -n 10 /usr/bin/python3 $REPO/analysis/independent/recompute.py \
      /tmp/indep /tmp/indep_tables.md

A file with items not yet finished is left out (a sweep still running), as the project does.
Writes recomputed.tsv (all rows) and comparison.txt (row-by-row comparison) in the current
directory. 2026-12-04: 113 of 113 rows agree (fig1_lowrank, fig1_gain15, fig2_em); 2026-12-05,
fig2 as a fourth file: 189 of 189 (138 tested). 2026-12-05, all eight files (fig3c finished:
36/60 done, 24 diverged; its only compared rank is 300, aligned ranks 5 and 30 diverged in 10/10
seeds, so no mean-of-ranks row): 216 of 216 rows agree in statistic, seeds, p, q, verdict,
interval (largest deviation 0.33 standard errors of the mean) and secondary, 156 tested rows in
one family (the table's count), and 8 of 8 file headers. The mean-of-ranks row and a rank trend
without its unlearned rank were checked on the quick files renamed (fig3c_quick and
fig1_smnist_quick as fig3c / fig1_smnist, with fig1_lowrank_quick: 27 of 27; fig3c_spectral_quick:
15 of 15). Conventions the method text leaves open, which the table settles: a seed whose rho is
exactly 0 is dropped from the Wilcoxon ranks but counted in "seeds" (Pratt's variant would give p
0.531 for fig1_gain15 DMS ||dW||, table 0.387); d_z = mean / SD with ddof 1 (ddof 0: 130 rows
differ at 2 digits). 2026-12-05, fig3c_spectral finished as a ninth file (55/60 done, random rank 5
diverged in 5 seeds; only its file name was added to KINDS): 225 of 225 rows agree, 162 tested
rows in one family, 9 of 9 file headers.
"""
import math
import os
import re
import sys
from collections import Counter

import numpy as np
import xarray as xr
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from indep_stats import (DIVERGED, DONE, FAILED, bad_groups, bh, boot_ci, d_z,  # noqa: E402
                         exact_wilcoxon, group_learned, learned_mask, measure)

HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results")
TABLE = sys.argv[2] if len(sys.argv) > 2 else "three_tables.md"
NAN = float("nan")

rows = []  # one dict per claim row
headers = {}  # label -> my values of the file's header lines


def open_file(fname, label):
    ds = xr.open_dataset(f"{HERE}/{fname}")
    learned, rule = learned_mask(ds)
    gok, nl, nf = group_learned(ds, learned)
    st = ds["status"].values
    headers[label] = dict(
        done=int((st == DONE).sum()), diverged=int((st == DIVERGED).sum()),
        failed=int((st == FAILED).sum()), total=int(st.size), rule=rule,
        learned=int(learned.sum()), finished=int(np.isin(st, [DONE, DIVERGED, FAILED]).sum()),
        bad=bad_groups(ds, gok, nl, nf))
    return ds, learned, gok, nl, nf


def diff_row(row, d, groups_ok, bad, min_n=1):
    """A per-seed difference row: mean, interval, Wilcoxon p (tested rows), positives, d_z."""
    d = np.asarray(d, float)
    d = d[~np.isnan(d)]
    tested = bool(groups_ok) and len(d) >= min_n
    row.update(kind="diff", tested=tested, n=len(d), stat=d.mean() if len(d) else NAN,
               p=exact_wilcoxon(d) if tested else NAN, ci=boot_ci(d), npos=int((d > 0).sum()),
               dz=d_z(d), values=d, bad=bad)
    rows.append(row)


# ---------------------------------------------------------------- rank trends (Fig. 1)
FIG1_MEASURES = [("weight_change", -1), ("rep_alignment", +1), ("kernel_alignment", +1)]


def seed_rhos(val, ranks):
    """One Spearman rho per seed over the (learned) items of the given ranks; seeds with fewer
    than three values, or a constant measure, give none. Also the pooled items."""
    rhos, px, py = [], [], []
    for seed in val["seed"].values:
        y = val.sel(seed=seed, rank=ranks).values
        x = np.asarray(ranks, float)
        good = ~np.isnan(y)
        x, y = x[good], y[good]
        px += list(x)
        py += list(y)
        if len(x) < 3 or np.all(y == y[0]):
            continue
        rho = stats.spearmanr(x, y)[0]
        if np.isfinite(rho):
            rhos.append(rho)
    return np.array(rhos), px, py


def fig1(fname, label):
    """Rank trend per task (or the file's one task): tested when >= 3 rank groups pass the 90%
    rule, over those ranks. An untested row keeps, descriptively, the rhos of the seeds with >= 3
    learned rank values over every rank, and their Wilcoxon p outside the family."""
    ds, learned, gok, nl, nf = open_file(fname, label)
    ranks = ds["rank"].values
    tasks = ds["task"].values if "task" in ds.dims else [None]
    for mname, sign in FIG1_MEASURES:
        val = measure(ds, mname, learned)
        for task in tasks:
            sub = (lambda a: a.sel(task=task)) if task is not None else (lambda a: a)
            okr = sub(gok).values.astype(bool)
            tested = okr.sum() >= 3
            use = ranks[okr] if tested else ranks
            rhos, px, py = seed_rhos(sub(val), use)
            within = {"task": task} if task is not None else None
            row = dict(file=label, setting=f"task={task}" if task is not None else "all",
                       measure=mname, expected=sign, kind="rho", tested=bool(tested and len(rhos)),
                       n=len(rhos), stat=rhos.mean() if len(rhos) else NAN, values=rhos,
                       ci=boot_ci(rhos), pooled=stats.spearmanr(px, py)[0] if len(px) >= 3 else NAN,
                       npooled=len(px), bad=bad_groups(ds, gok, nl, nf, within), nranks=len(use))
            row["p"] = exact_wilcoxon(rhos) if row["tested"] else NAN
            row["explo_p"] = exact_wilcoxon(rhos) if not row["tested"] and len(rhos) else NAN
            rows.append(row)


# ---------------------------------------------------------------- structures (Fig. 2)
FIG2_MEASURES = [("eff_rank_eig", -1), ("weight_change", +1), ("rep_alignment", -1), ("kernel_alignment", -1)]


def fig2(fname, label):
    ds, learned, gok, nl, nf = open_file(fname, label)
    structs = [s for s in ds["structure"].values if s != "gaussian"]
    for mname, sign in FIG2_MEASURES:
        val = measure(ds, mname, learned)
        if mname == "eff_rank_eig":
            # a property of W_h(0): identical across task and norm (checked), one row per structure
            spread = float((val.max(["task", "norm"]) - val.min(["task", "norm"])).max())
            assert spread < 1e-10, spread
            v = val.mean(["task", "norm"], skipna=True)
            for s in structs:
                d = (v.sel(structure=s) - v.sel(structure="gaussian")).values
                diff_row(dict(file=label, setting=f"{s} − gaussian, any task, norm", measure=mname,
                              expected=sign, struct=s, task=None, norm=None), d, True, [], min_n=5)
            continue
        for task in ds["task"].values:
            for norm in ds["norm"].values:
                for s in structs:
                    d = (val.sel(task=task, norm=norm, structure=s)
                         - val.sel(task=task, norm=norm, structure="gaussian")).values
                    ok = bool(gok.sel(task=task, norm=norm, structure=s)) and \
                        bool(gok.sel(task=task, norm=norm, structure="gaussian"))
                    bad = [b for g in (s, "gaussian")
                           for b in bad_groups(ds, gok, nl, nf, {"task": task, "norm": norm, "structure": g})]
                    diff_row(dict(file=label, setting=f"{s} − gaussian, task={task}, norm={norm}",
                                  measure=mname, expected=sign, struct=s, task=task, norm=norm),
                             d, ok, bad, min_n=5)


# ---------------------------------------------------------------- Fig. 3C
FIG3C_MEASURES = [("kernel_alignment", +1), ("rep_alignment", +1), ("weight_change", -1)]


def fig3c(fname, label):
    """aligned - random per seed, per rank (both items learned); a rank is compared when both of
    its init groups pass the 90% rule. Where two or more ranks below the largest are compared, the
    mean over those ranks of the seed's differences (seeds with every one of them)."""
    ds, learned, gok, nl, nf = open_file(fname, label)
    ranks = ds["rank"].values
    both = gok.sel(init="aligned") & gok.sel(init="random")
    for mname, sign in FIG3C_MEASURES:
        val = measure(ds, mname, learned)
        diff = val.sel(init="aligned") - val.sel(init="random")  # (rank, seed); NaN unless both learned
        for r in ranks:
            bad = [b for i in ("aligned", "random") for b in bad_groups(ds, gok, nl, nf, {"init": i, "rank": r})]
            diff_row(dict(file=label, setting=f"aligned − random, rank {r}", measure=mname,
                          expected=sign, rank=int(r)), diff.sel(rank=r).values, bool(both.sel(rank=r)), bad)
        below = [r for r in ranks if r < ranks.max() and bool(both.sel(rank=r))]
        if len(below) >= 2:
            m = diff.sel(rank=below).mean("rank", skipna=False).values
            diff_row(dict(file=label, measure=mname, expected=sign, rank="mean",
                          setting=f"aligned − random, mean of ranks {'/'.join(map(str, below))} within each seed"),
                     m, True, [])


KINDS = [("fig1_gain15", fig1), ("fig1_lowrank", fig1), ("fig1_unpaired", fig1), ("fig1_matched", fig1),
         ("fig1_smnist", fig1), ("fig2_em", fig2), ("fig2", fig2), ("fig3c", fig3c),
         ("fig3c_spectral", fig3c)]
# Every file this script knows how to test that RESULTS_DIR holds (the project's table must be
# computed over the same files: one BH family). A sweep still running (items not yet finished:
# neither done, diverged nor failed) is left out until it finishes.
in_progress = []
for label, kind in KINDS:
    if os.path.exists(f"{HERE}/{label}.nc"):
        with xr.open_dataset(f"{HERE}/{label}.nc") as ds0:
            pending = int((~ds0["status"].isin([DONE, DIVERGED, FAILED])).sum())
        if pending:
            in_progress.append(f"{label} ({pending} of {ds0['status'].size} items pending)")
            continue
        kind(f"{label}.nc", label)

tested = [r for r in rows if r["tested"]]
for r, qq in zip(tested, bh([r["p"] for r in tested])):
    r["q"] = qq
for r in rows:
    if not r["tested"]:
        r["q"] = NAN
        r["verdict"] = "– (did not learn)"
    elif r["q"] < 0.05:
        r["verdict"] = "reproduced" if np.sign(r["stat"]) == r["expected"] else "opposite"
    else:
        r["verdict"] = "not significant"
print(f"Files: {', '.join(headers)}" + (f"; in progress, left out: {', '.join(in_progress)}" if in_progress else ""))
print(f"Family size (tested rows): {len(tested)}; untested rows: {len(rows) - len(tested)}")
print(Counter(r["verdict"] for r in rows))

with open("recomputed.tsv", "w") as f:
    f.write("file\tsetting\tmeasure\texpected\tstat\tci_lo\tci_hi\tn\tp\tq\tverdict\textra\n")
    for r in rows:
        ci = r["ci"]
        extra = f"pooled={r['pooled']:.3f} (n {r['npooled']})" if r["kind"] == "rho" else \
            f"npos={r['npos']} d_z={r['dz']:.3g}"
        if r["bad"]:
            extra += "; not compared: " + "; ".join(f"{g} learned {a}/{b}" for g, a, b in r["bad"])
        f.write(f"{r['file']}\t{r['setting']}\t{r['measure']}\t{'+' if r['expected'] > 0 else '−'}\t"
                f"{r['stat']:.6g}\t{ci[0]:.4g}\t{ci[1]:.4g}\t{r['n']}\t{r['p']:.6g}\t{r['q']:.6g}\t"
                f"{r['verdict']}\t{extra}\n")


# ---------------------------------------------------------------- compare with table
def num(s):
    s = s.strip().replace("+", "")
    return None if s in ("–", "-", "") else float(s)


def same3(printed, mine):
    """The table's number (3 significant digits) equals mine rounded the same way."""
    if printed is None or (isinstance(mine, float) and math.isnan(mine)):
        return printed is None and (isinstance(mine, float) and math.isnan(mine))
    return printed == float(f"{mine:.3g}")


def ci_tolerance(r):
    """Two bootstrap runs of 10,000 resamples differ by about 0.04 standard errors of the mean at
    each endpoint; allow 0.3 SE, at least one lattice step of a mean of rhos (rho of k ranks moves
    in steps of 12/(k(k^2-1))), plus the table's rounding to 3 significant digits."""
    v = r["values"]
    se = np.std(v, ddof=1) / math.sqrt(len(v)) if len(v) > 1 else 0.0
    tol = 0.3 * se
    if r["kind"] == "rho":
        k = r["nranks"]
        tol = max(tol, 1.01 * 12.0 / (k * (k * k - 1)) / len(v))
    return tol, se


text = open(TABLE).read().splitlines()
fam = int(re.search(r"Family: (\d+) tested rows", text[0]).group(1))
cur = None
trows, theads = {}, {}
for line in text:
    m = re.match(r"### (\S+)", line)
    if m:
        cur = m.group(1)
        theads.setdefault(cur, [])
        continue
    if cur and not line.startswith("|"):
        theads[cur].append(line.strip())
    if line.startswith("| ") and not line.startswith("| setting") and cur:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 9:  # another table kind (e.g. robustness twins): not a claim row
            continue
        trows.setdefault((cur, cells[0], cells[1]), cells)

out = [f"Family size: table says {fam}; recomputed tested rows {len(tested)} (rows incl. untested: {len(rows)})"]
tprog = re.search(r"In progress, not tested yet: (.*)$", text[0])
if fam != len(tested) or (tprog.group(1) if tprog else "") != ", ".join(in_progress):
    out.append(f"DIFF family size or files in progress (table: {tprog.group(1) if tprog else 'none'})")
agree = ndiff = 0
worst_ci = (0.0, None)
for r in rows:
    key = (r["file"], r["setting"], r["measure"])
    c = trows.get(key)
    if c is None:
        out.append(f"MISSING in table: {key}")
        ndiff += 1
        continue
    problems = []
    ms = re.match(r"(?:rho|diff) per seed (\S+) \[(\S+), (\S+)\]", c[3])
    if not same3(num(ms.group(1)), r["stat"]):
        problems.append(f"stat table {ms.group(1)} vs mine {r['stat']:.4g}")
    lo, hi = num(ms.group(2)), num(ms.group(3))
    if r["n"] > 0 and lo is not None:
        tol, se = ci_tolerance(r)
        dev = max(abs(lo - r["ci"][0]), abs(hi - r["ci"][1]))
        slack = 0.006 * max(abs(lo), abs(hi))  # rounding to 3 significant digits
        if dev > tol + slack:
            problems.append(f"interval table [{lo}, {hi}] vs mine [{r['ci'][0]:.4g}, {r['ci'][1]:.4g}]")
        if se > 0 and dev / se > worst_ci[0]:
            worst_ci = (dev / se, key)
    elif (lo is None) != (r["n"] == 0):
        problems.append(f"interval table {c[3]} vs mine n {r['n']}")
    if int(c[4]) != r["n"]:
        problems.append(f"seeds table {c[4]} vs mine {r['n']}")
    for lab, cell, val in (("p", c[5], r["p"]), ("q", c[6], r["q"])):
        if cell == "–" and not math.isnan(val) or cell != "–" and (math.isnan(val) or cell != f"{val:.3f}"):
            problems.append(f"{lab} table {cell} vs mine {val:.4g}")
    if c[8] != r["verdict"]:
        problems.append(f"verdict table '{c[8]}' vs mine '{r['verdict']}'")
    sec = c[7]
    if r["kind"] == "rho":
        mp = re.search(r"pooled rho (\S+) \(n (\d+)\)", sec)
        if not mp or abs(float(mp.group(1)) - r["pooled"]) > 0.006 or int(mp.group(2)) != r["npooled"]:
            problems.append(f"pooled table '{mp.group(0) if mp else sec}' vs mine {r['pooled']:.3f} (n {r['npooled']})")
        me = re.search(r"the (\d+) seeds with >= 3 learned rank values: Wilcoxon p (\S+)", sec)
        if (me is None) != math.isnan(r["explo_p"]) or me and (
                int(me.group(1)) != r["n"] or me.group(2) != f"{r['explo_p']:.3f}"):
            problems.append(f"exploratory table '{me.group(0) if me else '–'}' vs mine p {r['explo_p']:.4g}")
    else:
        mpos = re.match(r"(\d+)/(\d+) positive", sec)
        if not mpos or (int(mpos.group(1)), int(mpos.group(2))) != (r["npos"], r["n"]):
            problems.append(f"positives table '{sec[:14]}' vs mine {r['npos']}/{r['n']}")
        mdz = re.search(r"d_z (\S+?)(?:;|$)", sec)
        if mdz and not (mdz.group(1) == "–" and math.isnan(r["dz"])
                        or mdz.group(1) != "–" and float(mdz.group(1)) == float(f"{r['dz']:.2g}")):
            problems.append(f"d_z table {mdz.group(1)} vs mine {r['dz']:.3g}")
    tbad = sorted(re.findall(r"(\S+) learned (\d+)/(\d+)", sec.split("not compared:")[-1] if "not compared" in sec
                             else sec.split("only (")[-1] if "only (" in sec else ""))
    if tbad != sorted((g, str(a), str(b)) for g, a, b in r["bad"]):
        problems.append(f"groups not compared: table {tbad} vs mine {r['bad']}")
    if problems:
        ndiff += 1
        out.append(f"DIFF {key}: " + "; ".join(problems))
    else:
        agree += 1
for k in sorted(set(trows) - {(r["file"], r["setting"], r["measure"]) for r in rows}):
    out.append(f"EXTRA in table: {k}")
    ndiff += 1
out.append(f"rows agreeing: {agree} of {len(rows)}; disagreeing {ndiff}")
out.append(f"largest interval deviation: {worst_ci[0]:.2f} standard errors of the mean ({worst_ci[1]})")

# each file's header lines: items, learned, groups below the 90% rule
hagree = 0
for label, h in headers.items():
    lines = " ".join(theads.get(label, []))
    mine_items = f"{h['done']}/{h['total']} items done, {h['diverged']} diverged, {h['failed']} failed"
    mine_learned = f"{h['learned']} of {h['finished']} finished items"
    rule_ok = ("reached the stop criterion" in lines) == (h["rule"] == "criterion")
    g = [x for x in theads.get(label, []) if x.startswith("groups where fewer than 90% learned: ")]
    g = g[0].split(": ", 1)[1] if g else "?"
    tb = sorted(tuple(x.rsplit(" ", 1)) for x in g.split("; ")) if g != "none" else []
    mb = sorted((g.replace("/", ", "), f"{a}/{b}") for g, a, b in h["bad"])
    ok = mine_items in lines and mine_learned in lines and rule_ok and tb == mb
    hagree += ok
    out.append(f"header {label}: {'agrees' if ok else 'DIFF'} ({mine_items}; learned {mine_learned}, "
               f"rule {h['rule']}; below 90%: {'; '.join(f'{g} {n}' for g, n in mb) or 'none'})")
out.append(f"file headers agreeing: {hagree} of {len(headers)}")
open("comparison.txt", "w").write("\n".join(out) + "\n")
print("\n".join(out))

# ---------------------------------------------------------------- headlines
print("\n=== Headlines (tested rows; rank trends: mean rho; Fig. 3C: aligned − random) ===")
for r in rows:
    if r["file"].startswith(("fig1", "fig3c")) and (r["tested"] or r["n"]):
        print(f"  {r['file']:13s} {r['setting'][:40]:40s} {r['measure']:17s} {r['stat']:+.3g} "
              f"[{r['ci'][0]:+.2g}, {r['ci'][1]:+.2g}] n={r['n']} p={r['p']:.3g} q={r['q']:.3g} {r['verdict']}")
print("-- fig2_em / fig2: structures significantly richer than gaussian (q<0.05, expected sign)")
for lab in ("fig2_em", "fig2"):
    for task in ("2af", "dms", "cxt"):
        for norm in ("frobenius", "spectral"):
            parts = []
            for mname, _ in FIG2_MEASURES[1:]:
                sel = [r for r in rows if r["file"] == lab and r.get("task") == task
                       and r.get("norm") == norm and r["measure"] == mname]
                rep = [r["struct"] for r in sel if r["verdict"] == "reproduced"]
                opp = [r["struct"] for r in sel if r["verdict"] == "opposite"]
                parts.append(f"{mname}: {','.join(rep) or 'none'}" + (f" (opposite: {','.join(opp)})" if opp else ""))
            if any(r["file"] == lab for r in rows):
                print(f"  {lab} {task}/{norm}: " + " | ".join(parts))
