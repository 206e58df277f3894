#!/usr/bin/python3
"""measure_lost.py RICHLAZY: compute lost per interruption (not a test; run it by hand).

For one item of each configuration below, with the default checkpoint interval (60 s):
  graceful  SIGTERM in the middle of training (what SLURM's warning, a requeue or a
            preemption does), then a rerun: lost = CPU(stopped run + rerun) - CPU(one run).
            (The stopped run also checkpoints every tenth of its training, to see when
            training runs: milliseconds each, more than the default interval would cost.)
            It is the set-up a rerun repeats (process and MPI start, task and W(0), the
            initial measures), the iteration under way and the checkpoint write.
  hard      kill -9 (node failure, out of memory): the same plus the training since the
            last checkpoint, which is up to the interval (60 s) and half of it on average;
            that part is stated, not measured (an item would have to run for minutes).
CPU seconds of the whole process tree, so a busy machine does not inflate the figures.
"""
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXE = os.path.abspath(sys.argv[1])
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")
ENV.pop("RICHLAZY_FAKE_RUNNER", None)
CONFIGS = {  # name -> (params, what it stands for, repeats)
    "quick": ("model.hidden: 100\n  init: {kind: svd, rank: 10, gain: 1.25}\n"
              "  train: {optimizer: sgd, lr: 0.003, momentum: 0.9, iterations: 3000, batch: 32, "
              "curve_every: 50}\n  probe: {trials: 320, kernel_trials: 32}",
              "sweeps/quick.yaml's setting, 3000 iterations", 3),
    "smnist": ("task.name: smnist\n  model.hidden: 300\n  init: {kind: svd, rank: 30, gain: 1.25}\n"
               "  train: {optimizer: sgd, lr: 0.003, momentum: 0.9, iterations: 40, batch: 200, "
               "curve_every: 1}\n  probe: {trials: 200, kernel_trials: 200}",
               "sweeps/fig1_smnist.yaml's setting, 40 of its 10000 iterations", 2),
}


def cpu_of(argv, stop_after=None, ckpt_dir=None):
    """(CPU seconds of the run and its children, exit status, stderr); SIGTERM once
    `stop_after` seconds have passed since the first checkpoint appeared in ckpt_dir
    (so the stop lands in training, however long the measures before it take)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(argv, env=ENV, stdout=subprocess.DEVNULL, stderr=err)
        if stop_after is not None:
            while p.poll() is None and not (os.path.isdir(ckpt_dir) and
                                            any(f.endswith(".ckpt") for f in
                                                os.listdir(ckpt_dir))):
                time.sleep(0.01)
            time.sleep(stop_after)
            p.send_signal(signal.SIGTERM)
        p.wait()
        err.seek(0)
        text = err.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            p.returncode, text)


def timing(nc):
    """(measure seconds, training seconds) of the one item of a cube."""
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "import sys, xarray; d = xarray.open_dataset(sys.argv[1]); "
                        "print(*(float(d[v].values.ravel()[0]) for v in "
                        "('measure_seconds', 'train_seconds')))", nc],
                       capture_output=True, text=True, check=True)
    return tuple(float(x) for x in r.stdout.split())


def measure(work, name, params, repeats):
    iterations = int(re.search(r"iterations: (\d+)", params)[1])
    spec = os.path.join(work, name + ".yaml")
    with open(spec, "w") as f:
        f.write(f"name: lost-{name}\nseed: 1\naxes:\n  seed: [0]\nparams:\n  {params}\n")
    run = lambda out: [EXE, "run", spec, "-o", out, "--progress-every", "1000"]  # noqa: E731
    lost = []
    for k in range(repeats):
        one = os.path.join(work, f"{name}{k}.nc")
        cpu_one, rc, _ = cpu_of(run(one))
        assert rc == 0, "uninterrupted run failed"
        meas, train = timing(one)
        two = os.path.join(work, f"{name}{k}s.nc")
        # The first checkpoint (a tenth into training) says training runs; stop at ~1/2.
        early = ["--checkpoint-iters", str(iterations // 10)]
        cpu_a, rc_a, _ = cpu_of(run(two) + early, stop_after=0.4 * train,
                                ckpt_dir=two + ".ckpt")
        cpu_b, rc_b, text = cpu_of(run(two))
        assert rc_a == 3 and rc_b == 0 and "continue from their checkpoints" in text, \
            f"stop/resume went wrong ({rc_a}, {rc_b})"
        lost.append(cpu_a + cpu_b - cpu_one)
        print(f"   {name} #{k + 1}: one run {cpu_one:.2f} CPU s (measures {meas:.2f} s, "
              f"training {train:.2f} s); stopped + rerun {cpu_a + cpu_b:.2f} s -> lost "
              f"{lost[-1]:.2f} s", flush=True)
    return sum(lost) / len(lost), max(lost)


def main():
    work = tempfile.mkdtemp(prefix="rl_lost_")
    try:
        for name, (params, what, repeats) in CONFIGS.items():
            mean, worst = measure(work, name, params, repeats)
            print(f"{name} ({what}): a graceful stop costs {mean:.2f} CPU s per running item "
                  f"(worst of {repeats}: {worst:.2f} s); a hard kill adds the training since "
                  f"the last checkpoint: up to 60 s, 30 s on average", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
