#!/usr/bin/python3
"""multinode_test.py RICHLAZY JOBSCRIPTS: a sweep on a real two-node SLURM cluster (suite
multinode).

Every other test runs on one node; users run across many (issue 17). This test builds a small
cluster on this machine out of Linux namespaces, so that what crosses nodes crosses a network:
  - three hosts, `ctl` (slurmctld, and the login node the test submits from), `node1` and
    `node2` (a slurmd each), each in its own network, UTS, PID and mount namespaces: its own
    hostname (slurmd finds its NodeName from it, slurmctld checks it), its own address on a
    bridge inside ctl (10.77.0.1-3 over veth pairs; nothing is added to this machine's own
    network), its own munged (one key, copied to each host as on a cluster), its own
    /dev/shm, and a local disk (SLURM's spool and TmpFS, TMPDIR) at the same path on each;
  - on each node also an interface with the same address on both (172.17.0.1, as docker0
    or virbr0 on many real nodes): Open MPI's TCP, left to itself, connects to it and hangs;
  - the test's temporary directory is the shared file system: spec, results file, journal,
    checkpoints and job logs live there, seen by every host (it plays NFS/Lustre);
  - ranks on different nodes talk over TCP across the veths (no shared memory between them).
Then, with real training of items of a few seconds (10 items, one rank per node, both train):
  1. jobscripts/submit.sh -N 2 -n 1 on ctl; jobscripts/sweep.sbatch starts the sweep with
     `srun --mpi=pmix` (its default). Mid-item, `scancel --batch --signal=USR1` (what SLURM's
     time-limit warning sends): both running items, one per node, checkpoint to the shared
     directory, richlazy exits 3, the script requeues its job;
  2. the second allocation continues both items from their checkpoints; mid-item,
     `scontrol requeue`: SLURM's TERM to the job's steps on both nodes, checkpoints again;
  3. the third likewise, then `scancel`: the job ends CANCELLED with its items checkpointed;
  4. the user submits the same command again, with RL_LAUNCH=mpirun: its first allocation
     continues from job 1's checkpoints; mid-item the USR1 again, which mpirun relays to the
     rank on the other node through its daemon there; the script requeues;
  5. the fifth allocation finishes: COMPLETED. In each allocation a rank on each node (richlazy
     logs where each rank runs), Open MPI's TCP kept off the docker0 look-alike; items trained
     by both ranks; the cube bitwise equal to a one-rank run of the same spec outside the
     cluster, every item done in one counted attempt, no checkpoint left.
The jobs find a `scontrol` first on their PATH that runs the real one and is slow to exit after
a requeue: SLURM's TERM for a requeue the job script asked for then always arrives while
scontrol runs, as it sometimes did anyway here, and the script must still see that it worked.
Clean-up does not depend on the test ending well: each host's processes live in its own PID
namespace whose init is a child of `unshare --kill-child`, itself killed when this test dies
(PR_SET_PDEATHSIG), so the kernel ends every daemon, job step and rank and with them the
namespaces, bridge and veths, even after a SIGKILL of the test; the temporary directory is
removed at the end (and a dead run's on the next start). Exit 77 (skip) with one line when
this machine cannot do it: not root, SLURM or util-linux/iproute2 tools missing, or no
namespaces, veth or bridge here. Everything else that goes wrong is a failure with the
daemons' logs.
"""
import ctypes
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from sweeps import (ENV, FAILED, Failure, calibrate, check, check_equals_reference, continued,
                    item_seconds, need_xarray, read, stopped_mid_item, tail, wait_until,
                    write_spec)

EXE = os.path.abspath(sys.argv[1])
SUBMIT = os.path.join(os.path.abspath(sys.argv[2]), "submit.sh")
ITEM_S = 5.0  # seconds of training per item (CPU)
# x 2 tasks = 10 items, 25 s of training per rank: the four stops take about 4 s of it each
# (sweep.sbatch holds a stop until its job step is 5 s old), so the queue is not empty at the
# last stop even on an idle machine
SEEDS = 5
SUBNET = "10.77.0"  # private, and inside namespaces of this test only
HOSTS = (("ctl", 1), ("node1", 2), ("node2", 3))
PREFIX = "rl_multinode_"  # temporary directories: rl_multinode_<pid of the test>_XXXX
TOOLS = ("unshare", "nsenter", "setpriv", "ip", "hostname", "mount", "munged", "slurmctld",
         "slurmd", "sbatch", "scontrol", "squeue", "sinfo", "srun", "scancel")


