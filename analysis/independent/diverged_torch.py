#!/usr/bin/python3
"""diverged_torch.py DUMP.nc: does PyTorch diverge from the same W(0) as a diverged richlazy item?

An sMNIST item that richlazy reports as diverged at step 1 or 2 (fig1_smnist: rank 5 at
Frobenius matching, N 300, gain 1.25) is either our bug or the configuration's nature. This
reads the item's initial weights and probe set from `richlazy train SPEC --item I --dump
DUMP.nc` and, in PyTorch, written from the paper's equations (h_t = relu(W_h h_{t-1} + W_x x_t),
readout at the last step, cross-entropy), prints W_h(0)'s singular values, the initial probe
loss (compare richlazy's `initial_loss`), and three plain SGD steps at lr 0.003 on the probe
batch with no clipping, as the authors' script trains. Example (README: Dump files):

    richlazy train sweeps/fig1_smnist.yaml --item 8 --set train.iterations=1 --dump /tmp/i8.nc
    /usr/bin/python3 analysis/independent/diverged_torch.py /tmp/i8.nc

Only for tau 0 (no leak) and no biases, as the fig1 specs use.
"""
import sys

import netCDF4
import torch


def main(path):
    d = netCDF4.Dataset(path)
    assert float(d.getncattr("param.model.tau")) == 0, "this check is written for tau 0"
    params = [torch.tensor(d[v][:]) for v in ("W_h_init", "W_x_init", "w_init")]
    x = torch.tensor(d["probe_x"][:])
    y = torch.tensor(d["probe_y"][:]).long()
    steps, trials, _ = x.shape
    print("largest singular values of W_h(0):",
          " ".join(f"{s:.2f}" for s in torch.linalg.svdvals(params[0])[:6]))
    params = [p.clone().requires_grad_(True) for p in params]
    for step in range(3):
        h = torch.zeros(trials, params[0].shape[0])
        for t in range(steps):
            h = torch.relu(h @ params[0].T + x[t] @ params[1].T)
        loss = torch.nn.functional.cross_entropy(h @ params[2].T, y[steps - 1])
        grads = torch.autograd.grad(loss, params)
        print(f"SGD step {step}: probe loss {loss.item():.6g}, |h_T| max {h.abs().max():.3g}, "
              f"|dL/dW_h| {grads[0].norm():.3g}")
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= 0.003 * g


if __name__ == "__main__":
    main(sys.argv[1])
