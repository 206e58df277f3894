#!/usr/bin/python3
"""full_disk_test.py RICHLAZY: every write path of richlazy on a full disk (suite faults).

Each case mounts a small tmpfs of its own (in a private mount namespace: the test re-runs
itself under `unshare --mount`, so nothing is left mounted, even after a crash), fills it
the way a user's scratch space fills, and checks the promise of README "Reliability": a
clear message naming the file and the errno text, exit 1 (never a signal: HDF5 used to
segfault at exit, 139), no partial file where a reader would take it for whole, nothing
committed lost, and a rerun after space is freed that ends bitwise equal to a run that
never met a full disk.
  snapshot      the first OUT.nc does not fit (the journal does)
  journal       the journal header does not fit
  append        the disk fills mid-sweep: a journal append fails, no torn record stays
  checkpoint    a running item's checkpoint (or its initial measures) does not fit (P = 2):
                the run stops with exit 1, the item is not failed
  extend        the rewritten journal of an extended spec does not fit: the old one stays
  rebuild       a journal rebuilt from the results file alone does not fit
  dump          `richlazy train --dump` on a full disk
Exit 0 = all passed, 1 = a check failed, 77 = skipped (not root, or no mount namespace).
EIO and EDQUOT take the same code paths (the errno text is passed through); this kernel
has neither a fault-injecting device (device-mapper) nor tmpfs quotas to produce them.
"""
import os
import shutil
import subprocess
import sys
import tempfile

EXE = os.path.abspath(sys.argv[1])
if os.environ.get("RL_FULL_DISK_NS") != "1":  # re-run inside a private mount namespace
    if os.geteuid() != 0:
        print("SKIP: mounting a tmpfs needs root")
        sys.exit(77)
    if shutil.which("unshare") is None:
        print("SKIP: unshare (util-linux) not found")
        sys.exit(77)
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        print(f"SKIP: no mount namespace here ({probe.stderr.strip()})")
        sys.exit(77)
    env = dict(os.environ, RL_FULL_DISK_NS="1")
    sys.exit(subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable,
                             *sys.argv], env=env).returncode)

try:
    import xarray  # noqa: F401
except ImportError:
    print("SKIP: xarray not installed for /usr/bin/python3")
    sys.exit(77)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from checks import FAILED, check  # noqa: E402
from cubecmp import differences  # noqa: E402

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", HDF5_USE_FILE_LOCKING="FALSE")
if os.geteuid() == 0:
    ENV.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
ENV.pop("RICHLAZY_FAKE_RUNNER", None)
FAKE = dict(ENV, RICHLAZY_FAKE_RUNNER="1")
WORK = tempfile.mkdtemp(prefix="rl_full_")
NOSPACE = "No space left on device"


def write_spec(name, seeds, iterations, real=False, extra_gain=False):
    gains = "[1, 2, 3]" if extra_gain else "[1, 2]"
    params = ("  model.hidden: 48\n  init: {kind: gaussian}\n"
              f"  train: {{optimizer: adam, iterations: {iterations}, batch: 8, curve_every: 50}}\n"
              "  probe: {trials: 32, kernel_trials: 8}\n") if real else \
        f"  model.hidden: 8\n  train: {{iterations: {iterations}, curve_every: 500}}\n"
    text = (f"name: {name}\nseed: 3\naxes:\n  gain: {gains}\n  seed: {list(seeds)}\n"
            f"params:\n{params}")
    p = os.path.join(WORK, name + ".yaml")
    with open(p, "w") as f:
        f.write(text)
    return p


class Tmpfs:
    """A tmpfs of `kib` KiB mounted on a fresh directory; `fill` leaves `free_kib` free."""

    def __init__(self, name, kib):
        self.dir = os.path.join(WORK, name)
        os.mkdir(self.dir)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", self.dir],
                       check=True)
        self.filler = os.path.join(self.dir, "filler")

    def path(self, name):
        return os.path.join(self.dir, name)

    def free_kib(self):
        s = os.statvfs(self.dir)
        return s.f_bavail * s.f_frsize // 1024

    def fill(self, free_kib=0):
        """Writes a filler file until only free_kib KiB are left (0: the disk is full)."""
        with open(self.filler, "ab") as f:
            while self.free_kib() > free_kib:
                try:
                    f.write(b"\0" * 4096)
                    f.flush()
                except OSError:
                    break

    def free(self):
        if os.path.exists(self.filler):
            os.unlink(self.filler)

    def files(self):
        return sorted(n for n in os.listdir(self.dir) if n != "filler")

    def umount(self):
        subprocess.run(["umount", self.dir], check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):  # unmounted however the case ended
        self.umount()