def skip(reason):
    print(f"SKIP: {reason}", flush=True)
    sys.exit(77)


def die_with_test():
    """preexec_fn: SIGKILL this child when the test's process ends, however it ends."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


# Runs as init (PID 1) of a host's PID namespace, in its own network, UTS and mount namespaces
# (mounts private: nothing here is seen outside). $1 host name, $2 the shared directory.
HOLDER = r"""
set -e
name=$1 work=$2
hostname "$name"
mount --bind "$work/etc/hosts" /etc/hosts
# Node-local shared memory (Open MPI's segments), gone with the host however its ranks end.
mount -t tmpfs -o mode=1777,size=1g tmpfs /dev/shm
# This host's local disk, at the same path on every host: work/local is work/hosts/NAME.
# TMPDIR and SLURM's TmpFS point into it (Open MPI's and PMIx's session files).
mount --bind "$work/hosts/$name" "$work/local"
ip link set lo up
echo ready
# Live until the test closes our stdin (or dies); the kernel then ends the whole namespace.
# As init, this process inherits every orphan (slurmstepd daemonises): SIGCHLD ignored, which
# exec keeps, makes the kernel reap them instead of leaving zombies (bash: dash does not
# ignore CHLD for trap '').
trap '' CHLD
exec cat >/dev/null
"""


class Host:
    """One machine of the cluster: namespaces held by an init process, entered with nsenter."""

    def __init__(self, name, addr, work):
        self.name, self.addr, self.work = name, addr, work
        self.dir = os.path.join(work, "hosts", name)
        self.holder = self.init = None
        self.procs = []

    def start(self):
        os.makedirs(self.dir)
        err = open(os.path.join(self.dir, "holder.err"), "w")
        self.holder = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--uts",
             "--mount", "--propagation", "private", "--", "/bin/bash", "-c", HOLDER, "holder",
             self.name, self.work],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=ENV,
            start_new_session=True, preexec_fn=die_with_test)
        err.close()
        if self.holder.stdout.readline().strip() != b"ready":
            raise Failure(f"host {self.name}: its namespaces could not be set up:\n"
                          + tail(os.path.join(self.dir, "holder.err")))
        with open(f"/proc/{self.holder.pid}/task/{self.holder.pid}/children") as f:
            self.init = int(f.read().split()[0])  # PID 1 inside; nsenter's target
        self.netns = os.stat(f"/proc/{self.init}/ns/net").st_ino

    def argv(self, argv, user=None, net_only=False):
        """argv run on this host; net_only: in its network namespace alone, so that PIDs name
        processes as this test sees them (`ip link ... netns PID`)."""
        spaces = ["-n"] if net_only else ["-p", "-n", "-u", "-m"]
        pre = ["nsenter", "-t", str(self.init), *spaces, f"--wd={self.work}/shared", "--"]
        if user:  # setpriv execs in place: no process of root's stays in between
            pre += ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}",
                    "--clear-groups"]
        return pre + list(argv)

    def run(self, argv, env, check=True, timeout=60, net_only=False):
        r = subprocess.run(self.argv(argv, net_only=net_only), env=env, capture_output=True,
                           text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise Failure(f"{self.name}: {' '.join(argv)} failed ({r.returncode}): "
                          f"{r.stderr.strip()}")
        return r

    def daemon(self, name, argv, env, user=None):
        log = open(os.path.join(self.dir, name + ".out"), "w")
        p = subprocess.Popen(self.argv(argv, user), stdout=log, stderr=subprocess.STDOUT,
                             env=env, start_new_session=True, preexec_fn=die_with_test)
        log.close()
        self.procs.append((name, p))
        return p

    def stop(self):
        """Ends the host: init's exit makes the kernel kill every process in it."""
        if self.holder is None:
            return
        if self.holder.poll() is None:
            self.holder.kill()  # --kill-child: init gets SIGKILL, then all of the namespace
        self.holder.wait()
        for _, p in self.procs:
            try:
                p.wait(timeout=10)  # the nsenter that waited for its daemon
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


