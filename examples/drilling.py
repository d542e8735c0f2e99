"""The paper's example: a 2-2-3-2 sigmoid network separates ten points, trained by SGD.

    python examples/drilling.py                  # 10^6 steps, plots into out/
    python examples/drilling.py --steps 200000 --seed 7 --out pics --no-plots

Higham & Higham, "Deep Learning: An Introduction for Applied Mathematicians"
(SIAM Review 61(4), 2019), section 3 and their MATLAB code netbp: ten points
in the unit square, five of category A (target y = [1, 0]) and five of
category B (y = [0, 1]), and the network

    F(x) = sigma(W4 sigma(W3 sigma(W2 x + b2) + b3) + b4),   x in R^2,

with layers of 2, 2, 3 and 2 neurons and the sigmoid sigma on every layer,
weights and biases drawn from 0.5 * N(0, 1). Training is the paper's
stochastic gradient method: at every step one sample i is drawn uniformly with
replacement and every parameter p moves by -eta * d/dp (1/2) ||y_i - F(x_i)||^2,
with eta = 0.05: the step of the paper's MATLAB code netbp, whose output delta
is sigma'(z) * (a - y).

Back propagation in the paper's names: with a[1] = x, z[l] = W[l] a[l-1] + b[l]
and a[l] = sigma(z[l]) for l = 2, 3, 4, and C = (1/2) ||y - a[4]||^2 the loss of
the one sample drawn, the paper computes
delta[4] = sigma'(z[4]) * (a[4] - y), delta[l] = sigma'(z[l]) * (W[l+1]^T delta[l+1]),
dC/dW[l] = delta[l] a[l-1]^T and dC/db[l] = delta[l]. Here nn.Linear holds W[l]
(.weight) and b[l] (.bias) and records z[l] as one matmul_add node, nn.Sigmoid
records a[l]; loss.backward() runs exactly those products (sigmoid's VJP
multiplies by sigma'(z) = a (1 - a), matmul_add's give W^T delta, delta a^T and
delta), each delta the paper's, and leaves dC/dW[l] in .weight.grad;
opt.step() is p -= eta * p.grad. The compiled loss's `.code` (squared_error in
train) shows that sweep written out: the gradients of the three matmul_add
outputs are delta[4], delta[3] and delta[2].

The cost printed and plotted is the sum of squared errors over the ten points,

    Cost = sum_i ||y_i - F(x_i)||^2,

the quantity the paper's code netbp computes and plots (the paper's formula,
Cost = (1/10) sum_i 1/2 ||y_i - F(x_i)||^2, is this divided by 20; the 5.3 and
7.3e-4 quoted below are on netbp's scale, this one).
On this scale an untrained network, which answers about [0.5, 0.5] everywhere,
starts near 10 * 2 * 0.25 = 5, the paper's 5.3. The cost is evaluated on all
ten points in one batched forward every 10^4 steps (in a run of fewer than
10^6 steps, 100 times: every steps/100).

With the default seed (0) the cost goes as the paper's does: from 5.34 to a
plateau near 5 (4.98 at 2 * 10^4 steps), down to a plateau near 2.5 (2.62 at
5 * 10^4, 2.42 at 10^5), then a sharp drop just after 10^5 steps (to 0.31 at
1.2 * 10^5 and 0.04 at 1.5 * 10^5), and on down slowly to 7.5e-4 after 10^6
steps (the paper: 5.3 to 7.3e-4), with all ten points classified correctly.
(Each of the seeds 0..14 and 21 separates the points within 10^6 steps; 0 has
the paper's start, plateau, drop and end.)

Outputs (unless --no-plots): cost.png (the cost against the step, log scale),
regions.png (where the trained network says A or B, with the ten points:
A circles, B crosses) and network.svg (the trained network drawn as the paper
draws it: neurons with their biases, weights as edges).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cli import check_seed, output_directory  # noqa: E402
from _extras import require  # noqa: E402

import autograd_mini as am  # noqa: E402
from autograd_mini import nn  # noqa: E402
from autograd_mini.creation import generator  # noqa: E402
from autograd_mini.nn import functional as F  # noqa: E402

DEFAULT_SEED = 0
DEFAULT_STEPS = 1_000_000
LEARNING_RATE = 0.05
INIT_STD = 0.5
RECORD_EVERY = 10_000

def build_network(seed: int = DEFAULT_SEED) -> nn.Sequential:
    """The paper's 2-2-3-2 network, every weight and bias drawn from 0.5 * N(0, 1).

    Seeds the library generator with `seed` first, so the network and the
    samples `train` draws afterwards are both fixed by the seed.
    """
    am.manual_seed(seed)
    net = nn.Sequential(
        nn.Linear(2, 2), nn.Sigmoid(),
        nn.Linear(2, 3), nn.Sigmoid(),
        nn.Linear(3, 2), nn.Sigmoid(),
    )
    for p in net.parameters():
        nn.init.normal_(p, std=INIT_STD)
    return net


@am.no_grad()
def cost(net: nn.Module, X: np.ndarray, Y: np.ndarray) -> float:
    """sum_i ||y_i - F(x_i)||^2 over the rows of X (N, 2) and Y (N, 2), one batched forward."""
    return float(((net(am.tensor(X)) - Y) ** 2).sum().item())


@am.no_grad()
def classify(net: nn.Module, X: np.ndarray) -> np.ndarray:
    """Category of each row of X (N, 2): 0 (A) where F(x)_1 > F(x)_2, else 1 (B)."""
    out = net(am.tensor(X)).numpy()
    return (out[:, 1] >= out[:, 0]).astype(int)


def n_correct(net: nn.Module, X: np.ndarray, Y: np.ndarray) -> int:
    """How many of the points X (N, 2) the network puts in their category (Y one-hot (N, 2))."""
    return int((classify(net, X) == Y.argmax(axis=1)).sum())


def train(
    net: nn.Module,
    X: np.ndarray,
    Y: np.ndarray,
    steps: int,
    lr: float = LEARNING_RATE,
    record_every: int = RECORD_EVERY,
    on_record: Callable[[int, float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Single-sample SGD on (1/2) ||y_i - F(x_i)||^2 for `steps` steps; returns the cost history.

    Sample indices are drawn uniformly with replacement from the library
    generator (seeded by `build_network`). The cost over all points is recorded
    at step 0 and every `record_every` steps (and at the last step); after each
    record `on_record(step, cost)` is called (a progress bar, say).
    Returns (recorded steps, costs), two 1-D arrays of the same length.
    """
    if steps < 0 or record_every < 1:
        raise ValueError(f"train: need steps >= 0 and record_every >= 1, got {steps} and {record_every}")
    # Per-sample tensors made once, and every index drawn up front: the loop
    # below is then only the forward, the backward and the update.
    xs = [am.tensor(x) for x in X]
    ys = [am.tensor(y) for y in Y]
    picks = generator().integers(0, len(X), size=steps).tolist()
    opt = am.optim.SGD(net.parameters(), lr=lr)
    # The network is tiny, so a step is mostly Python: am.compile records the
    # loss's primitives once and then replays them as straight-line code
    # (the same numbers, bit for bit, in about half the time: see the W1 rows of
    # benchmarks/bench_training.py).
    squared_error = am.compile(lambda x, y: 0.5 * F.mse_loss(net(x), y, reduction="sum"))

    recorded, costs = [0], [cost(net, X, Y)]
    for start in range(0, steps, record_every):
        for i in picks[start:start + record_every]:
            opt.zero_grad()
            loss = squared_error(xs[i], ys[i])
            loss.backward()
            opt.step()
        step = min(start + record_every, steps)
        recorded.append(step)
        costs.append(cost(net, X, Y))
        if on_record is not None:
            on_record(step, costs[-1])
    return np.array(recorded), np.array(costs)