def run(spec, out, *extra, env=FAKE, P=1, cwd=None):
    argv = [EXE, "run", spec, "-o", out, "--progress-every", "1000", *extra]
    if P > 1:
        argv = ["mpirun", "--oversubscribe", "-n", str(P), *argv]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, cwd=cwd)


def failed_cleanly(r, needle, what):
    """Exit 1, the message names the file and says 'No space left on device', no crash."""
    if os.environ.get("RL_VERBOSE"):
        print(r.stderr)
    msg = r.stderr.strip().splitlines()
    line = next((m for m in msg if needle in m), "")
    check(r.returncode == 1 and NOSPACE in line and "Segmentation" not in r.stderr and
          "signal" not in r.stderr.lower(),
          f"{what}: exit {r.returncode} (want 1) with \"{line or r.stderr[-300:]}\"")


def same_as(ref, out, what):
    names, diff = differences(ref, out)
    check(not diff and len(names) > 10,
          f"{what}: bitwise equal to the run that never met a full disk in {len(names)} "
          f"variables (differ: {diff})")


def reference(spec, name, env=FAKE):
    out = os.path.join(WORK, name + ".nc")
    r = run(spec, out, env=env)
    assert r.returncode == 0, r.stderr
    return out


def case_snapshot(spec, ref):
    with Tmpfs("snapshot", 1024) as fs:
        fs.fill(16)  # the journal (a few kB) fits, the first OUT.nc (~64 kB) does not
        out = fs.path("x.nc")
        r = run(spec, out)
        failed_cleanly(r, "x.nc.tmp", "snapshot")
        check(fs.files() == ["x.nc.journal"],
              f"snapshot: no OUT.nc.tmp and no OUT.nc left, the journal kept ({fs.files()})")
        fs.free()
        r = run(spec, out)
        check(r.returncode == 0, f"snapshot: the rerun after freeing space completes "
                                 f"(exit {r.returncode})")
        same_as(ref, out, "snapshot")


def case_journal(spec):
    with Tmpfs("journal", 256) as fs:
        fs.fill(0)
        r = run(spec, fs.path("x.nc"))
        failed_cleanly(r, "x.nc.journal.tmp", "journal header")
        check(fs.files() == [], f"journal header: nothing left behind ({fs.files()})")