class Cluster:
    """ctl + node1 + node2 on a bridge, munged on each, slurmctld on ctl, slurmd on the nodes."""

    def __init__(self, work):
        self.work = work
        self.shared = os.path.join(work, "shared")
        self.conf = os.path.join(work, "etc", "slurm.conf")
        self.hosts = {n: Host(n, f"{SUBNET}.{i}", work) for n, i in HOSTS}
        self.ctl = self.hosts["ctl"]
        self.nodes = [self.hosts["node1"], self.hosts["node2"]]
        # TMPDIR: each host's local disk, for Open MPI's session files and the like
        self.env = dict(ENV, SLURM_CONF=self.conf, TMPDIR=os.path.join(work, "local", "tmp"))
        self.jobs = []
        self.slow_bin = os.path.join(work, "slow-bin")

    def start(self):
        for d in ("shared", "etc", "local"):
            os.mkdir(os.path.join(self.work, d))
        with open(os.path.join(self.work, "etc", "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n" +
                    "".join(f"{h.addr} {h.name}\n" for h in self.hosts.values()))
        self.slow_scontrol()
        for h in self.hosts.values():
            h.start()
        self.network()
        self.munge()
        self.write_conf()
        self.ctl.daemon("slurmctld", ["slurmctld", "-D", "-f", self.conf], self.env)
        for n in self.nodes:  # no -N: slurmd takes its NodeName from the host's name
            n.daemon("slurmd", ["slurmd", "-D", "-f", self.conf], self.env)
        if not wait_until(lambda: self.node_states() == {"node1": "idle", "node2": "idle"}, 30):
            raise Failure(f"the nodes are not idle after 30 s ({self.node_states()})")

    def network(self):
        """A bridge in ctl; a veth pair from it into each node (the node's end is its eth0)."""
        c = self.ctl
        for cmd in (["ip", "link", "add", "name", "br0", "type", "bridge"],
                    ["ip", "addr", "add", f"{c.addr}/24", "dev", "br0"],
                    ["ip", "link", "set", "br0", "up"]):
            c.run(cmd, self.env, net_only=True)
        for n in self.nodes:
            c.run(["ip", "link", "add", "name", f"to-{n.name}", "type", "veth", "peer", "name",
                   "eth0", "netns", str(n.init)], self.env, net_only=True)
            c.run(["ip", "link", "set", f"to-{n.name}", "master", "br0", "up"], self.env,
                  net_only=True)
            n.run(["ip", "addr", "add", f"{n.addr}/24", "dev", "eth0"], self.env, net_only=True)
            n.run(["ip", "link", "set", "eth0", "up"], self.env, net_only=True)
            # As on many real nodes (Docker, libvirt): an interface with the same address on
            # every node. Open MPI's TCP, left to itself, connects to it and the job hangs.
            for cmd in (["ip", "link", "add", "name", "docker0", "type", "veth", "peer", "name",
                         "docker0-peer"],
                        ["ip", "addr", "add", "172.17.0.1/16", "dev", "docker0"],
                        ["ip", "link", "set", "docker0", "up"],
                        ["ip", "link", "set", "docker0-peer", "up"]):
                n.run(cmd, self.env, net_only=True)

    def slow_scontrol(self):
        """The scontrol the jobs find first on their PATH: the real one, slow to exit after a
        requeue. SLURM's TERM for a requeue the job script asked for then always comes while
        scontrol runs, as it did by itself once in 13 stops here (the script then reported
        the requeue as failed and told the user to submit again), and the script must see
        that its requeue worked."""
        os.mkdir(self.slow_bin)
        path = os.path.join(self.slow_bin, "scontrol")
        with open(path, "w") as f:
            f.write(f"#!/bin/bash\n{shutil.which('scontrol')} \"$@\"\nrc=$?\n"
                    f"[ \"${{1:-}}\" = requeue ] && sleep 1\nexit $rc\n")
        os.chmod(path, 0o755)

    def munge(self):
        """One key, copied to every host's local disk; a munged per host on its own socket.
        The socket path is the same on every host (work/local/munge), as slurm.conf has one."""
        munge = pwd.getpwnam("munge")
        key = os.urandom(1024)
        for h in self.hosts.values():
            d = os.path.join(h.dir, "munge")
            os.mkdir(d)
            os.chown(d, munge.pw_uid, munge.pw_gid)
            os.chmod(d, 0o755)  # munged wants its socket's directories searchable by all
            with open(os.path.join(d, "munge.key"), "wb") as f:
                f.write(key)
            os.chown(os.path.join(d, "munge.key"), munge.pw_uid, munge.pw_gid)
            os.chmod(os.path.join(d, "munge.key"), 0o400)
            ld = os.path.join(self.work, "local", "munge")
            h.daemon("munged", ["munged", "-F", f"--socket={ld}/munge.socket",
                                f"--key-file={ld}/munge.key", f"--pid-file={ld}/munged.pid",
                                f"--log-file={ld}/munged.log", f"--seed-file={ld}/munged.seed"],
                     self.env, user=munge)
        for h in self.hosts.values():
            sock = os.path.join(h.dir, "munge", "munge.socket")
            if not wait_until(lambda: os.path.exists(sock), 15):
                raise Failure(f"munged on {h.name} did not create its socket:\n"
                              + tail(os.path.join(h.dir, "munged.out"))
                              + tail(os.path.join(h.dir, "munge", "munged.log")))

    def write_conf(self):
        local = os.path.join(self.work, "local")  # each host's own disk
        nodes = [f"NodeName={n.name} NodeAddr={n.addr} CPUs=2 RealMemory=8000"
                 for n in self.nodes]
        lines = [
            "ClusterName=rlmulti",
            "# ctl is a host of its own: every node reaches slurmctld over the bridge",
            f"SlurmctldHost=ctl({self.ctl.addr})",
            "SlurmUser=root", "SlurmdUser=root",
            "AuthType=auth/munge", "CredType=cred/munge",
            "# cred_expire=5: a requeued job restarts after ~6 s instead of ~3 min",
            f"AuthInfo=cred_expire=5,socket={local}/munge/munge.socket",
            "# the default ports: each host has its own network namespace, so they cannot",
            "# collide with another test cluster on this machine",
            f"StateSaveLocation={local}/state", f"SlurmdSpoolDir={local}/spool",
            f"SlurmctldPidFile={local}/slurmctld.pid", f"SlurmdPidFile={local}/slurmd.pid",
            f"SlurmctldLogFile={local}/slurmctld.log", f"SlurmdLogFile={local}/slurmd.log",
            "# PMIx's per-job directories: node-local, as /tmp is on real nodes",
            f"TmpFS={local}/tmp",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core",
            "SchedulerParameters=batch_sched_delay=0,sched_interval=1,bf_interval=1,"
            "sched_min_interval=0",
            "MpiDefault=pmix", "ReturnToService=2",
            "# finished jobs stay visible to scontrol for the whole test (no accounting here)",
            "MinJobAge=3600",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "# the two nodes share this machine's 2 cores; each is described as what it sees",
            "SlurmdParameters=config_overrides",
            *nodes,
            "PartitionName=debug Nodes=node[1-2] Default=YES MaxTime=INFINITE State=UP",
        ]
        for h in self.hosts.values():
            for d in ("state", "spool", "tmp"):
                os.mkdir(os.path.join(h.dir, d))
            os.chmod(os.path.join(h.dir, "tmp"), 0o1777)
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def node_states(self):
        r = self.ctl.run(["sinfo", "-h", "-N", "-o", "%N %T"], self.env, check=False)
        return dict(line.split() for line in r.stdout.splitlines() if len(line.split()) == 2)

    def slurm(self, argv, check=True):
        """A SLURM client command on ctl, the login node."""
        return self.ctl.run(argv, self.env, check=check)

    def job(self, job):
        r = self.slurm(["scontrol", "-o", "show", "job", job], check=False)
        return dict(re.findall(r"(\w+)=(\S*)", r.stdout))

    def logs(self):
        """The daemons' last lines, for a failure."""
        out = []
        for h in self.hosts.values():
            for n in ("slurmctld.log", "slurmd.log", "slurmctld.out", "slurmd.out",
                      "munged.out", "holder.err"):
                p = os.path.join(h.dir, n)
                if os.path.exists(p) and os.path.getsize(p):
                    out.append(f"--- {h.name}: {n} (last lines)\n{tail(p, 12)}")
        return "".join(out)

    def stop(self):
        """Ends every host (and so every process, namespace, bridge and veth it holds)."""
        netns = [h.netns for h in self.hosts.values() if h.init]
        for h in self.hosts.values():
            h.stop()
        return netns


def processes_in(netns_inodes):
    """PIDs of processes still in one of these network namespaces."""
    left = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            if os.stat(d + "/ns/net").st_ino in netns_inodes:
                left.append(int(d[6:]))
        except OSError:
            pass
    return left


def remove_stale_dirs():
    """Temporary directories of an earlier run that was killed before it could remove them
    (its processes are gone already: the kernel ended them with the test)."""
    for d in glob.glob(os.path.join(tempfile.gettempdir(), PREFIX + "*")):
        m = re.match(PREFIX + r"(\d+)_", os.path.basename(d))
        if m and not os.path.exists(f"/proc/{m[1]}"):
            shutil.rmtree(d, ignore_errors=True)


def preconditions():
    """Exit 77 with one line where this machine cannot build the cluster at all."""
    if os.geteuid() != 0:
        skip("namespaces, slurmd and munged need root")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        skip(f"not installed: {' '.join(missing)} (scripts/setup.sh --tests installs SLURM, "
             f"munge, iproute2 and util-linux)")
    try:
        pwd.getpwnam("munge")
    except KeyError:
        skip("no user 'munge' (the munge package creates it)")
    probe = subprocess.run(
        ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--uts",
         "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
         "hostname probe && ip link add name va type veth peer name vb && "
         "ip link add name vbr type bridge && mount -t tmpfs tmpfs /dev/shm"],
        capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or ["exit %d" % probe.returncode])[-1]
        skip(f"no network/UTS/PID/mount namespaces, veth or bridge here ({why})")


