#!/usr/bin/python3
"""checkpoint_test.py RICHLAZY: mid-item checkpoints through the sweep engine (suite mpi).

With real training of 8 items calibrated to ~2 s each on this machine:
  stop   SIGTERM (P = 1) and SIGUSR1 to mpirun (P = 2) at random points mid-item, STOPS
         times, then a run to the end: each stopped run exits 3 at once (not after the 60 s
         grace period), leaves a checkpoint for each running item and none for finished ones,
         and its stopped items stay pending with no attempt used; the next run says it
         continues them; the final cube equals an uninterrupted run bitwise
  kill   kill -9 right after a periodic checkpoint (--checkpoint-iters): the rerun continues
         from it to the same result, and the killed run counts as an attempt
  off    --checkpoint-every 0 creates no checkpoint directory
  tidy   every checkpoint is removed once its item is journaled, the directory once empty
Exit 0 = all checks passed, 1 = a check failed, 77 = skipped (no mpirun).
"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from sweeps import (ENV, FAILED, calibrate, check, check_equals_reference, checkpoints,
                    cube_summary, item_ids, item_seconds, need_xarray, write_spec)

EXE = os.path.abspath(sys.argv[1])
if shutil.which("mpirun") is None:
    print("SKIP: mpirun not found")
    sys.exit(77)
need_xarray()
WORK = tempfile.mkdtemp(prefix="rl_ckpt_")
RNG = random.Random(20241129)  # fixed seed: the same stop points every run (relative to items)
ITEM_S = 2.0
ITEMS = 8
STOPS = 5


def path(name):
    return os.path.join(WORK, name)


def command(P, spec, out, *extra):
    base = [EXE, "run", spec, "-o", out, "--progress-every", "1000", *extra]
    return base if P == 1 else ["mpirun", "--oversubscribe", "-n", str(P), *base]


def start(P, spec, out, *extra):
    """Starts a run in a session of its own; its stderr goes to a fresh file."""
    err = f"{out}.err{len([f for f in os.listdir(WORK) if '.err' in f])}"
    with open(err, "w") as f:
        proc = subprocess.Popen(command(P, spec, out, *extra), env=ENV, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=f)
    return proc, err


def text_of(p):
    with open(p) as f:
        return f.read()


def wait_for(cond, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if cond():
            return True
        time.sleep(0.005)
    return False


def kill_session(proc):
    """kill -9 of a run and anything it started (mpirun's ranks share its session)."""
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.getsid(int(d)) == proc.pid:
                    os.kill(int(d), signal.SIGKILL)
            except OSError:
                pass
    proc.wait()


def stopped_run(P, spec, out, sig, delay):
    """One run stopped by `sig` `delay` s after it started training (None: not stopped):
    (exit, seconds from signal to exit, stderr). The first progress line is printed after
    the signal handlers are installed."""
    proc, err = start(P, spec, out)
    # MPI start-up takes < 1 s on an idle machine, but its topology probe pins itself to
    # each core in turn and waits for it: tens of seconds on a machine busy with other work
    if not wait_for(lambda: "finished (" in text_of(err), 300):
        kill_session(proc)
        return None, None, text_of(err)
    try:
        proc.wait(timeout=delay if delay is not None else 300)
        return proc.returncode, 0.0, text_of(err)  # finished before the signal
    except subprocess.TimeoutExpired:
        pass
    t0 = time.time()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        kill_session(proc)
    return proc.returncode, time.time() - t0, text_of(err)


def stop_and_resume(P, spec, ids, ref, sig, item_s):
    out = path(f"stop{P}.nc")
    stops, mid_item, slowest, left_ok, pending_ok, continued = 0, 0, 0.0, True, True, True
    shown = True  # `richlazy status --json` counts the checkpointed items
    expect = 0  # checkpoints the next run should say it continues from
    for k in range(STOPS + 1):
        # P ranks advance P items at a time: stop sooner, so STOPS stops fit in the sweep
        delay = RNG.uniform(0.3, 1.0) * item_s / P if k < STOPS else None
        rc, took, err = stopped_run(P, spec, out, sig, delay)
        said = re.search(r"(\d+) pending items continue from their checkpoints", err)
        continued &= (int(said[1]) if said else 0) == expect
        if rc != 3:
            break
        stops += 1
        slowest = max(slowest, took)
        status, attempts = cube_summary(out)
        pending = {ids[i] for i, s in enumerate(status) if s == 0}
        files = checkpoints(out)
        # An item stopped in its final measures finishes instead: 0 files is possible.
        left_ok &= len(files) <= P and all(f[:16] in pending and f.endswith(".ckpt")
                                            for f in files)
        mid_item += len(files) > 0
        st = json.loads(subprocess.run([EXE, "status", "--json", out], env=ENV,
                                       capture_output=True, text=True).stdout)
        shown &= (st["checkpointed"] == len(files) and st["active"] is False and
                  st["lost_in_flight"] == 0 and st["counts"]["pending"] == len(pending))
        pending_ok &= all((a == 0) if s == 0 else (a == 1) for s, a in zip(status, attempts))
        expect = len(files)
    name = {signal.SIGTERM: "SIGTERM", signal.SIGUSR1: "SIGUSR1 to mpirun"}[sig]
    check(rc == 0, f"P = {P}: the sweep completes after {stops} stops by {name} (exit {rc})")
    check(mid_item >= 3, f"P = {P}: {mid_item} of the {stops} stops (>= 3) caught items "
                         f"mid-training")
    check(slowest < 5, f"P = {P}: every stop exits 3 within 5 s (slowest {slowest:.1f} s: items "
                       f"checkpoint instead of using the 60 s grace period)")
    check(left_ok, f"P = {P}: after each stop, at most one checkpoint per training rank "
                   f"({P}), each of a pending item")
    check(pending_ok, f"P = {P}: stopped items stay pending with 0 attempts; finished have 1")
    check(continued, f"P = {P}: each rerun says how many items continue from checkpoints, "
                     f"and the count matches the files left")
    check(shown, f"P = {P}: after each stop `richlazy status --json` says no run is active, "
                 f"nothing lost in flight, and counts the pending items with a checkpoint")
    check_equals_reference(ref, out, f"P = {P}: stopped {stops} times")


def kill_after_checkpoint(spec, ref, its):
    out, every = path("kill.nc"), its // 4
    proc, _ = start(1, spec, out, "--checkpoint-iters", str(every))
    saved = wait_for(lambda: bool(checkpoints(out)), 300)
    kill_session(proc)
    files = checkpoints(out)
    check(saved and len(files) == 1,
          f"kill -9 right after a periodic checkpoint (every {every} iterations): {files}")
    r = subprocess.run(command(2, spec, out, "--checkpoint-iters", str(every)), env=ENV,
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0 and "1 pending items continue from their checkpoints" in r.stderr,
          f"the rerun (P = 2) completes (exit {r.returncode}) and continues the killed item")
    check_equals_reference(ref, out, "killed and continued",
                           lambda a: sorted(a) == [1] * (ITEMS - 1) + [2])


def main():
    its = calibrate(EXE, WORK, ITEM_S)
    spec = write_spec(path("ck.yaml"), its, ITEMS // 2)
    ids = item_ids(EXE, spec)
    check(len(ids) == ITEMS, f"{ITEMS} item ids from richlazy plan --list")
    ref = path("ref.nc")
    r = subprocess.run(command(2, spec, ref, "--checkpoint-every", "0"), env=ENV,
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"uninterrupted reference run, P = 2 (exit {r.returncode})")
    check(not os.path.exists(ref + ".ckpt"), "--checkpoint-every 0: no checkpoint directory")
    item_s = item_seconds(ref)
    print(f"   items take {item_s:.2f} s each (median of the reference run)", flush=True)
    stop_and_resume(1, spec, ids, ref, signal.SIGTERM, item_s)
    stop_and_resume(2, spec, ids, ref, signal.SIGUSR1, item_s)
    kill_after_checkpoint(spec, ref, its)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"checkpoint: {len(FAILED)} failed")
    sys.exit(1 if FAILED else 0)
