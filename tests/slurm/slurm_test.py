#!/usr/bin/python3
"""slurm_test.py RICHLAZY JOBSCRIPTS: jobscripts/ on a real one-node SLURM cluster (suite slurm).

Starts munged (on a socket of its own), slurmctld and slurmd in the foreground as children of
this test, from a configuration written into a temporary directory (toolchain.md: fast
requeues with cred_expire=5, MpiDefault=pmix; free ports and a random first job id, so another
test cluster on this machine cannot collide). Then, with real training of ~6 s items:
  1. submits jobscripts/sweep.sbatch through jobscripts/submit.sh: 2 ranks (srun --mpi=pmix),
     a one-minute limit and the warning 59 s before it, so SLURM's USR1 lands mid-sweep;
  2. the script stops the sweep (running items checkpoint, exit 3) and requeues its job;
  3. once requeued, the limit is raised (scontrol update) and, seconds into the second
     allocation, the job is requeued by hand (scontrol requeue: SLURM's TERM);
  4. the third allocation finishes: COMPLETED, exit 0, 2 restarts, the log appended to by all
     three, every interrupted run continued mid-item from checkpoints, and the cube equal
     bitwise to a local uninterrupted run (mpirun, meanwhile) with no attempt used by stops;
  5. submit.sh refuses a broken spec (exit 2, FILE:LINE:COLUMN) and queues nothing; the same
     spec given to sweep.sbatch directly ends its job FAILED with exit 2, not requeued;
  6. without -n, submit.sh asks sinfo and runs one rank per core of the node (8 here).
Every daemon is stopped by its PID at the end, on failure too. A cluster that cannot start is
a failure with the reason and the daemons' logs: this test never passes without SLURM.
"""
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from sweeps import (ENV, FAILED, Failure, calibrate, check, check_equals_reference, continued,
                    item_seconds, need_xarray, read, stopped_mid_item, tail, wait_until,
                    write_spec)