# ---- the sweep ----

def running(segment):
    """Items running in the last progress line of a segment of the log."""
    m = re.findall(r"finished \(.*?\), (\d+) running", segment)
    return int(m[-1]) if m else 0


def placement(segment):
    """{rank: host} from richlazy's line 'P ranks on H hosts: node1 (rank 0), ...'."""
    m = re.search(r"(\d+) ranks on \d+ hosts?: (.*)", segment)
    where = {}
    for host, ranks in re.findall(r"(\S+) \(ranks? ([^)]*)\)", m[2] if m else ""):
        for part in ranks.split(", "):
            lo, _, hi = part.partition("-")
            for r in range(int(lo), int(hi or lo) + 1):
                where[r] = host
    return where


def segment(log, run):
    """The part of a job's log written by allocation `run` (1, 2, ...)."""
    text = read(log)
    i = text.find(f"run {run}: ")
    if i < 0:
        return ""
    j = text.find(f"run {run + 1}: ", i)
    return text[text.rfind("\n", 0, i) + 1:j if j >= 0 else len(text)]


class Job:
    """One submission of the sweep through submit.sh, on ctl."""

    def __init__(self, cl, launcher, spec, out, t0, resumes=False):
        env = dict(cl.env, RICHLAZY=EXE, RL_LAUNCH=launcher, PATH=cl.slow_bin + ":" +
                   cl.env.get("PATH", "/usr/bin:/bin"))
        r = cl.ctl.run([SUBMIT, "-N", "2", "-n", "1", "-t", "10", spec, out,
                        "--progress-every", "1"], env)
        self.cl, self.launcher, self.t0 = cl, launcher, t0
        self.id = r.stdout.strip().split(";")[0]
        cl.jobs.append(self.id)
        self.log = f"{out}.slurm-{self.id}.log"
        self.resumes = resumes  # its first allocation continues an earlier job's checkpoints
        print(f"   {time.time() - t0:3.0f} s: job {self.id} submitted (RL_LAUNCH={launcher})",
              flush=True)

    def info(self):
        return self.cl.job(self.id)

    def mid_item(self, run):
        """Waits until allocation `run` trains an item on each node (those stopped before
        continued from their checkpoints), then lets them train a little."""
        def ready():
            seg = segment(self.log, run)
            return (len(set(placement(seg).values())) == 2 and running(seg) >= 2 and
                    (run == 1 and not self.resumes or continued(seg) > 0))
        if not wait_until(ready, 120):
            raise Failure(f"job {self.id} run {run}: no item running on each node within "
                          f"120 s ({self.info().get('JobState')}):\n{tail(self.log)}")
        info, seg = self.info(), segment(self.log, run)
        check(info.get("NodeList") == "node[1-2]" and info.get("NumNodes") == "2" and
              "Open MPI's TCP kept on 10.77.0.2/31" in seg,
              f"job {self.id} run {run} ({self.launcher}): on {info.get('NumNodes')} nodes "
              f"({info.get('NodeList')}), {placement_text(seg)}, Open MPI's TCP kept on the "
              f"nodes' network (not docker0)")
        if run > 1 or self.resumes:
            check(continued(seg) == 2, f"job {self.id} run {run}: {continued(seg)} items "
                                       f"(want 2, one from each node) continue from their "
                                       f"checkpoints in the shared directory")
        time.sleep(1)  # into the items (the script holds the stop a few seconds anyway)

    def stopped(self, run, timeout=90):
        """The segment of allocation `run` once richlazy has stopped in it."""
        if not wait_until(lambda: "stopped with work left" in segment(self.log, run) or
                          "the sweep is finished" in segment(self.log, run), timeout):
            raise Failure(f"job {self.id} run {run} did not stop within {timeout} s:\n"
                          f"{tail(self.log)}")
        seg = segment(self.log, run)
        n = stopped_mid_item(seg)
        check(n == 2, f"job {self.id} run {run}: {n} running items (want 2, one per node) "
                      f"saved a checkpoint and stopped")
        return seg

    def time_limit_warning(self, run):
        """SLURM's time-limit warning, by hand: USR1 to the batch script; it passes the
        stop on (srun, or mpirun through its daemon on the other node) and requeues."""
        self.mid_item(run)
        self.cl.slurm(["scancel", "--batch", "--signal=USR1", self.id])
        print(f"   {time.time() - self.t0:3.0f} s: scancel --batch --signal=USR1 {self.id}",
              flush=True)
        seg = self.stopped(run)
        check("time-limit warning (USR1)" in seg and
              "stopped with work left: requeueing this job" in seg and
              "requeue failed" not in seg and "SLURM is ending" not in seg,
              f"job {self.id} run {run}: richlazy exited 3 and the script requeued its job, "
              f"although SLURM's TERM for the requeue came while scontrol ran")

    def slurm_ends(self, run, argv, what):
        """SLURM ends the allocation itself: TERM to the job steps on both nodes."""
        self.mid_item(run)
        self.cl.slurm(argv)
        print(f"   {time.time() - self.t0:3.0f} s: {' '.join(argv)}", flush=True)
        seg = self.stopped(run)
        check("SLURM is ending the job (TERM)" in seg and
              "stopped with work left; SLURM decides" in seg,
              f"job {self.id} run {run}: {what}: the script passed the stop on and left the "
              f"job to SLURM")

    def ended(self, timeout=240):
        """Waits until the job is in a final state and gone from squeue (no step left)."""
        final = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY")

        def over():
            queued = self.cl.slurm(["squeue", "-h", "-j", self.id], check=False).stdout
            return self.info().get("JobState") in final and not queued.strip()
        if not wait_until(over, timeout, every=0.5):
            raise Failure(f"job {self.id} did not end within {timeout} s "
                          f"({self.info().get('JobState')}):\n{tail(self.log)}")
        return self.info()


