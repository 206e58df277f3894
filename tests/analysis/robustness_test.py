#!/usr/bin/python3
"""robustness_test.py REPO [RICHLAZY]: how a sweep's two arithmetics are run and paired.

REPRODUCTION.md's "Robustness to arithmetic" compares a sweep run with richlazy's GEMM kernel and
with OpenBLAS (scripts/robustness.sh). The OpenBLAS run may be a twin spec: a subset of the
items, its axes in another order (seed first, so that a run stopped part-way holds whole seeds),
paired with the main results file. On synthetic open_sweep-like cubes with known answers: which
files pair (robustness_pairs), both runs cut to the twin's items and whole seeds (common_items),
the item spread matched by coordinates, not by position, the rows of identical runs identical,
and a pair by different builds flagged. With RICHLAZY (suite analysis): scripts/robustness.sh end
to end on sweeps/smoke.yaml from another directory (its usage errors, both arithmetics recorded in
the files, reproduction.py's section on them). Exit 0 = all checks passed, 1 = a check failed.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from checks import FAILED, check  # noqa: E402
REPO = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(REPO, "analysis"))
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

import reproduction  # noqa: E402

MEASURES = ("weight_change", "rep_alignment", "kernel_alignment", "final_loss")


def own_run(seeds=6):
    """A Fig. 3C-like main run: init x rank x seed, every item done and learned."""
    rng = np.random.default_rng(7)
    dims = ("init", "rank", "seed")
    coords = {"init": ["random", "aligned"], "rank": [5, 30, 300], "seed": list(range(seeds))}
    shape = (2, 3, seeds)
    ds = xr.Dataset({m: (dims, rng.uniform(0.1, 1.0, shape)) for m in MEASURES}, coords=coords)
    ds["kernel_alignment"] = ds["kernel_alignment"] + 0.5 * (ds["init"] == "aligned")
    ds["final_accuracy"] = (dims, np.full(shape, 0.9))
    ds["status"] = (dims, np.ones(shape, np.int8))
    for name, code in (("done", 1), ("diverged", 2), ("failed", 3)):
        ds[name] = ds["status"] == code
    ds["init"].attrs["parameters"] = "init.kind"
    ds["rank"].attrs["parameters"] = "init.rank"
    ds.attrs.update(richlazy_git_commit="abc", numerics="gemm avx512")
    return ds


def twin_of(own, pending_seed=None):
    """The OpenBLAS twin: ranks 30 and 300 only, seed-major; one item of pending_seed pending."""
    twin = own.sel(rank=[30, 300]).transpose("seed", "init", "rank").copy(deep=True)
    twin.attrs.update(numerics="gemm openblas")
    if pending_seed is not None:
        status = twin["status"].values
        status[pending_seed, 1, 1] = 0
        twin["status"] = (twin["status"].dims, status)
        for name, code in (("done", 1), ("diverged", 2), ("failed", 3)):
            twin[name] = twin["status"] == code
        for m in MEASURES:
            twin[m] = twin[m].where(twin["done"])
    return twin


def pairs():
    """NAME_blas.nc pairs with robustness/NAME_own.nc, else NAME.nc; alone, with nothing."""
    with tempfile.TemporaryDirectory() as d:
        os.mkdir(os.path.join(d, "robustness"))
        for f in ("robustness/a_blas.nc", "robustness/a_own.nc", "a.nc", "b.nc",
                  "robustness/b_blas.nc", "robustness/c_blas.nc", "robustness/d_own.nc"):
            open(os.path.join(d, f), "w").close()
        got = [(n, os.path.relpath(o, d), os.path.relpath(b, d))
               for n, o, b in reproduction.robustness_pairs(d)]
    want = [("a", "robustness/a_own.nc", "robustness/a_blas.nc"),
            ("b", "b.nc", "robustness/b_blas.nc")]
    check(got == want, f"pairs: own twin first, else the main file, none without either: {got}")


def cut_to_twin():
    """Both runs keep the twin's items and its whole seeds only; the lines say so."""
    own = own_run()
    a, b, lines = reproduction.common_items(own, twin_of(own, pending_seed=5))
    check(a["rank"].values.tolist() == [30, 300] and b["rank"].values.tolist() == [30, 300],
          f"cut to the twin's ranks: {a['rank'].values.tolist()}")
    check(a["seed"].values.tolist() == list(range(5)) == b["seed"].values.tolist(),
          f"seed 5 has a pending item: compared over seeds 0-4 ({a['seed'].values.tolist()})")
    text = "\n".join(lines)
    check("23 of 24 items finished" in text and "5 whole seeds" in text,
          f"the lines say the twin is in progress and over which seeds: {text!r}")
    check("different builds" not in text, "same build: not flagged")
    none = twin_of(own, pending_seed=5)
    status = none["status"].values
    status[:, 0, 0] = 0
    none["status"] = (none["status"].dims, status)
    for name, code in (("done", 1), ("diverged", 2), ("failed", 3)):
        none[name] = none["status"] == code
    a, b, lines = reproduction.common_items(own, none)
    check(a["seed"].size == 0 == b["seed"].size and "the 0 whole seeds" in "\n".join(lines),
          f"no whole seed yet: nothing compared ({lines})")
    whole = reproduction.common_items(own, twin_of(own))[2]
    check(not any("in progress" in x for x in whole), f"a finished twin is not 'in progress': {whole}")