EXE = os.path.abspath(sys.argv[1])
SUBMIT = os.path.join(os.path.abspath(sys.argv[2]), "submit.sh")
SBATCH = os.path.join(os.path.abspath(sys.argv[2]), "sweep.sbatch")
ITEM_S = 6.0  # seconds of training per item
SEEDS = 5  # x 2 tasks = 10 items: the first allocation outlasts SLURM's 30 s limit checks


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Cluster:
    """munged + slurmctld + slurmd, configured under `work`; stop() ends what start() began."""

    def __init__(self, work):
        self.work, self.procs, self.jobs = work, [], []
        self.conf = os.path.join(work, "slurm.conf")
        self.env = dict(ENV, SLURM_CONF=self.conf)

    def path(self, name):
        return os.path.join(self.work, name)

    def daemon(self, name, argv, **kw):
        log = open(self.path(name + ".out"), "w")
        try:
            p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                 start_new_session=True, **kw)
        except OSError as e:
            raise Failure(f"cannot start {name}: {e}")
        finally:
            log.close()
        self.procs.append((name, p))
        return p

    def start_munge(self):
        d = self.path("munge")
        os.mkdir(d)
        munge = pwd.getpwnam("munge")
        os.chown(d, munge.pw_uid, munge.pw_gid)
        os.chmod(d, 0o755)  # munged wants its socket's directories searchable by all
        key = "/etc/munge/munge.key"
        if not os.path.exists(key):  # the package makes one; a bare machine gets a private one
            key = os.path.join(d, "munge.key")
            with open(key, "wb") as f:
                f.write(os.urandom(1024))
            os.chown(key, munge.pw_uid, munge.pw_gid)
            os.chmod(key, 0o400)
        self.socket = os.path.join(d, "munge.socket")
        self.daemon("munged", ["munged", "-F", f"--socket={self.socket}", f"--key-file={key}",
                               f"--pid-file={d}/munged.pid", f"--log-file={d}/munged.log",
                               f"--seed-file={d}/munged.seed"],
                    user=munge.pw_uid, group=munge.pw_gid, extra_groups=[])
        if not wait_until(lambda: os.path.exists(self.socket), 15):
            raise Failure("munged did not create its socket:\n" + tail(self.path("munged.out")) +
                          tail(f"{d}/munged.log"))

    def write_conf(self):
        ctl, slurmd = free_ports(2)
        w = self.work
        lines = [
            "ClusterName=rltest", "SlurmctldHost=localhost",
            f"SlurmctldPort={ctl}", f"SlurmdPort={slurmd}",
            "SlurmUser=root", "SlurmdUser=root",
            "AuthType=auth/munge", "CredType=cred/munge",
            "# cred_expire=5: a requeued job restarts after ~6 s instead of ~3 min",
            f"AuthInfo=cred_expire=5,socket={self.socket}",
            f"StateSaveLocation={w}/state", f"SlurmdSpoolDir={w}/spool",
            f"SlurmctldPidFile={w}/slurmctld.pid", f"SlurmdPidFile={w}/slurmd.pid",
            f"SlurmctldLogFile={w}/slurmctld.log", f"SlurmdLogFile={w}/slurmd.log",
            "# job ids of their own, so two test clusters never share a PMIx or spool name",
            f"FirstJobId={random.randrange(1000, 4000000)}",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core",
            "SchedulerParameters=batch_sched_delay=0,sched_interval=1,bf_interval=1,"
            "sched_min_interval=0",
            "MpiDefault=pmix", "ReturnToService=2",
            "# finished jobs stay visible to scontrol for the whole test (no accounting here)",
            "MinJobAge=3600",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "# CPUs=8 on a 2-core machine: more tasks than cores, as on a shared node",
            "SlurmdParameters=config_overrides",
            "NodeName=localhost NodeAddr=127.0.0.1 CPUs=8 RealMemory=20000",
            "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
        ]
        for d in ("state", "spool"):
            os.mkdir(os.path.join(w, d))
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        for prog in ("munged", "slurmctld", "slurmd", "sbatch", "scontrol", "squeue", "sinfo",
                     "srun", "scancel", "mpirun"):
            if shutil.which(prog) is None:
                raise Failure(f"{prog} not found (scripts/setup.sh --tests installs slurm-wlm "
                              f"slurmctld slurmd slurm-client munge)")
        if os.geteuid() != 0:
            raise Failure("slurmd and munged need root to start (this runs as uid "
                          f"{os.geteuid()})")
        try:
            pwd.getpwnam("munge")
        except KeyError:
            raise Failure("no user 'munge' (the munge package creates it)")
        self.start_munge()
        self.write_conf()
        self.daemon("slurmctld", ["slurmctld", "-D", "-f", self.conf])
        self.daemon("slurmd", ["slurmd", "-D", "-f", self.conf, "-N", "localhost"])
        if not wait_until(lambda: self.node_state() == "idle", 30):
            raise Failure(f"the node is not idle after 30 s (state '{self.node_state()}'):\n"
                          + "\n".join(f"--- {n}:\n{tail(self.path(n + '.log'))}"
                                      f"{tail(self.path(n + '.out'))}"
                                      for n in ("slurmctld", "slurmd")))

    def node_state(self):
        r = self.cmd(["sinfo", "-h", "-N", "-o", "%T"], check=False)
        return r.stdout.strip() if r.returncode == 0 else r.stderr.strip()

    def cmd(self, argv, check=True, env=None):
        r = subprocess.run(argv, env=env or self.env, capture_output=True, text=True,
                           timeout=60)
        if check and r.returncode != 0:
            raise Failure(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
        return r

    def job(self, job):
        """JobState, Restarts, ExitCode, TimeLimit... of a job, from scontrol."""
        r = self.cmd(["scontrol", "-o", "show", "job", job], check=False)
        return dict(re.findall(r"(\w+)=(\S*)", r.stdout))

    def stop(self):
        """Cancels this test's jobs, then ends every daemon it started, by PID."""
        for j in self.jobs:
            self.cmd(["scancel", j], check=False)
        if self.jobs and any(p.poll() is None for n, p in self.procs if n == "slurmd"):
            wait_until(lambda: not self.cmd(["squeue", "-h"], check=False).stdout.strip(), 40)
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            print(f"   stopped {name} (pid {p.pid}, exit {p.returncode})", flush=True)


def after(text, marker):
    """The part of text after the first line containing marker ("" if none)."""
    i = text.find(marker)
    return text[i:] if i >= 0 else ""


def submit(cl, args):
    r = cl.cmd([SUBMIT, *args], env=dict(cl.env, RICHLAZY=EXE))
    job = r.stdout.strip().split(";")[0]
    cl.jobs.append(job)
    return job


def start_reference(spec, ref):
    """The local uninterrupted run (P = 2) the SLURM cube must equal."""
    with open(ref + ".log", "w") as ref_log:
        return subprocess.Popen(["mpirun", "--oversubscribe", "-n", "2", EXE, "run", spec,
                                 "-o", ref, "--progress-every", "1000", "--checkpoint-every",
                                 "0"], env=ENV, stdout=subprocess.DEVNULL, stderr=ref_log,
                                start_new_session=True)


def run_sweep(cl, work):
    its = calibrate(EXE, work, ITEM_S)
    spec = write_spec(os.path.join(work, "sweep.yaml"), its, SEEDS)
    out, ref = os.path.join(work, "sweep.nc"), os.path.join(work, "ref.nc")
    ref_proc = None
    try:
        t0 = time.time()
        job = submit(cl, ["-n", "2", "-t", "1", "-w", "59", spec, out, "--progress-every", "5"])
        log = f"{out}.slurm-{job}.log"
        print(f"   job {job}: 10 items, log {log}", flush=True)
        interrupt(cl, job, log, t0)
        # The reference starts only now, beside run 3: two busy ranks beside run 1's launch
        # delayed that launch (srun, PMIx) past SLURM's early warning on a 2-core machine, and
        # then no item was running to be stopped mid-way. The same holds for a third job step,
        # so the broken spec is submitted after the sweep.
        ref_proc = start_reference(spec, ref)
        finish(cl, job, log, out, ref, ref_proc)
        bad_spec = os.path.join(work, "broken.yaml")
        with open(bad_spec, "w") as f:
            f.write("name: [unclosed\n")
        refused(cl, bad_spec, os.path.join(work, "broken.nc"))
        broken(cl, sbatch_directly(cl, bad_spec, os.path.join(work, "broken.nc")))
        default_ranks(cl, spec, os.path.join(work, "dry.nc"))
    finally:
        if ref_proc and ref_proc.poll() is None:  # a failure ended the test early
            os.killpg(ref_proc.pid, signal.SIGKILL)
            ref_proc.wait()


def interrupt(cl, job, log, t0):
    """Step 2 and 3: the time-limit requeue, then a requeue by hand mid-item."""
    if not wait_until(lambda: "requeueing this job" in read(log), 150):
        raise Failure(f"no time-limit requeue within 150 s (job {cl.job(job).get('JobState')})"
                      f":\n{tail(log)}")
    first = read(log)
    check("run 1: time-limit warning (USR1)" in first,
          f"run 1: SLURM's warning reached the script after {time.time() - t0:.0f} s")
    n = stopped_mid_item(first)
    check(n >= 1, f"run 1: {n} running items saved a checkpoint and stopped")
    check("run 1: stopped with work left: requeueing" in first,
          "run 1: richlazy exited 3 and the script requeued its job")
    cl.cmd(["scontrol", "update", f"JobId={job}", "TimeLimit=10"])  # no second warning
    if not wait_until(lambda: continued(after(read(log), "run 2: starting")) > 0, 90):
        raise Failure(f"run 2 did not start and continue from checkpoints:\n{tail(log)}")
    time.sleep(3)  # a few seconds into items continued or started in run 2
    if "run 2: the sweep is finished" in read(log):
        raise Failure("the sweep finished in run 2 before the manual requeue: items too short")
    cl.cmd(["scontrol", "requeue", job])
    print(f"   scontrol requeue {job} at {time.time() - t0:.0f} s", flush=True)


def refused(cl, bad_spec, out):
    """Step 5a: the spec is checked before anything is queued."""
    before = cl.cmd(["squeue", "-h", "-o", "%i"], check=False).stdout.split()
    r = cl.cmd([SUBMIT, "-n", "1", bad_spec, out], env=dict(cl.env, RICHLAZY=EXE), check=False)
    after = cl.cmd(["squeue", "-h", "-o", "%i"], check=False).stdout.split()
    check(r.returncode == 2 and re.search(r"broken\.yaml:\d+:\d+: ", r.stderr) is not None and
          after == before,
          f"submit.sh refuses a broken spec before queueing: exit {r.returncode}, "
          f"'{r.stderr.strip().splitlines()[0] if r.stderr.strip() else ''}', "
          f"{len(after) - len(before)} jobs queued")


def sbatch_directly(cl, bad_spec, out):
    """A broken spec that reached the job anyway (edited after submitting)."""
    r = cl.cmd(["sbatch", "--parsable", "--ntasks=1", f"--output={out}.slurm-%j.log", SBATCH,
                bad_spec, out], env=dict(cl.env, RICHLAZY=EXE))
    job = r.stdout.strip().split(";")[0]
    cl.jobs.append(job)
    return job


def default_ranks(cl, spec, out):
    """Step 6: -n defaults to the node's cores (sinfo: CPUs=8, one thread per core)."""
    r = cl.cmd([SUBMIT, "-d", spec, out], env=dict(cl.env, RICHLAZY=EXE), check=False)
    check(r.returncode == 0 and "--ntasks-per-node=8 " in r.stderr,
          f"submit.sh without -n: one rank per core of the node, --ntasks-per-node=8 "
          f"(exit {r.returncode})")


def broken(cl, bad):
    """Step 5: a spec that does not parse fails its job at once, without a requeue."""
    ended = wait_until(lambda: cl.job(bad).get("JobState") not in ("PENDING", "RUNNING",
                                                                    "COMPLETING", None), 60)
    info = cl.job(bad)
    check(ended and info.get("JobState") == "FAILED" and info.get("ExitCode") == "2:0" and
          info.get("Restarts") == "0",
          f"a broken spec: job {bad} {info.get('JobState')}, exit {info.get('ExitCode')}, "
          f"{info.get('Restarts')} restarts (want FAILED, 2:0, 0: not requeued)")


def finish(cl, job, log, out, ref, ref_proc):
    """Step 4."""
    ended = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY")
    since = []  # when the job was first seen in a final state; it must stay there 5 s

    def over():
        if cl.job(job).get("JobState") not in ended:
            since.clear()
        elif not since:
            since.append(time.time())
        return bool(since) and time.time() - since[0] >= 5

    done = wait_until(over, 240, every=0.5)
    info, text = cl.job(job), read(log)
    if not done:
        raise Failure(f"job {job} did not end within 240 s ({info.get('JobState')}):\n"
                      f"{tail(log)}")
    second = after(text, "run 2: starting")
    check("run 2: SLURM is ending the job (TERM)" in second and stopped_mid_item(second) >= 1,
          f"run 2: scontrol requeue stopped {stopped_mid_item(second)} running items at a "
          f"checkpoint")
    check("run 2: stopped with work left; SLURM decides" in second,
          "run 2: the script left the requeue to SLURM")
    third = after(text, "run 3: starting")
    check(continued(third) >= 1 and "run 3: the sweep is finished" in third,
          f"run 3: continued {continued(third)} items from checkpoints and finished the sweep")
    check(info.get("JobState") == "COMPLETED" and info.get("ExitCode") == "0:0" and
          info.get("Restarts") == "2",
          f"job {job}: {info.get('JobState')}, exit {info.get('ExitCode')}, "
          f"{info.get('Restarts')} restarts (want COMPLETED, 0:0, 2)")
    check(text.count("run 1: starting") == 1 and "run 3: starting" in text,
          "--open-mode=append: one log holds all three runs")
    rc = ref_proc.wait(timeout=300)
    check(rc == 0, f"the local uninterrupted run (P = 2) completes (exit {rc}); items took "
                   f"{item_seconds(ref):.1f} s")
    check_equals_reference(ref, out, "SLURM cube (2 requeues)")


def main():
    need_xarray()
    work = tempfile.mkdtemp(prefix="rl_slurm_")
    os.chmod(work, 0o755)  # munged (user munge) must reach its socket directory inside
    cl = Cluster(work)
    t0 = time.time()
    try:
        cl.start()
        check(True, f"one-node cluster up in {time.time() - t0:.1f} s (munged, slurmctld, "
                    f"slurmd; ports and logs in {work})")
        run_sweep(cl, work)
    except Failure as e:
        check(False, str(e))
    finally:
        cl.stop()
        for n in ("slurmctld.log", "slurmd.log"):
            if FAILED and os.path.exists(cl.path(n)):
                print(f"--- {n} (last lines)\n{tail(cl.path(n), 15)}")
        shutil.rmtree(work, ignore_errors=True)
    print(f"slurm: {len(FAILED)} failed in {time.time() - t0:.0f} s")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
