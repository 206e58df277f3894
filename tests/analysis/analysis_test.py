#!/usr/bin/python3
"""analysis_test.py RICHLAZY REPO MODE: tests of analysis/ and `richlazy report` (suite analysis).

Each MODE checks one promise of README "Analysis", on real results files made here
by real sweeps (scripts/mpirun.sh -n 2) in a temporary directory:
  stats       spearman_trends, effect_sizes and their intervals on synthetic cubes
              with answers known in closed form or by construction
  open_sweep  a sweep with every outcome (tests/analysis/mixed.yaml): done, diverged
              (huge gain and lr), failed (a truncated init.file) and pending (stopped by
              SIGTERM): open_sweep's status names, masks, NaNs, kept values and reasons;
              `richlazy report` on it; sweep_health.ipynb on it
  report      `richlazy report` on sweeps/smoke.yaml's results: every n, mean and sd equal
              to xarray's, every rho and p equal to scipy.stats.spearmanr's; exit 2 on a
              missing, non-netCDF or non-results file and on bad options
  notebooks   every analysis/*.ipynb executed headless (nbconvert) against small results
              (sweeps/smoke.yaml, tests/analysis/*_smoke.yaml); each writes its PNGs
  clone       a fresh clone (the tracked files, committed into a new repository): every
              notebook runs with no setting on the committed analysis/results/, writes its
              PNGs under results/ and leaves `git status` clean; without a results file the
              error names the spec to run; `pip install -e analysis` in a virtual environment
              on Debian's packages imports the package from anywhere
Exit 0 = all checks passed, 1 = a check failed, 77 = skipped (mpirun or nbconvert missing).
"""
import glob
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from checks import FAILED, check  # noqa: E402
EXE, REPO, MODE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
HERE = os.path.join(REPO, "tests", "analysis")
sys.path.insert(0, os.path.join(REPO, "analysis"))
os.environ["MPLBACKEND"] = "Agg"  # headless: plots are drawn, never shown
import numpy as np  # noqa: E402  (after the path and backend are set)
import scipy.stats  # noqa: E402
import xarray as xr  # noqa: E402

import richlazy_analysis as ra  # noqa: E402

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", HDF5_USE_FILE_LOCKING="FALSE",
           PYDEVD_DISABLE_FILE_VALIDATION="1", RICHLAZY_BIN=EXE)
ENV.pop("RICHLAZY_FAKE_RUNNER", None)  # real training only
WORK = tempfile.mkdtemp(prefix="rl_analysis_")
NOTEBOOK_PNGS = {
    "fig1": ["fig1_measures_vs_rank", "fig1_kernel_curves"],
    "fig2": ["fig2_eff_rank", "fig2_measures_vs_null", "fig2_spectra"],
    "fig3": ["fig3_measures_vs_kappa", "fig3_loss_curves"],
    "theorem1": ["theorem1_measures_vs_rank"],
    "sweep_health": ["health_status", "health_loss_curves", "health_wall_time"],
}


def path(name):
    return os.path.join(WORK, name)


