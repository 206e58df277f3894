"""PyTorch reference for richlazy's RNN (Eq. 1 with rho = 0), written the way a
competent PyTorch user would write the authors' model: nn.RNN(relu, no bias) —
PyTorch's fused recurrent kernel — plus a bias-free linear readout at every step,
cross-entropy over every step, SGD with momentum. One thread (torch.set_num_threads(1),
and OPENBLAS_NUM_THREADS=1 unless the caller set it), as richlazy runs one BLAS thread
per MPI rank.

  torch_rnn.py agree FIXTURE.nc    replay richlazy's batches from the same initial
                                   weights; the losses must agree (exit 1 otherwise)
  torch_rnn.py bench N B T NIN NOUT SECONDS
                                   print `iterations_per_second: X` for that configuration
"""
import os
import sys
import time

# torch.set_num_threads(1) does not bound OpenBLAS's own thread pool (PyTorch then used
# ~180% CPU here), and the pool is sized when torch loads libopenblas: set it first.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402


class RNN(torch.nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.rnn = torch.nn.RNN(n_in, n_hidden, nonlinearity="relu", bias=False)
        self.out = torch.nn.Linear(n_hidden, n_out, bias=False)

    def forward(self, x):  # x: (T, B, n_in) -> (T, B, n_out)
        h, _ = self.rnn(x)
        return self.out(h)


def step(model, opt, x, y, loss_fn):
    opt.zero_grad(set_to_none=True)
    out = model(x)
    loss = loss_fn(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    loss.backward()
    opt.step()
    return loss.item()


def agree(path):
    import netCDF4
    import numpy as np

    ds = netCDF4.Dataset(path)
    W_h, W_x, w = (torch.tensor(np.array(ds[v][:])) for v in ("W_h", "W_x", "w"))
    model = RNN(W_x.shape[1], W_h.shape[0], w.shape[0])
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(W_h)
        model.rnn.weight_ih_l0.copy_(W_x)
        model.out.weight.copy_(w)
    opt = torch.optim.SGD(model.parameters(), lr=float(ds.lr), momentum=float(ds.momentum))
    loss_fn = torch.nn.CrossEntropyLoss()
    xs, labels, want = np.array(ds["x"][:]), np.array(ds["label"][:]), np.array(ds["loss"][:])
    worst = 0.0
    for it in range(len(want)):
        got = step(model, opt, torch.tensor(xs[it]), torch.tensor(labels[it]).long(), loss_fn)
        rel = abs(got - want[it]) / abs(want[it])
        worst = max(worst, rel)
        print(f"iteration {it}: richlazy {want[it]:.7f} pytorch {got:.7f} rel. diff {rel:.2e}")
    tol = 1e-5
    ok = worst <= tol
    print(f"{'ok  ' if ok else 'FAIL'}: losses agree with PyTorch within {tol:g} relative (worst {worst:.2e})")
    return 0 if ok else 1


def bench(n, b, t, n_in, n_out, seconds):
    torch.manual_seed(0)
    model = RNN(n_in, n, n_out)
    opt = torch.optim.SGD(model.parameters(), lr=0.003, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.randn(t, b, n_in)
    y = torch.randint(0, n_out, (t, b))
    for _ in range(5):
        step(model, opt, x, y, loss_fn)
    iters, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step(model, opt, x, y, loss_fn)
        iters += 1
    print(f"iterations_per_second: {iters / (time.perf_counter() - t0):.1f}")
    return 0


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) == 3 and sys.argv[1] == "agree":
        sys.exit(agree(sys.argv[2]))
    if len(sys.argv) == 8 and sys.argv[1] == "bench":
        a = sys.argv[2:]
        sys.exit(bench(int(a[0]), int(a[1]), int(a[2]), int(a[3]), int(a[4]), float(a[5])))
    print(__doc__)
    sys.exit(2)