def placement_text(seg):
    return ", ".join(f"rank {r} on {h}" for r, h in sorted(placement(seg).items())) or \
        "no 'ranks on hosts' line"


def run_sweep(cl):
    shared = cl.shared
    its = calibrate(EXE, shared, ITEM_S)
    spec = write_spec(os.path.join(shared, "sweep.yaml"), its, SEEDS)
    out, ref = os.path.join(shared, "sweep.nc"), os.path.join(shared, "ref.nc")
    t0 = time.time()
    ref_proc = None
    try:
        # The one-rank run the cube must equal, outside the cluster, beside it.
        with open(ref + ".log", "w") as ref_log:
            ref_proc = subprocess.Popen([EXE, "run", spec, "-o", ref, "--progress-every",
                                         "1000", "--checkpoint-every", "0"], env=ENV,
                                        stdout=subprocess.DEVNULL, stderr=ref_log,
                                        start_new_session=True, preexec_fn=die_with_test)
        a = Job(cl, "srun", spec, out, t0)
        a.time_limit_warning(1)
        a.slurm_ends(2, ["scontrol", "requeue", a.id], "scontrol requeue")
        a.slurm_ends(3, ["scancel", a.id], "scancel")
        info = a.ended()
        check(info.get("JobState") == "CANCELLED" and info.get("Restarts") == "2",
              f"job {a.id}: {info.get('JobState')} after {info.get('Restarts')} restarts "
              f"(want CANCELLED, 2)")
        # The user submits the same command again; this time with the other launcher.
        b = Job(cl, "mpirun", spec, out, t0, resumes=True)
        b.time_limit_warning(1)
        check("mpirun: Forwarding signal 10" in segment(b.log, 1),
              f"job {b.id} run 1: mpirun relayed the USR1 to the ranks")
        b.mid_item(2)
        info = b.ended()
        print(f"   {time.time() - t0:3.0f} s: job {b.id} ended; the batch script's lines:\n" +
              "".join(f"     {line}\n" for log in (a.log, b.log) for line in
                      read(log).splitlines() if line.startswith("sweep.sbatch [")),
              end="", flush=True)
        check(info.get("JobState") == "COMPLETED" and info.get("ExitCode") == "0:0" and
              info.get("Restarts") == "1" and "run 2: the sweep is finished" in read(b.log),
              f"job {b.id}: {info.get('JobState')}, exit {info.get('ExitCode')}, "
              f"{info.get('Restarts')} restarts (want COMPLETED, 0:0, 1): the sweep finished")
        compare(out, ref, ref_proc)
    finally:
        if ref_proc and ref_proc.poll() is None:  # a failure ended the test early
            os.killpg(ref_proc.pid, signal.SIGKILL)
            ref_proc.wait()