def spread_by_coordinates():
    """The spread matches items by coordinates: a transposed identical twin spreads 0%, a twin
    with KA 10% larger spreads 10%, whatever the order of the axes."""
    own = own_run()
    a, b, _ = reproduction.common_items(own, twin_of(own))
    same = reproduction.item_spread(a, b, list(MEASURES))
    check(same.count("0.0% (max 0%)") == len(MEASURES), f"identical runs: 0% each ({same})")
    b = b.copy()
    b["kernel_alignment"] = b["kernel_alignment"] * 1.1
    ka = reproduction.item_spread(a, b, ["kernel_alignment"])
    check(ka == "kernel_alignment 10.0% (max 10%)", f"KA x 1.1: 10% ({ka})")
    b["weight_change"] = b["weight_change"].where(b["seed"] != 0)  # a pair without a value
    wc = reproduction.item_spread(a, b, ["weight_change"])
    check(wc == "weight_change 0.0% (max 0%)", f"pairs without a value are skipped: {wc}")


def same_rows():
    """Identical runs in two axis orders give identical rows, verdicts included."""
    own = own_run(seeds=8)
    rows = []
    for ds in reproduction.common_items(own, twin_of(own))[:2]:
        ds, _ = reproduction.keep_learned(ds)
        rows.append(reproduction.rows_for("fig3c_spectral", ds))
    key = [[(r["setting"], r["measure"], round(r["mean"], 12), r["p"]) for r in rs] for rs in rows]
    check(key[0] == key[1] and len(key[0]) == 6, f"same rows from both orders ({len(key[0])} rows)")
    ka = [r for r in rows[0] if r["measure"] == "kernel_alignment"]
    check(all(reproduction.sign_verdict(r) == "reproduced" for r in ka),
          f"the planted KA +0.5 is found: {[reproduction.sign_verdict(r) for r in ka]}")


def other_build_flagged():
    own = own_run()
    twin = twin_of(own)
    twin.attrs["richlazy_git_commit"] = "def"
    lines = reproduction.common_items(own, twin)[2]
    check(any("different builds" in x for x in lines), f"different builds flagged: {lines}")


def script(exe):
    """scripts/robustness.sh: usage errors exit 2 and write nothing; own and blas runs of the smoke
    sweep, started from another directory with a relative spec path, land in
    RICHLAZY_RESULTS_DIR/robustness/ with their arithmetic recorded; reproduction.py pairs them."""
    from richlazy_analysis import open_sweep
    tool = os.path.join(REPO, "scripts", "robustness.sh")
    # OPENBLAS_CORETYPE as the machine has it (empty: the script leaves OpenBLAS to detect).
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", RICHLAZY_RANKS="2",
               OPENBLAS_CORETYPE=os.environ.get("OPENBLAS_CORETYPE", ""))
    env.pop("RICHLAZY_GEMM", None)
    with tempfile.TemporaryDirectory() as d:
        env["RICHLAZY_RESULTS_DIR"] = os.path.join(d, "results")
        spec = os.path.relpath(os.path.join(REPO, "sweeps", "smoke.yaml"), d)
        for args, why in (([], "no arguments"), (["fast", spec], "an unknown arithmetic"),
                          (["blas", "nosuch.yaml"], "a missing spec")):
            done = subprocess.run([tool, *args, exe], env=env, cwd=d, capture_output=True,
                                  text=True, timeout=60)
            check(done.returncode == 2 and done.stderr.strip(),
                  f"{why}: exit 2 with a message (exit {done.returncode})")
        check(not os.path.exists(env["RICHLAZY_RESULTS_DIR"]), "usage errors write nothing")
        helped = subprocess.run([tool, "--help"], capture_output=True, text=True, timeout=60)
        check(helped.returncode == 0 and "Usage:" in helped.stdout, "--help: usage, exit 0")
        for arith in ("own", "blas"):
            done = subprocess.run([tool, arith, spec, exe], env=env, cwd=d, capture_output=True,
                                  text=True, timeout=300)
            check(done.returncode == 0, f"{arith} run of smoke.yaml (exit {done.returncode}"
                  f"{': ' + done.stderr.strip()[-300:] if done.returncode else ''})")
        sub = os.path.join(env["RICHLAZY_RESULTS_DIR"], "robustness")
        got = sorted(f for f in os.listdir(sub) if f.endswith(".nc"))
        check(got == ["smoke_blas.nc", "smoke_own.nc"], f"files named NAME_ARITH.nc: {got}")
        if got != ["smoke_blas.nc", "smoke_own.nc"]:
            return
        blas = open_sweep(os.path.join(sub, "smoke_blas.nc")).attrs.get("numerics", "")
        own = open_sweep(os.path.join(sub, "smoke_own.nc")).attrs.get("numerics", "")
        check(blas.startswith("gemm openblas"), f"the blas run used OpenBLAS: {blas!r}")
        check(own and "RICHLAZY_GEMM" not in own, f"the own run recorded its kernel: {own!r}")
        lines = reproduction.robustness(env["RICHLAZY_RESULTS_DIR"])
        text = "\n".join(lines)
        check("### smoke" in text and "item spread: weight_change" in text and
              "| kernel_alignment |" in text, f"reproduction.py pairs them: {text[-400:]!r}")


if __name__ == "__main__":
    pairs()
    cut_to_twin()
    spread_by_coordinates()
    same_rows()
    other_build_flagged()
    if len(sys.argv) > 2:
        script(os.path.abspath(sys.argv[2]))
    print(f"robustness_test: {'FAILED' if FAILED else 'all checks passed'}")
    sys.exit(1 if FAILED else 0)