def case_append(spec, ref):
    with Tmpfs("append", 1024) as fs:
        out = fs.path("x.nc")
        argv = [EXE, "run", spec, "-o", out, "--progress-every", "1000", "--snapshot-every",
                "1000"]
        p = subprocess.Popen(argv, env=FAKE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
        while not os.path.exists(out) and p.poll() is None:  # the first snapshot is written
            pass
        fs.fill(0)
        err = p.communicate(timeout=300)[1]
        r = subprocess.CompletedProcess(argv, p.returncode, "", err)
        failed_cleanly(r, "writing " + out + ".journal", "journal append")
        fs.free()
        r = run(spec, out)
        check(r.returncode == 0 and "resuming" in r.stderr and "torn" not in r.stderr,
              f"journal append: the rerun resumes without a torn record (the failed append "
              f"was cut back) and completes (exit {r.returncode})")
        same_as(ref, out, "journal append")


def case_checkpoint(spec, ref):
    # The snapshot is measured on a disk with room; the tmpfs then holds one snapshot, the
    # journal and ~12 kB more: every checkpoint (~28 kB at N 48 with Adam) is refused.
    probe_dir = os.path.join(WORK, "ckpt_probe")
    os.mkdir(probe_dir)
    r = run(spec, os.path.join(probe_dir, "x.nc"), "--snapshot-every", "1000", env=ENV)
    snap_kib = os.path.getsize(os.path.join(probe_dir, "x.nc")) // 1024
    with Tmpfs("checkpoint", snap_kib + 16) as fs:
        out = fs.path("x.nc")
        r = run(spec, out, "--checkpoint-iters", "100", "--snapshot-every", "1000", env=ENV, P=2)
        # The first checkpoint writes the item's initial measures (<id>.init) first, then
        # <id>.ckpt: either may be the write that meets the full disk.
        failed_cleanly(r, "x.nc.ckpt/", "checkpoint")
        leftovers = os.listdir(out + ".ckpt") if os.path.isdir(out + ".ckpt") else []
        check(not any(n.endswith(".tmp") for n in leftovers),
              f"checkpoint: no partial checkpoint left ({leftovers})")
        with Tmpfs("checkpoint_room", 4096) as room:  # the rerun on a disk with room
            for n in fs.files():
                src = fs.path(n)
                (shutil.copytree if os.path.isdir(src) else shutil.copy2)(src, room.path(n))
            out2 = room.path("x.nc")
            with xarray.open_dataset(out2) as ds:
                failed = int((ds.status == 3).sum())
            r = run(spec, out2, env=ENV, P=2)
            check(failed == 0 and r.returncode == 0,
                  f"checkpoint: no item was recorded as failed ({failed}); the rerun on a disk "
                  f"with room completes (exit {r.returncode})")
            same_as(ref, out2, "checkpoint")


def case_extend(spec, spec_more):
    with Tmpfs("extend", 1024) as fs:
        out = fs.path("x.nc")
        r = run(spec, out)
        check(r.returncode == 0, "extend: the first sweep completes on the small disk")
        with open(out + ".journal", "rb") as f:
            before = f.read()
        fs.fill(0)
        r = run(spec_more, out)
        failed_cleanly(r, "x.nc.journal.tmp", "extend")
        with open(out + ".journal", "rb") as f:
            after = f.read()
        check(after == before and "x.nc.journal.tmp" not in fs.files(),
              "extend: the old journal is byte for byte unchanged, no journal.tmp left")
        fs.free()
        r = run(spec_more, out)
        check(r.returncode == 0 and "extended" in r.stderr,
              f"extend: after freeing space the extended sweep runs (exit {r.returncode})")


def case_rebuild(spec, ref):
    with Tmpfs("rebuild", 1024) as fs:
        out = fs.path("x.nc")
        shutil.copy2(ref, out)  # a results file copied without its journal
        fs.fill(0)
        r = run(spec, out)
        failed_cleanly(r, "x.nc.journal.tmp", "rebuild")
        check(fs.files() == ["x.nc"], f"rebuild: only the results file is left ({fs.files()})")
        fs.free()
        r = run(spec, out)
        check(r.returncode == 0 and "rebuilt the journal" in r.stderr,
              f"rebuild: after freeing space the journal is rebuilt (exit {r.returncode})")
        same_as(ref, out, "rebuild")


def case_dump(spec):
    with Tmpfs("dump", 256) as fs:
        fs.fill(0)
        r = subprocess.run([EXE, "train", spec, "--item", "0", "--dump", fs.path("item.nc")],
                           env=ENV, capture_output=True, text=True, timeout=300)
        failed_cleanly(r, "item.nc.tmp", "dump")
        check(fs.files() == [], f"dump: nothing left behind ({fs.files()})")


def main():
    fake = write_spec("fake", range(10), 2000)
    fake_more = write_spec("fake_more", range(10), 2000, extra_gain=True)
    long_fake = write_spec("long", range(100), 20000)  # 200 items of 20 ms: the disk fills mid-way
    real = write_spec("real", range(2), 1500, real=True)
    ref = {}

    def ref_of(spec, env=FAKE):  # each reference is run once, on a disk with room
        if spec not in ref:
            ref[spec] = reference(spec, f"ref{len(ref)}", env=env)
        return ref[spec]

    cases = {"snapshot": lambda: case_snapshot(fake, ref_of(fake)),
             "journal": lambda: case_journal(fake),
             "append": lambda: case_append(long_fake, ref_of(long_fake)),
             "checkpoint": lambda: case_checkpoint(real, ref_of(real, env=ENV)),
             "extend": lambda: case_extend(fake, fake_more),
             "rebuild": lambda: case_rebuild(fake, ref_of(fake)),
             "dump": lambda: case_dump(real)}
    only = os.environ.get("RL_CASE")  # one case by name, when debugging
    try:
        for name, case in cases.items():
            if not only or name == only:
                case()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"full disk: {len(FAILED)} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