def close(a, b, rel=0.0, abs_=0.0):
    """a == b within rel*|b| + abs_, NaN equal to NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rel * abs(b) + abs_


def need(condition, why):
    if not condition:
        print(f"SKIP: {why}")
        sys.exit(77)


def run_sweep(spec, out, cwd=None):
    """Runs spec to completion on 2 ranks; returns the results path."""
    cmd = [os.path.join(REPO, "scripts", "mpirun.sh"), "-n", "2", EXE, "run", spec, "-o", out,
           "--progress-every", "1000"]
    done = subprocess.run(cmd, env=ENV, cwd=cwd or WORK, capture_output=True, text=True,
                          timeout=120)
    check(done.returncode == 0, f"{os.path.basename(spec)} ran through mpirun -n 2 (exit "
          f"{done.returncode}{': ' + done.stderr.strip()[-300:] if done.returncode else ''})")
    return out


def execute_notebook(name, results, figures):
    """Runs analysis/NAME.ipynb headless against results; True if it ran without error."""
    env = dict(ENV, RICHLAZY_RESULTS=results, RICHLAZY_FIGURES=figures,
               RICHLAZY_DUMPS=path(name + "_dumps"))
    cmd = [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
           "--ExecutePreprocessor.timeout=120", "--output-dir", path("executed"),
           os.path.join(REPO, "analysis", name + ".ipynb")]
    start = time.monotonic()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    why = "" if done.returncode == 0 else ": " + done.stderr[-800:]
    return check(done.returncode == 0, f"{name}.ipynb executed on {os.path.basename(results)} "
                 f"in {time.monotonic() - start:.1f} s{why}")


def png_size(file):
    """(width, height) from a PNG's IHDR chunk, or None if it is not a PNG."""
    with open(file, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def check_pngs(name, figures):
    for png in NOTEBOOK_PNGS[name]:
        file = os.path.join(figures, png + ".png")
        size = png_size(file) if os.path.exists(file) else None
        check(size is not None and min(size) >= 100,
              f"{name}.ipynb wrote {png}.png ({size[0]} x {size[1]} px)" if size
              else f"{name}.ipynb wrote {png}.png (missing or not a PNG)")


# ---- stats: synthetic cubes with known answers ----

def synthetic_cube(values, dims, coords):
    """An open_sweep-like Dataset: `m` holds values, every item done."""
    status = xr.DataArray(np.ones(values.shape, np.int8), dims=dims, coords=coords,
                          attrs={"flag_values": np.arange(4, dtype=np.int8),
                                 "flag_meanings": "pending done diverged failed"})
    return xr.Dataset({"m": (dims, values), "status": status}, coords=coords)


def mode_stats():
    ranks, seeds = [1, 3, 10, 30, 100], [0, 1, 2, 3]
    rng = np.random.default_rng(7)
    up = np.add.outer(np.arange(5.0), rng.uniform(0, 0.5, 4))  # rises with rank, seeds below the gap
    cube = np.stack([up, -up, rng.normal(size=(5, 4))])
    ds = synthetic_cube(cube, ("task", "rank", "seed"),
                        {"task": ["up", "down", "noise"], "rank": ranks, "seed": seeds})
    t = ra.spearman_trends(ds, ["m"]).set_index("task")
    # With x tied within each rank (4 seeds) and y sorted by rank, rho is the rank correlation of
    # x's tie-averaged ranks with 1..20: computed here from its definition, not by scipy.
    x_ranks = np.repeat(np.arange(5) * 4 + 2.5, 4)
    expect = np.corrcoef(x_ranks, np.arange(1, 21))[0, 1]
    check(close(t.loc["up", "rho"], expect, abs_=1e-12)
          and close(t.loc["down", "rho"], -expect, abs_=1e-12),
          f"monotone rise/fall: rho = +/-{expect:.6f} (ties within ranks averaged), within 1e-12")
    r, n = t.loc["up", "rho"], 20
    p_t = 2 * scipy.stats.t.sf(abs(r) * math.sqrt((n - 2) / (1 - r * r)), n - 2)
    check(close(t.loc["up", "p"], p_t, rel=1e-9),
          f"p is the t approximation with n-2 df ({p_t:.3g}), rel 1e-9")
    check(t.loc["noise", "n"] == 20 and abs(t.loc["noise", "rho"]) < 0.5,
          f"pure noise: n = 20, |rho| = {abs(t.loc['noise', 'rho']):.3f} < 0.5 (fixed seed 7)")
    masked = ds.copy()
    masked["m"] = ds["m"].where(ds["seed"] != 3)
    check(ra.spearman_trends(masked, ["m"]).set_index("task").loc["up", "n"] == 15,
          "NaN items (unfinished) leave the trend: n = 15 of 20")
    flat = synthetic_cube(np.ones((1, 5, 4)), ("task", "rank", "seed"),
                          {"task": ["flat"], "rank": ranks, "seed": seeds})
    check(math.isnan(ra.spearman_trends(flat, ["m"])["rho"][0]),
          "a constant measure has rho NaN, not an error")
    flat["m"] = flat["m"] - np.arange(5.0)[:, None] * 1e-16  # falls with rank, in the last bits only
    check(math.isnan(ra.spearman_trends(flat, ["m"])["rho"][0]),
          "a measure constant to 12 digits (1 - k*1e-16) has rho NaN, not a 'significant' -1")
    effects_exact()
    effects_sampled()
    seed_level()


def seed_level():
    """Seed-level statistics: per-seed rho, paired differences, exact Wilcoxon, BH and Holm."""
    rng = np.random.default_rng(5)
    for n in (4, 7, 10):
        x = rng.normal(0.4, 1, n)
        check(close(ra.wilcoxon_p(x), scipy.stats.wilcoxon(x, mode="exact").pvalue, rel=1e-12),
              f"Wilcoxon p without ties equals scipy's exact p (n = {n})")
    # With ties the sign-flip enumeration by hand: |x| = 1,1,2 -> ranks 1.5,1.5,3; observed
    # positive sum 1.5 + 3 = 4.5, centre 3; of the 8 sign sets, sums 0,1.5,1.5,3,3,4.5,4.5,6
    # lie >= 1.5 from 3 in 6 cases: p = 0.75.
    check(close(ra.wilcoxon_p([1, -1, 2]), 0.75, abs_=1e-12), "Wilcoxon with ties [1,-1,2]: p = 6/8")
    check(close(ra.wilcoxon_p(np.ones(10)), 2 / 1024, abs_=1e-15) and ra.wilcoxon_p([0, 0]) == 1,
          "ten positive seeds: p = 2/1024; all zeros: p = 1")
    p = [0.01, 0.04, 0.03, math.nan, 0.2]
    check(np.allclose(ra.bh_adjust(p), [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, math.nan, 0.2],
                      equal_nan=True),
          "Benjamini-Hochberg of [0.01, 0.04, 0.03, NaN, 0.2]: [0.04, 0.0533, 0.0533, NaN, 0.2]")
    check(np.allclose(ra.holm_adjust(p), [0.04, 0.09, 0.09, math.nan, 0.2], equal_nan=True),
          "Holm of the same: [0.04, 0.09, 0.09, NaN, 0.2]")
    # Per-seed trend: seed s rises with rank except seed 3, which falls.
    ranks, seeds = [1, 10, 100], [0, 1, 2, 3]
    cube = np.array([[r + s for s in seeds] for r in range(3)], float)
    cube[:, 3] = [3, 2, 1]
    ds = synthetic_cube(cube, ("rank", "seed"), {"rank": ranks, "seed": seeds})
    t = ra.seed_trends(ds, ["m"]).iloc[0]
    check(t["n_seeds"] == 4 and close(t["mean"], 0.5, abs_=1e-12)
          and close(t["p"], ra.wilcoxon_p([1, 1, 1, -1]), abs_=1e-12),
          f"seed_trends: rhos +1,+1,+1,-1 -> mean 0.5, p of the four rhos ({t['p']:.3f})")
    cube2 = np.stack([np.array([1.0, 2.0, 4.0, 0.0]), np.array([2.0, 2.5, 4.0, 3.0])])
    ds = synthetic_cube(cube2, ("structure", "seed"),
                        {"structure": ["gaussian", "dale"], "seed": [0, 1, 2, 3]})
    ds["m"] = ds["m"].where(~((ds.structure == "gaussian") & (ds.seed == 3)))
    e = ra.paired_effects(ds, ["m"]).iloc[0]
    check(e["n_seeds"] == 3 and close(e["mean"], 0.5, abs_=1e-12) and e["positive"] == 2,
          "paired_effects: differences 1, 0.5, 0 within seeds 0-2 (seed 3 unpaired): n 3, mean 0.5")
    lo, hi = ra.bootstrap_mean_interval([0.0, 0.5, 1.0])
    check(0 <= lo <= 0.5 <= hi <= 1, f"bootstrap interval of [0, 0.5, 1] within [0, 1] ({lo:.2f}, {hi:.2f})")


def effects_exact():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 3.0])
    ds = synthetic_cube(np.stack([b, a]), ("structure", "seed"),
                        {"structure": ["gaussian", "dale"], "seed": [0, 1, 2]})
    row = ra.effect_sizes(ds, ["m"], method="welch").iloc[0]
    # mean diff 2 - 1 = 1; pooled sd sqrt((2*1 + 2*3)/4) = sqrt(2); Welch: se^2 = 1/3 + 3/3,
    # df = (4/3)^2 / ((1/3)^2/2 + 1/2) = 3.2.
    half = scipy.stats.t.ppf(0.975, 3.2) * math.sqrt(4 / 3)
    check(close(row["diff"], 1.0, abs_=1e-12) and close(row["cohen_d"], 1 / math.sqrt(2), rel=1e-12),
          f"a = [1,2,3] vs b = [0,0,3]: diff 1, Cohen's d 1/sqrt(2) "
          f"(got {row['diff']}, {row['cohen_d']:.6f})")
    check(close(row["ci_low"], 1 - half, rel=1e-9) and close(row["ci_high"], 1 + half, rel=1e-9),
          f"... Welch 95% interval 1 +/- t(0.975, df 3.2) sqrt(4/3) = "
          f"[{1 - half:.4f}, {1 + half:.4f}], rel 1e-9")


