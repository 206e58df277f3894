#!/usr/bin/python3
"""rebuild_test.py RICHLAZY: a results file continues without its journal (suite mpi).

OUT.nc copied without OUT.nc.journal (cluster scratch to home, a commit) holds every
finished item; `richlazy run` rebuilds the journal from it and continues the sweep:
  copy       a sweep stopped mid-way (SIGUSR1, P = 2); OUT.nc alone copied elsewhere; the
             run there says it rebuilt the journal from the N finished items the file holds,
             reruns none of them (their wall times are the old ones), keeps their attempts,
             and ends bitwise equal to an uninterrupted run
  extend     the same copy under a spec that adds a seed: rebuilt and extended, equal to a
             fresh run of the extended spec
  older      a copy rewritten without the variables an older richlazy lacked
             (iterations_trained, criterion_reached, the kernel curves): it continues, those
             read as NaN for the kept items, every other variable bitwise as the reference
  replaced   the journal replaced under a running sweep (as `git stash` or `git checkout` of
             a committed journal does: the same bytes, a new file): the run writes its own
             journal back at its next commit and says so; a rerun finds every item finished
             in the journal, and the cube equals an uninterrupted run
  refused    a copy under a changed spec: exit 2 with a diff, nothing written; a file that
             is not netCDF: exit 2, nothing written
Exit 0 = all passed, 1 = a check failed, 77 = skipped (no mpirun, xarray or netCDF4).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXE = os.path.abspath(sys.argv[1])
try:
    import netCDF4
    import numpy as np
    import xarray
except ImportError as e:
    print(f"SKIP: /usr/bin/python3 lacks {e.name}")
    sys.exit(77)
if shutil.which("mpirun") is None:
    print("SKIP: mpirun not found")
    sys.exit(77)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from checks import FAILED, check  # noqa: E402
from cubecmp import differences  # noqa: E402

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", HDF5_USE_FILE_LOCKING="FALSE",
           RICHLAZY_FAKE_RUNNER="1")
if os.geteuid() == 0:
    ENV.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
WORK = tempfile.mkdtemp(prefix="rl_rebuild_")
OLDER = ["iterations_trained", "criterion_reached", "kernel_alignment_curve",
         "kernel_task_alignment_curve", "kernel_eff_rank_curve"]


def path(*names):
    return os.path.join(WORK, *names)


def write_spec(name, seeds, lr="0.003"):
    text = (f"name: rebuild\nseed: 7\naxes:\n  task: [2af, dms]\n  gain: [1, 2, 150, 600]\n"
            f"  seed: {list(seeds)}\nparams:\n  model.hidden: 8\n"
            f"  train: {{iterations: 40000, curve_every: 5000, lr: {lr}}}\n"
            f"  probe.kernel_every: 10000\n")
    with open(path(name + ".yaml"), "w") as f:
        f.write(text)
    return path(name + ".yaml")


def run(spec, out, P=2):
    argv = [EXE, "run", spec, "-o", out, "--progress-every", "1000"]
    if P > 1:
        argv = ["mpirun", "--oversubscribe", "-n", str(P), *argv]
    return subprocess.run(argv, env=ENV, capture_output=True, text=True, timeout=300)


def stopped_copy(spec):
    """A sweep stopped by SIGUSR1 once some items are done; its OUT.nc alone, copied."""
    out = path("scratch.nc")
    p = subprocess.Popen(["mpirun", "--oversubscribe", "-n", "2", EXE, "run", spec, "-o", out,
                          "--progress-every", "1000"], env=ENV, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:  # `status` reads the journal: wait for 6 items done
        r = subprocess.run([EXE, "status", out], capture_output=True, text=True, env=ENV)
        m = re.search(r"items: (\d+) done", r.stdout)
        if r.returncode == 0 and m and int(m[1]) >= 6:
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGUSR1)
    err = p.communicate(timeout=120)[1]
    check(p.returncode == 3, f"the sweep stopped mid-way (exit {p.returncode})" +
          ("" if p.returncode == 3 else err[-300:]))
    with xarray.open_dataset(out) as ds:
        finished = int((ds.status > 0).sum())
        wall = ds.wall_seconds.values.copy()
        attempts = ds.attempts.values.copy()
    check(0 < finished < ds.status.size, f"the stopped cube holds {finished} finished items")
    return out, finished, wall, attempts


def copy_alone(src, name):
    d = path(name)
    os.mkdir(d)
    shutil.copy2(src, os.path.join(d, "x.nc"))
    return os.path.join(d, "x.nc")


def case_copy(spec, ref, src, finished, wall, attempts):
    out = copy_alone(src, "home")
    r = run(spec, out)
    said = f"had no journal: rebuilt the journal from its {finished} finished items"
    check(r.returncode == 0 and said in r.stderr,
          f"copy: exit {r.returncode}, '{said}' {r.stderr[-300:] if r.returncode else ''}")
    with xarray.open_dataset(out) as ds:
        kept = ~np.isnan(wall)
        check(np.array_equal(ds.wall_seconds.values[kept], wall[kept]) and
              np.array_equal(ds.attempts.values[kept], attempts[kept]),
              "copy: the kept items were not rerun (old wall times) and keep their attempts")
    names, diff = differences(ref, out)
    check(not diff and len(names) > 10,
          f"copy: the continued cube == an uninterrupted run, bitwise in {len(names)} "
          f"variables (differ: {diff})")


def case_extend(src, finished):
    more = write_spec("more", range(4))
    out = copy_alone(src, "home_more")
    r = run(more, out)
    check(r.returncode == 0 and "rebuilt the journal" in r.stderr and
          f"cube extended, {finished} finished items kept" in r.stderr,
          f"extend: rebuilt and extended by a seed (exit {r.returncode})")
    fresh = path("fresh_more.nc")
    check(run(more, fresh).returncode == 0, "extend: a fresh run of the extended spec")
    names, diff = differences(fresh, out)
    check(not diff, f"extend: == the fresh run in {len(names)} variables (differ: {diff})")


def without(src, dst, drop):
    """dst = src without the variables in drop (as an older richlazy wrote it)."""
    with netCDF4.Dataset(src) as a, netCDF4.Dataset(dst, "w") as b:
        b.setncatts({k: a.getncattr(k) for k in a.ncattrs()})
        for name, dim in a.dimensions.items():
            b.createDimension(name, len(dim))
        for name, var in a.variables.items():
            if name in drop:
                continue
            fill = var.getncattr("_FillValue") if "_FillValue" in var.ncattrs() else None
            v = b.createVariable(name, var.datatype, var.dimensions, fill_value=fill)
            v.setncatts({k: var.getncattr(k) for k in var.ncattrs() if k != "_FillValue"})
            var.set_auto_maskandscale(False)
            v.set_auto_maskandscale(False)
            v[...] = var[...]


def case_older(spec, ref, src, wall):
    d = path("older")
    os.mkdir(d)
    out = os.path.join(d, "x.nc")
    without(src, out, OLDER)
    r = run(spec, out)
    check(r.returncode == 0 and "rebuilt the journal" in r.stderr,
          f"older: a file without {', '.join(OLDER[:2])} and the kernel curves continues "
          f"(exit {r.returncode}) {r.stderr[-300:] if r.returncode else ''}")
    kept = ~np.isnan(wall)
    with xarray.open_dataset(out) as ds, xarray.open_dataset(ref) as rf:
        nan_kept = all(np.isnan(ds[v].values[kept]).all() for v in OLDER[:2])
        run_now = all(np.array_equal(ds[v].values[~kept], rf[v].values[~kept], equal_nan=True)
                      for v in OLDER[:2])
        curves = all(np.isnan(ds[v].values[kept]).all() and
                     np.array_equal(ds[v].values[~kept], rf[v].values[~kept], equal_nan=True)
                     for v in OLDER[2:])
    check(nan_kept and run_now, "older: the missing measures read as NaN for the kept items "
                                "and are measured for the items run now")
    check(curves, "older: the missing kernel curves are NaN for the kept items, recorded for "
                  "the others")
    names, diff = differences(ref, out)
    check(set(diff) <= set(OLDER) and len(names) - len(diff) > 10,
          f"older: every other variable bitwise equal to an uninterrupted run (differ: {diff})")


def case_refused(src):
    changed = write_spec("changed", range(3), lr="0.01")
    out = copy_alone(src, "home_changed")
    before = open(out, "rb").read()
    r = run(changed, out, P=1)
    check(r.returncode == 2 and "different spec" in r.stderr and "train.lr" in r.stderr,
          f"refused: a changed spec exits 2 with a diff (exit {r.returncode})")
    check(open(out, "rb").read() == before and os.listdir(os.path.dirname(out)) == ["x.nc"],
          "refused: the file is untouched and no journal was written")
    junk = path("junk.nc")
    with open(junk, "w") as f:
        f.write("not a results file\n")
    r = run(changed, junk, P=1)
    check(r.returncode == 2 and "cannot be read as netCDF" in r.stderr and
          not os.path.exists(junk + ".journal"),
          f"refused: a file that is not netCDF exits 2, nothing written (exit {r.returncode})")


def case_replaced(spec, ref):
    out = path("live.nc")
    journal = out + ".journal"
    p = subprocess.Popen(["mpirun", "--oversubscribe", "-n", "2", EXE, "run", spec, "-o", out,
                          "--progress-every", "1000"], env=ENV, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline, done = time.time() + 120, 0
    while time.time() < deadline and done < 2:
        r = subprocess.run([EXE, "status", out], capture_output=True, text=True, env=ENV)
        m = re.search(r"items: (\d+) done", r.stdout)
        done = int(m[1]) if r.returncode == 0 and m else 0
        time.sleep(0.05)
    shutil.copy2(journal, journal + ".stash")  # what `git stash; git stash pop` leaves
    os.replace(journal + ".stash", journal)
    err = p.communicate(timeout=240)[1]
    check(p.returncode == 0 and "written back" in err,
          f"replaced: the run finished (exit {p.returncode}) and said it wrote its journal back "
          f"over the replaced one: {err[-400:]}")
    r = run(spec, out, P=1)
    check(r.returncode == 0 and "24 items already finished" in r.stderr,
          f"replaced: a rerun finds all 24 items finished in the journal: {r.stderr[-300:]}")
    names, diff = differences(ref, out)
    check(not diff and len(names) > 10,
          f"replaced: the cube == an uninterrupted run, bitwise in {len(names)} variables "
          f"(differ: {diff})")


def main():
    spec = write_spec("sweep", range(3))
    try:
        ref = path("ref.nc")
        check(run(spec, ref).returncode == 0, "the uninterrupted reference run (P = 2)")
        src, finished, wall, attempts = stopped_copy(spec)
        case_copy(spec, ref, src, finished, wall, attempts)
        case_extend(src, finished)
        case_older(spec, ref, src, wall)
        case_replaced(spec, ref)
        case_refused(src)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"rebuild: {len(FAILED)} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