# -- pictures ------------------------------------------------------------------------


def plot_cost(steps: np.ndarray, costs: np.ndarray, path: Path) -> Path:
    """The cost history on a log scale, as the paper's figure of it."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(steps, costs, color="#b2182b", lw=1.5)
    ax.set_xlabel("SGD step")
    ax.set_ylabel(r"Cost $= \sum_i \|y_i - F(x_i)\|^2$")
    ax.set_title(f"2-2-3-2 sigmoid network, single-sample SGD, $\\eta = {LEARNING_RATE}$")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_regions(net: nn.Module, X: np.ndarray, Y: np.ndarray, path: Path, n: int = 400) -> Path:
    """Where the network says A or B on a grid over [0, 1]^2, with the data points."""
    plt = _pyplot()
    from matplotlib.colors import ListedColormap

    u = np.linspace(0.0, 1.0, n)
    g1, g2 = np.meshgrid(u, u)
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    labels = classify(net, grid).reshape(n, n)

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.pcolormesh(g1, g2, labels, cmap=ListedColormap(["#d1e5f0", "#fddbc7"]), shading="auto",
                  vmin=0, vmax=1)
    a, b = Y[:, 0] == 1, Y[:, 1] == 1
    ax.scatter(X[a, 0], X[a, 1], s=90, facecolors="none", edgecolors="#2166ac", linewidths=2,
               label="category A")
    ax.scatter(X[b, 0], X[b, 1], s=90, marker="x", color="#b2182b", linewidths=2, label="category B")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("classified regions: A (blue), B (red)")
    ax.legend(loc="upper left", framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _pyplot():  # noqa: ANN202 (matplotlib.pyplot)
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    return plt


def write_pictures(net: nn.Module, X: np.ndarray, Y: np.ndarray, steps: np.ndarray,
                   costs: np.ndarray, out: Path) -> list[Path]:
    """cost.png, regions.png and network.svg (the last needs Graphviz's `dot`) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written = [plot_cost(steps, costs, out / "cost.png"), plot_regions(net, X, Y, out / "regions.png")]
    try:
        written.append(Path(am.viz.render(am.viz.draw_network(net, input_size=(1, 2)),
                                          out / "network.svg")))
    except am.viz.GraphvizNotFound as e:
        print(f"skipped network.svg: {e}")
    return written


# -- the command -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                        help=f"SGD steps (default {DEFAULT_STEPS:,}); the cost is recorded every "
                             f"{RECORD_EVERY:,} steps, or 100 times in a shorter run")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"seed of the weights and the samples (default {DEFAULT_SEED})")
    parser.add_argument("--out", default="out", help="output directory (default: out/)")
    parser.add_argument("--no-plots", action="store_true", help="write no pictures")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps must be positive, got {args.steps}")
    check_seed(parser, args.seed)
    # the optional packages now, not after the training
    tqdm = require("tqdm").tqdm
    if not args.no_plots:
        require("matplotlib")
    out = None if args.no_plots else output_directory(parser, args.out)

    X, Y = am.data.higham_drilling()
    net = build_network(args.seed)
    # Record every 10^4 steps, or 100 times in a shorter run.
    record_every = max(1, min(RECORD_EVERY, args.steps // 100))
    print(f"2-2-3-2 sigmoid network, seed {args.seed}, {args.steps:,} SGD steps, lr {LEARNING_RATE}")

    with tqdm(total=args.steps, unit="step", unit_scale=True, smoothing=0.1) as bar:
        def progress(step: int, c: float) -> None:
            bar.set_postfix(cost=f"{c:.3g}", refresh=False)
            bar.update(step - bar.n)

        t0 = time.perf_counter()
        steps, costs = train(net, X, Y, args.steps, record_every=record_every, on_record=progress)
        elapsed = time.perf_counter() - t0

    print(f"time: {elapsed:.1f} s ({args.steps / elapsed:,.0f} steps/s)")
    # the cost at the recorded steps nearest 10^4, 10^5, ... (the log scale of the paper's figure)
    marks = sorted({int(steps[np.searchsorted(steps, 10**k)]) for k in range(4, 7) if 10**k < args.steps})
    along = "".join(f", step {m:,} {costs[steps == m][0]:.3g}" for m in marks)
    print(f"cost: start {costs[0]:.3g}{along}, final {costs[-1]:.3g}")
    print(f"classified correctly: {n_correct(net, X, Y)} of {len(X)} points")

    if not args.no_plots:
        for path in write_pictures(net, X, Y, steps, costs, out):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