def effects_sampled():
    n, shift = 400, 0.5
    rng = np.random.default_rng(11)
    cube = np.stack([rng.normal(0, 1, n), rng.normal(shift, 1, n)])
    ds = synthetic_cube(cube, ("structure", "seed"),
                        {"structure": ["gaussian", "chain"], "seed": np.arange(n)})
    boot = ra.effect_sizes(ds, ["m"]).iloc[0]
    welch = ra.effect_sizes(ds, ["m"], method="welch").iloc[0]
    se = math.sqrt(2 / n)
    check(abs(boot["diff"] - shift) < 5 * se,
          f"N(0.5,1) vs N(0,1), n = {n} each: diff {boot['diff']:.3f} within 5 SE ({5 * se:.3f}) of 0.5")
    check(boot["ci_low"] < shift < boot["ci_high"] and welch["ci_low"] < shift < welch["ci_high"],
          f"... both 95% intervals cover 0.5 (bootstrap [{boot['ci_low']:.3f}, {boot['ci_high']:.3f}])")
    widths = [(r["ci_high"] - r["ci_low"]) for r in (boot, welch)]
    check(close(widths[0], widths[1], rel=0.15),
          f"... bootstrap and Welch widths agree within 15% at n = {n} "
          f"({widths[0]:.3f} vs {widths[1]:.3f})")
    se_d = math.sqrt(2 / n + shift ** 2 / (4 * n))
    check(abs(boot["cohen_d"] - shift) < 5 * se_d,
          f"... Cohen's d {boot['cohen_d']:.3f} within 5 SE ({5 * se_d:.3f}) of 0.5")
    again = ra.effect_sizes(ds, ["m"]).iloc[0]
    check(again["ci_low"] == boot["ci_low"], "... the bootstrap interval is reproducible (fixed seed)")