def compare(out, ref, ref_proc):
    rc = ref_proc.wait(timeout=300)
    check(rc == 0, f"the one-rank run outside the cluster completes (exit {rc}); items took "
                   f"{item_seconds(ref):.1f} s there")
    check_equals_reference(ref, out, "the cube of 5 allocations on two nodes")
    import xarray
    with xarray.open_dataset(out) as ds:
        workers = sorted(set(int(w) for w in ds.worker.values.ravel()))
    check(workers == [0, 1], f"items were trained by ranks {workers} (want 0 and 1, which "
                             f"were on different nodes in every allocation)")


def main():
    preconditions()
    need_xarray()
    remove_stale_dirs()
    work = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}_")
    os.chmod(work, 0o755)  # munged (user munge) must reach its socket directory inside
    # meson ends a test that times out with SIGTERM: a failure like any other, cleaned up
    def terminated(*_):
        raise Failure("stopped by SIGTERM (meson's timeout?)")
    signal.signal(signal.SIGTERM, terminated)
    cl = Cluster(work)
    t0 = time.time()
    netns = []
    try:
        cl.start()
        check(True, f"two-node cluster up in {time.time() - t0:.1f} s (ctl: slurmctld; node1, "
                    f"node2: slurmd; a munged each; {SUBNET}.0/24 on a bridge; in {work})")
        run_sweep(cl)
    except Failure as e:
        check(False, str(e))
    finally:
        if FAILED:
            print(cl.logs(), end="")
        netns = cl.stop()
        shutil.rmtree(work, ignore_errors=True)
    left = []  # the kernel tears a namespace down once its last process has gone
    if netns and not wait_until(lambda: not processes_in(netns), 10):
        left = processes_in(netns)
    check(not left and not os.path.exists(work),
          f"cleaned up: no process left in the hosts' namespaces (so no namespace, bridge or "
          f"veth either), temporary directory removed (left: {left or 'none'})")
    print(f"multinode: {len(FAILED)} failed in {time.time() - t0:.0f} s")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
