#!/usr/bin/python3
"""measure_lost.py RICHLAZY [REPEATS]: compute lost per interruption (not a test; by hand).

For one item of each configuration below, with the default checkpoint interval (60 s):
  graceful  SIGTERM in the middle of training (what SLURM's warning, a requeue or a
            preemption does), then a rerun: lost = CPU(stopped run + rerun) - CPU(one run).
            It is the set-up a rerun repeats (process and MPI start, task and W(0), the
            initial measures), the iteration under way and the checkpoint write.
  hard      kill -9 (node failure, out of memory): the same plus the training since the
            last checkpoint, which is up to the interval (60 s) and half of it on average;
            that part is stated, not measured (an item would have to run for minutes).
CPU seconds of the whole process tree, so a busy machine does not inflate the figures.
"""
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXE = os.path.abspath(sys.argv[1])
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")
ENV.pop("RICHLAZY_FAKE_RUNNER", None)
CONFIGS = {  # name -> (params, what it stands for)
    "quick": ("model.hidden: 100\n  init: {kind: svd, rank: 10, gain: 1.25}\n"
              "  train: {optimizer: sgd, lr: 0.003, momentum: 0.9, iterations: 3000, batch: 32, "
              "curve_every: 50}\n  probe: {trials: 320, kernel_trials: 32}",
              "sweeps/quick.yaml's setting, 3000 iterations"),
    "smnist": ("task.name: smnist\n  model.hidden: 300\n  init: {kind: svd, rank: 30, gain: 1.25}\n"
               "  train: {optimizer: sgd, lr: 0.003, momentum: 0.9, iterations: 12, batch: 200, "
               "curve_every: 1}\n  probe: {trials: 200, kernel_trials: 200}",
               "sweeps/fig1_smnist.yaml's setting, 12 of its 10000 iterations"),
}


def cpu_of(argv, stop_after=None):
    """(CPU seconds of the run and its children, exit status, stderr); SIGTERM once
    `stop_after` seconds have passed since its first progress line (training has begun)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(argv, env=ENV, stdout=subprocess.DEVNULL, stderr=err)
        if stop_after is not None:
            while p.poll() is None:
                err.seek(0)
                if "finished (" in err.read():
                    break
                time.sleep(0.01)
            time.sleep(stop_after)
            p.send_signal(signal.SIGTERM)
        p.wait()
        err.seek(0)
        text = err.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            p.returncode, text)


def item_timing(nc):
    """(measure seconds, train seconds) of the one item of a cube, from the cube itself."""
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "import sys, xarray; d = xarray.open_dataset(sys.argv[1]); "
                        "print(float(d.measure_seconds.values.ravel()[0]), "
                        "float(d.train_seconds.values.ravel()[0]))", nc],
                       capture_output=True, text=True, check=True)
    return tuple(float(x) for x in r.stdout.split())


def measure(work, name, params):
    spec = os.path.join(work, name + ".yaml")
    with open(spec, "w") as f:
        f.write(f"name: lost-{name}\nseed: 1\naxes:\n  seed: [0]\nparams:\n  {params}\n")
    run = lambda out: [EXE, "run", spec, "-o", out, "--progress-every", "1000"]  # noqa: E731
    lost = []
    for k in range(REPEATS):
        one = os.path.join(work, f"{name}{k}.nc")
        cpu_one, rc, _ = cpu_of(run(one))
        assert rc == 0, "uninterrupted run failed"
        meas, train = item_timing(one)
        two = os.path.join(work, f"{name}{k}s.nc")
        cpu_a, rc_a, _ = cpu_of(run(two), stop_after=meas / 2 + train / 2)
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
        for name, (params, what) in CONFIGS.items():
            mean, worst = measure(work, name, params)
            print(f"{name} ({what}): a graceful stop costs {mean:.2f} CPU s per running item "
                  f"(worst of {REPEATS}: {worst:.2f} s); a hard kill adds the training since "
                  f"the last checkpoint: up to 60 s, 30 s on average", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