# ---- open_sweep: a real file with every outcome ----

def make_mixed():
    """Runs tests/analysis/mixed.yaml and stops it once only `slow` is left; returns the path."""
    shutil.copy(os.path.join(HERE, "mixed.yaml"), path("mixed.yaml"))
    w = np.random.default_rng(0).normal(size=(16, 16)).astype(np.float32) / 4
    np.save(path("whole.npy"), w)
    data = open(path("whole.npy"), "rb").read()
    with open(path("trunc.npy"), "wb") as f:
        f.write(data[: len(data) // 2])
    out = path("mixed.nc")
    cmd = [os.path.join(REPO, "scripts", "mpirun.sh"), "-n", "2", EXE, "run", "mixed.yaml", "-o",
           out, "--grace", "0", "--progress-every", "1000"]
    job = subprocess.Popen(cmd, env=ENV, cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, start_new_session=True)
    try:
        finished = wait_finished(out, 4, deadline=time.monotonic() + 90)
        check(finished, "mixed.yaml: four items finished while `slow` still trains")
        job.send_signal(signal.SIGTERM)
        job.wait(timeout=60)
    finally:
        if job.poll() is None:  # our own process group only
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
    return out


def wait_finished(out, count, deadline):
    while time.monotonic() < deadline:
        st = subprocess.run([EXE, "status", out], env=ENV, capture_output=True, text=True)
        m = re.search(r"(\d+) done, (\d+) diverged, (\d+) failed", st.stdout)
        if m and sum(int(g) for g in m.groups()) >= count:
            return True
        time.sleep(0.2)
    return False


def mode_open_sweep():
    need(shutil.which("mpirun"), "mpirun not found")
    out = make_mixed()
    ds = ra.open_sweep(out)
    names = dict(zip(ra.values(ds, "case"), ds["status_name"].values))
    want = {"sane0": "done", "sane1": "done", "wild": "diverged", "broken": "failed", "slow": "pending"}
    check(names == want, f"status_name decoded from the CF flags: {names}")
    masks = {s: [c for c, v in zip(ra.values(ds, "case"), ds[s].values) if v] for s in ra.STATUS_NAMES}
    check(masks == {"pending": ["slow"], "done": ["sane0", "sane1"], "diverged": ["wild"],
                    "failed": ["broken"]},
          f"boolean masks done/diverged/failed/pending: {masks}")
    done = ds.sel(case=["sane0", "sane1"])
    shown = ("weight_change", "rep_alignment", "kernel_alignment")
    check(all(np.isfinite(done[m]).all() for m in shown),
          "done items keep finite weight_change, rep_alignment, kernel_alignment")
    wild = ds.sel(case="wild")
    trained = [m for m in ra.measures(ds) if m not in ra.sweep.KEPT_WHEN_DIVERGED]
    check(all(np.isnan(wild[m]) for m in trained),
          f"diverged: every trained measure NaN ({len(trained)} of them)")
    check(np.isfinite(wild["eff_rank_eig"]) and float(wild["diverged_step"]) >= 0,
          f"diverged: eff_rank_eig of W_h(0) kept ({float(wild['eff_rank_eig']):.3f}), "
          f"diverged_step kept ({float(wild['diverged_step']):.0f})")
    for case in ("broken", "slow"):
        check(all(np.isnan(ds[m].sel(case=case)) for m in ra.measures(ds)),
              f"{want[case]}: all {len(ra.measures(ds))} measures NaN")
    with xr.open_dataset(out, mask_and_scale=False) as raw:
        fill = float(raw["weight_change"].sel(case="slow"))
    check(fill > 1e36, f"... the pending item holds the netCDF fill value on disk ({fill:.3g})")
    reasons = dict(zip(ra.values(ds, "case"), ds["failure_reason"].values))
    check("truncated" in reasons["broken"] and all(reasons[c] == "" for c in want if c != "broken"),
          f"failure_reason kept for the failed item only: '{reasons['broken'][:70]}...'")
    fails = ra.failures(ds)
    check(list(fails["case"]) == ["broken"] and "truncated" in fails["failure_reason"][0],
          "failures() lists the failed item with its reason")
    counts = ra.status_counts(ds, "case").loc["wild"].to_dict()
    check(counts == {"pending": 0, "done": 0, "diverged": 1, "failed": 0},
          f"status_counts per axis value: wild {counts}")
    errors_of_open_sweep()
    report_mixed(out)
    if importable("nbconvert"):
        execute_notebook("sweep_health", out, path("figs_mixed"))
        check_pngs("sweep_health", path("figs_mixed"))


def errors_of_open_sweep():
    try:
        ra.open_sweep(path("nothing.nc"))
        check(False, "open_sweep on a missing file raises")
    except FileNotFoundError as e:
        check("richlazy run" in str(e), f"open_sweep on a missing file: FileNotFoundError ('{e}')")
    xr.Dataset({"x": ("a", [1.0])}).to_netcdf(path("other.nc"))
    try:
        ra.open_sweep(path("other.nc"))
        check(False, "open_sweep on a non-results file raises")
    except ValueError as e:
        check("status" in str(e), f"open_sweep on another netCDF file: ValueError ('{e}')")


def report_mixed(out):
    r = subprocess.run([EXE, "report", out, "--measure", "final_loss"], env=ENV,
                       capture_output=True, text=True)
    check(r.returncode == 0 and "5 items: 2 done, 1 diverged, 1 failed, 1 pending" in r.stdout
          and "truncated" in r.stdout,
          "`richlazy report` on it: the status totals and the failure reason")
    rows = dict(re.findall(r"^\s+(sane0|sane1|wild|broken|slow)\s+(\d+)\s", r.stdout, re.M))
    check(rows == {"sane0": "1", "sane1": "1", "wild": "0", "broken": "0", "slow": "0"},
          f"... statistics over done items only (n per case {rows})")


def importable(module):
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
    return done.returncode == 0


# ---- report: the numbers against xarray and scipy ----

def parse_report(text, names):
    """{measure: (settings rows, trend rows)} from report's text, each row the line's fields."""
    out, measure, section = {}, None, 0
    for line in text.splitlines():
        if not line.startswith(" ") and line.split(":")[0] in names:
            measure, section = line.split(":")[0], 0
            out[measure] = ([], [])
        elif measure and "Spearman" in line:
            section = None  # its explanation, until the trend table's header
        elif measure and section is None and line.split()[-1] == "p":
            section = 1
        elif measure and section is not None and line.startswith("  ") and \
                line.split()[-1] not in ("sd", "p"):
            out[measure][section].append(line.split())
    return out


def mode_report():
    need(shutil.which("mpirun"), "mpirun not found")
    out = run_sweep(os.path.join(REPO, "sweeps", "smoke.yaml"), path("smoke.nc"))
    r = subprocess.run([EXE, "report", out], env=ENV, capture_output=True, text=True)
    check(r.returncode == 0 and "18 items: 18 done" in r.stdout,
          f"report on smoke.nc: exit {r.returncode}, 18 done")
    ds = ra.open_sweep(out)
    got = parse_report(r.stdout, ra.measures(ds))
    expected = [m for m in ra.measures(ds) if np.isfinite(ds[m]).any()]
    check(sorted(got) == sorted(expected),
          f"a section for each of the {len(expected)} measures with values")
    worst = {"mean": 0.0, "sd": 0.0, "rho": 0.0, "p": 0.0}
    for m in expected:
        compare_settings(ds, m, got[m][0], worst)
        compare_trends(ds, m, got[m][1], worst)
    check(worst["mean"] <= 1e-5 and worst["sd"] <= 1e-5,
          f"every mean and sd (6 digits printed) equals xarray's within rel 1e-5, sd at least "
          f"1e-7 of the mean (worst {worst['mean']:.1e}, {worst['sd']:.1e})")
    check(worst["rho"] <= 6e-5 and worst["p"] <= 1e-3,
          f"every rho (abs 6e-5) and p (rel 1e-3), pooled and per seed, equals scipy.stats.spearmanr's "
          f"and seed_trends' (exact Wilcoxon) "
          f"(worst {worst['rho']:.1e}, {worst['p']:.1e})")
    report_errors(out)


def compare_settings(ds, measure, rows, worst):
    check_rows = len(rows) == ds.sizes["task"] * ds.sizes["rank"]
    for task, rank, n, mean, sd in rows:
        v = ds[measure].sel(task=task, rank=int(rank)).values
        v = v[np.isfinite(v)]
        if int(n) != len(v):
            check_rows = False
        if len(v):
            worst["mean"] = max(worst["mean"], abs(float(mean) - v.mean()) / max(abs(v.mean()), 1e-300))
        if len(v) > 1 and sd != "-":  # an sd at rounding level (1e-16 of the mean) is noise in both
            scale = max(v.std(ddof=1), 1e-7 * abs(v.mean()), 1e-300)
            worst["sd"] = max(worst["sd"], abs(float(sd) - v.std(ddof=1)) / scale)
    if not check_rows:
        check(False, f"{measure}: one row per (task, rank) with n = the finite items")


def compare_trends(ds, measure, rows, worst):
    t = ra.spearman_trends(ds, [measure]).set_index("task")
    per_seed = ra.seed_trends(ds, [measure]).set_index("task")
    for task, n, rho, p, seeds, seed_rho, seed_p in rows:
        want, ws = t.loc[task], per_seed.loc[task]
        if int(n) != want["n"] or (rho == "-") != math.isnan(want["rho"]) or \
                int(seeds) != ws["n_seeds"]:
            check(False, f"{measure} {task}: n {n} vs {want['n']}, rho {rho} vs {want['rho']}, "
                         f"seeds {seeds} vs {ws['n_seeds']}")
            continue
        if rho != "-":
            worst["rho"] = max(worst["rho"], abs(float(rho) - want["rho"]))
            worst["p"] = max(worst["p"], abs(float(p) - want["p"]) / max(want["p"], 1e-12))
        if seed_rho != "-":  # the per-seed columns against seed_trends (exact Wilcoxon)
            worst["rho"] = max(worst["rho"], abs(float(seed_rho) - ws["mean"]))
            worst["p"] = max(worst["p"], abs(float(seed_p) - ws["p"]) / max(ws["p"], 1e-12))


def report_errors(out):
    cases = [(["--help"], 0, "--help"), ([path("missing.nc")], 2, "a missing file"),
             ([path("junk.nc")], 2, "a file that is not netCDF"),
             ([path("other.nc")], 2, "another netCDF file"),
             ([out, "--measure", "nope"], 2, "an unknown --measure"),
             ([out, "--trend", "task"], 2, "a non-numeric --trend"),
             ([out, "--trend", "seed"], 2, "--trend seed"), ([], 2, "no file")]
    with open(path("junk.nc"), "w") as f:
        f.write("not netCDF\n")
    xr.Dataset({"x": ("a", [1.0])}).to_netcdf(path("other.nc"))
    for args, code, what in cases:
        r = subprocess.run([EXE, "report", *args], env=ENV, capture_output=True, text=True)
        msg = (r.stderr.strip().splitlines() or [""])[0]
        check(r.returncode == code and (code == 0 or msg.startswith("richlazy report:")),
              f"report with {what}: exit {r.returncode} (want {code}) {msg[:90]}")


# ---- notebooks ----

def mode_notebooks():
    need(shutil.which("mpirun"), "mpirun not found")
    need(importable("nbconvert") and importable("ipykernel"),
         "nbconvert/ipykernel missing (scripts/setup.sh --tests installs them)")
    results = {
        "fig1": run_sweep(os.path.join(REPO, "sweeps", "smoke.yaml"), path("smoke.nc")),
        "fig2": run_sweep(os.path.join(HERE, "fig2_smoke.yaml"), path("fig2.nc")),
        "fig3": run_sweep(os.path.join(HERE, "fig3_smoke.yaml"), path("fig3.nc")),
        "theorem1": run_sweep(os.path.join(HERE, "theorem1_smoke.yaml"), path("theorem1.nc")),
    }
    results["sweep_health"] = results["fig1"]
    notebooks = glob.glob(os.path.join(REPO, "analysis", "*.ipynb"))
    found = sorted(os.path.basename(p)[: -len(".ipynb")] for p in notebooks)
    check(found == sorted(NOTEBOOK_PNGS), f"the notebooks are {found}")
    for name in found:
        figures = path("figs_" + name)
        if execute_notebook(name, results[name], figures):
            check_pngs(name, figures)
    dumps = glob.glob(path("fig2_dumps/*.nc"))
    check(len(dumps) == 4,
          f"fig2.ipynb re-created one network per structure with richlazy train --dump ({len(dumps)})")


# ---- a fresh clone ----

def fresh_clone():
    """The repository's tracked files as they are now, committed into a new repository."""
    clone = path("clone")
    listed = subprocess.run(["git", "-C", REPO, "ls-files", "-z"], capture_output=True)
    need(listed.returncode == 0, "the source tree is not a git checkout")
    for name in filter(None, listed.stdout.decode().split("\0")):
        src = os.path.join(REPO, name)
        if os.path.isfile(src):  # deleted in the working tree: not in the clone either
            os.makedirs(os.path.dirname(os.path.join(clone, name)), exist_ok=True)
            shutil.copy2(src, os.path.join(clone, name))
    git = ["git", "-C", clone, "-c", "user.name=test", "-c", "user.email=test@localhost"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "clone"]):
        subprocess.run(git + args, check=True, capture_output=True)
    return clone


def run_in_clone(clone, name, env):
    cmd = [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
           "--ExecutePreprocessor.timeout=240", "--output-dir", path("clone_executed"),
           os.path.join(clone, "analysis", name + ".ipynb")]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def mode_clone():
    need(shutil.which("git"), "git not found")
    need(importable("nbconvert") and importable("ipykernel"),
         "nbconvert/ipykernel missing (scripts/setup.sh --tests installs them)")
    clone = fresh_clone()
    env = {k: v for k, v in ENV.items()
           if k not in ("RICHLAZY_RESULTS", "RICHLAZY_FIGURES", "RICHLAZY_DUMPS")}
    figures = os.path.join(clone, "results", "figures")
    for name in sorted(NOTEBOOK_PNGS):
        start = time.monotonic()
        done = run_in_clone(clone, name, env)
        check(done.returncode == 0, f"{name}.ipynb runs from a clone with no settings, on the "
              f"committed results ({time.monotonic() - start:.1f} s)"
              f"{'' if done.returncode == 0 else ': ' + done.stderr[-600:]}")
        # fig1's kernel curves need a sweep that records them; the committed Fig. 1 file does not
        made = [p for p in NOTEBOOK_PNGS[name] if p != "fig1_kernel_curves"]
        check(all(os.path.exists(os.path.join(figures, p + ".png")) for p in made),
              f"... its figures are in results/figures/ ({', '.join(made)})")
    status = subprocess.run(["git", "-C", clone, "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True).stdout
    check(status == "", f"... and `git status` of the clone is clean ({status.strip()[:200]!r})")
    os.remove(os.path.join(clone, "analysis", "results", "theorem1_quick.nc"))
    done = run_in_clone(clone, "theorem1", env)
    check(done.returncode != 0 and "scripts/example.sh sweeps/theorem1_quick.yaml" in done.stderr
          and "RICHLAZY_RESULTS" in done.stderr,
          "without a results file the notebook's error names the spec to run and RICHLAZY_RESULTS")
    pip_install(clone)


def pip_install(clone):
    """README "Analysis": a virtual environment on Debian's packages, `pip install -e analysis`."""
    venv = path("venv")
    made = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv],
                          capture_output=True, text=True)
    if not check(made.returncode == 0, f"python3 -m venv works ({made.stderr.strip()[-200:]})"):
        return
    pip = subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q",
                          "--no-build-isolation", "-e", os.path.join(clone, "analysis")],
                         capture_output=True, text=True, timeout=240)
    check(pip.returncode == 0, f"pip install -e analysis ({pip.stderr.strip()[-300:]})")
    probe = subprocess.run([os.path.join(venv, "bin", "python"), "-c",
                            "import richlazy_analysis as ra; print(ra.__file__)"],
                           capture_output=True, text=True, cwd="/")
    where = os.path.join(clone, "analysis", "richlazy_analysis", "__init__.py")
    check(probe.returncode == 0 and probe.stdout.strip() == where,
          f"... and the package imports from any directory, from the clone "
          f"({probe.stdout.strip() or probe.stderr.strip()[-200:]})")


def main():
    modes = {"stats": mode_stats, "open_sweep": mode_open_sweep, "report": mode_report,
             "notebooks": mode_notebooks, "clone": mode_clone}
    if MODE not in modes:
        print(f"unknown mode {MODE}; valid: {', '.join(modes)}")
        return 2
    try:
        modes[MODE]()
    finally:
        if not FAILED:
            shutil.rmtree(WORK, ignore_errors=True)
        else:
            print(f"files kept in {WORK}")
    print(f"{MODE}: {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
