"""sweeps.py: what the checkpoint and SLURM tests share (not a test itself).

Both tests interrupt real training mid-item and compare the resumed result with an
uninterrupted run, so they need items of a known length on this machine: `calibrate`
times two short trainings of one item with `richlazy train` and picks the iteration count
that makes an item train for about the requested number of seconds. The comparison is bitwise
on every variable that must not depend on how a sweep was run (tests/common/cubecmp.py).
"""
import os
import re
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from checks import FAILED, check  # noqa: E402,F401  (re-exported to the SLURM tests)
from cubecmp import differences  # noqa: E402

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", HDF5_USE_FILE_LOCKING="FALSE")
if os.geteuid() == 0:  # Open MPI refuses root unless told (toolchain.md)
    ENV.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
ENV.pop("RICHLAZY_FAKE_RUNNER", None)  # real training only: the fake runner writes no checkpoints


def need_xarray():
    """numpy and xarray for reading cubes; a missing one is a failure of the setup, said so."""
    try:
        import numpy  # noqa: F401
        import xarray  # noqa: F401
    except ImportError as e:
        print(f"FAIL: /usr/bin/python3 lacks {e.name} (scripts/setup.sh --tests installs it)")
        sys.exit(1)


# Items are capped at 400,000 iterations below; 500 keeps them within richlazy's 1,024 curve
# records (at 100 a fast build's 124,800-iteration items were refused as a bad spec).
CURVE_EVERY = 500


def write_spec(path, iterations, seeds):
    """Two tasks x `seeds` seeds of a small RNN trained with Adam (its moments are state
    a checkpoint must carry); `iterations` sets each item's length."""
    text = f"""name: ckpt-test
seed: 11
axes:
  task: [2af, dms]
  seed: [{', '.join(str(s) for s in range(seeds))}]
params:
  model.hidden: 64
  init: {{kind: gaussian, gain: 1.25}}
  train: {{optimizer: adam, lr: 0.001, iterations: {iterations}, batch: 16,
          curve_every: {CURVE_EVERY}}}
  probe: {{trials: 64, kernel_trials: 16}}
"""
    with open(path, "w") as f:
        f.write(text)
    return path


def calibrate(exe, work, seconds):
    """Iterations that make one item of write_spec's sweep train for about `seconds` of CPU
    time here. CPU, not wall time: the machine may be shared, and a busy moment must not
    shrink the items. Two lengths, so the set-up and measures cancel out, far enough apart
    that the difference is ~0.5 s of CPU (1,000 iterations, ~0.04 s once the model got
    faster, let set-up noise overestimate the rate 2.5x: items 3x too long for the SLURM
    test's time budget), each the least of two runs."""
    lengths, cpu = (500, 5500), []
    for its in lengths:
        spec = write_spec(os.path.join(work, "calibrate.yaml"), its, 1)
        best = float("inf")
        for _ in range(2):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            r = subprocess.run([exe, "train", spec, "--item", "1"], env=ENV, capture_output=True,
                               text=True, timeout=300)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r.returncode != 0:
                print(r.stdout, r.stderr)
                raise RuntimeError("richlazy train failed while timing an item")
            best = min(best, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        cpu.append(best)
    rate = (lengths[1] - lengths[0]) / max(cpu[1] - cpu[0], 1e-3)
    its = int(min(max(seconds * rate, 1000), 400000)) // CURVE_EVERY * CURVE_EVERY
    print(f"   calibrated: {rate:.0f} iterations per CPU second -> {its} iterations per item "
          f"(~{seconds:g} s of training)", flush=True)
    return its


def item_seconds(path):
    """Median wall time of an item in a finished cube: how long items really take here and
    now (the machine may be shared), to time interruptions by."""
    import numpy
    import xarray
    with xarray.open_dataset(path) as ds:
        return float(numpy.median(ds.wall_seconds.values))


def cube_summary(path):
    """(statuses, attempts) of every item, flattened."""
    import xarray
    with xarray.open_dataset(path) as ds:
        return ds.status.values.ravel().tolist(), ds.attempts.values.ravel().tolist()


class Failure(Exception):
    """The cluster or a job did not do what the test needs; the message says what."""


def continued(segment):
    m = re.search(r"(\d+) pending items continue from their checkpoints", segment)
    return int(m[1]) if m else 0


def read(p):
    try:
        with open(p, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def stopped_mid_item(segment):
    m = re.search(r"(\d+) running items save a checkpoint and stop", segment)
    return int(m[1]) if m else 0


def tail(p, n=25):
    try:
        with open(p, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return f"({e})\n"


def wait_until(cond, timeout, every=0.2):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if cond():
            return True
        time.sleep(every)
    return False


def check_equals_reference(ref, out, what, attempts_ok=None):
    """The final cube `out` equals the uninterrupted run `ref` bitwise (`what` names the
    interruptions), every item is done, each in one counted attempt (or as `attempts_ok`
    says), and no checkpoint or checkpoint directory is left."""
    names, diff = differences(ref, out)
    check(not diff and len(names) > 10,
          f"{what} == uninterrupted, bitwise in {len(names)} variables (differ: {diff})")
    status, attempts = cube_summary(out)
    ok = attempts_ok(attempts) if attempts_ok else all(a == 1 for a in attempts)
    check(all(s == 1 for s in status) and ok,
          f"all {len(status)} items done, attempts {sorted(set(attempts))} "
          f"({'as expected' if attempts_ok else 'each in 1 counted attempt: stops use none'})")
    check(not os.path.exists(out + ".ckpt") and not checkpoints(out),
          "no checkpoint left, and no checkpoint directory")


def checkpoints(out):
    """Names of the complete checkpoint files of results file `out` ([] if its directory is
    gone); a file being written is still NAME.ckpt.tmp."""
    d = out + ".ckpt"
    return sorted(f for f in os.listdir(d) if f.endswith(".ckpt")) if os.path.isdir(d) else []


def item_ids(exe, spec):
    """Item ids in cube order (`richlazy plan --list`)."""
    r = subprocess.run([exe, "plan", spec, "--list"], env=ENV, capture_output=True, text=True)
    return re.findall(r"^\d+ ([0-9a-f]{16}) ", r.stdout, re.M)
