"""A small convolutional network learns scikit-learn's 8x8 handwritten digits.

    python examples/digits_cnn.py                    # trains, plots into out/
    python examples/digits_cnn.py --epochs 5 --seed 1 --out pics --no-plots

The 1,797 images (1 x 8 x 8, grey levels in [0, 1]) are split once, with a
fixed seed, into 75% training and 25% test images, stratified by class. The
network

    Conv2d(1->32, 3x3, pad 1) -> ReLU -> MaxPool 2x2     (32, 4, 4)
    Conv2d(32->64, 3x3, pad 1) -> ReLU -> MaxPool 2x2    (64, 2, 2)
    Flatten -> Linear(256 -> 10)                          class scores

is trained with Adam on the mean cross-entropy of minibatches of 16, the
learning rate falling from 3e-3 along a cosine that reaches 0 after the last epoch. After
each epoch the test accuracy is measured; the end shows a confusion matrix
(rows: true digit, columns: predicted) and the model's summary.

The seed picks the split, the initial weights and the batches. Over seeds 0 to 11
the final test accuracy ranged from 98.2% to 99.8% (mean 98.7%; the default
seed: 99.3%). With half the channels (16 and 32) it ranged from 97.3% to 99.6%,
below 98% for one seed of twelve, so the network is this wide; it trains in
about 3 s.

Outputs: curves.png (training loss and test accuracy per epoch, unless
--no-plots) and digits_cnn.npz, the trained weights (`am.load` and
`model.load_state_dict` read them back).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# The matrices here are small (batches of 16 images of 8 x 8): a second BLAS
# thread adds only synchronisation, and on a busy machine it waits for a busy
# core. Measured on this project's 2-core machine with another process running:
# 20 epochs in 5 s on one thread, 57-61 s on two. Set before numpy loads BLAS;
# a value the user exported is kept.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cli import check_seed, output_directory  # noqa: E402
from _extras import require  # noqa: E402

import autograd_mini as am  # noqa: E402
from autograd_mini import nn  # noqa: E402
from autograd_mini.nn import functional as F  # noqa: E402

DEFAULT_SEED = 1
DEFAULT_EPOCHS = 20
BATCH_SIZE = 16
LEARNING_RATE = 3e-3

def build_model(seed: int = DEFAULT_SEED) -> nn.Sequential:
    """conv -> ReLU -> pool -> conv -> ReLU -> pool -> linear: (N, 1, 8, 8) -> (N, 10) scores."""
    am.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 2 * 2, 10),
    )


def load_split(seed: int = DEFAULT_SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, X_test, y_train, y_test): images (N, 1, 8, 8) and labels (N,), 25% for testing."""
    X, y = am.data.load_digits()
    return am.data.split(X, y, test_fraction=0.25, seed=seed, stratify=True)


def train_step(model: nn.Module, opt: am.optim.Optimizer, xb: am.Tensor, yb: am.Tensor) -> float:
    """One Adam step on the mean cross-entropy of the batch xb (B, 1, 8, 8), yb (B,); returns the loss."""
    opt.zero_grad()
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    return loss.item()


@am.no_grad()
def predict(model: nn.Module, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Predicted digits (N,) for images X (N, 1, 8, 8), in eval mode, in large batches."""
    model.eval()
    preds = [model(am.tensor(X[i:i + batch_size])).numpy().argmax(axis=1)
             for i in range(0, len(X), batch_size)]
    model.train()
    return np.concatenate(preds)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n: int = 10) -> np.ndarray:
    """counts[t, p]: how many images of digit t were predicted as p."""
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def format_confusion(counts: np.ndarray) -> str:
    """The confusion matrix as a plain-text table, with per-digit accuracy."""
    n = len(counts)
    lines = ["true \\ pred " + "".join(f"{p:>5}" for p in range(n)) + "   recall"]
    for t in range(n):
        recall = counts[t, t] / max(1, counts[t].sum())
        lines.append(f"{t:>11} " + "".join(f"{c:>5}" if c else "    ." for c in counts[t])
                     + f"   {recall:6.1%}")
    return "\n".join(lines)


def plot_curves(losses: list[float], accuracies: list[float], path: Path) -> Path:
    """Training loss (left axis, log scale) and test accuracy (right axis) per epoch."""
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = np.arange(1, len(losses) + 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(epochs, losses, "o-", color="#b2182b", label="training loss")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("mean cross-entropy (training)", color="#b2182b")
    acc = ax.twinx()
    acc.plot(epochs, np.array(accuracies) * 100, "s-", color="#2166ac", label="test accuracy")
    acc.set_ylabel("test accuracy (%)", color="#2166ac")
    acc.set_ylim(min(90.0, 100 * min(accuracies)) - 1, 100.5)
    ax.set_title("8x8 digits, small CNN, Adam")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"passes over the training images (default {DEFAULT_EPOCHS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"seed of the split, the weights and the batches (default {DEFAULT_SEED})")
    parser.add_argument("--out", default="out", help="output directory (default: out/)")
    parser.add_argument("--no-plots", action="store_true", help="write no curves")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be positive, got {args.epochs}")
    check_seed(parser, args.seed)
    # the optional packages now, not after the training
    tqdm = require("tqdm").tqdm
    require("sklearn", "scikit-learn")  # (am.data.load_digits would raise an ImportError naming the extra)
    if not args.no_plots:
        require("matplotlib")
    out = output_directory(parser, args.out)

    X_train, X_test, y_train, y_test = load_split(args.seed)
    model = build_model(args.seed)
    opt = am.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = am.optim.CosineAnnealingLR(opt, T_max=args.epochs)
    loader = am.data.DataLoader(X_train, y_train, batch_size=BATCH_SIZE, seed=args.seed)
    print(f"{len(X_train)} training and {len(X_test)} test images, {args.epochs} epochs, "
          f"batches of {BATCH_SIZE}, Adam lr {LEARNING_RATE}, seed {args.seed}")

    losses, accuracies = [], []
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        with tqdm(loader, desc=f"epoch {epoch:>2}/{args.epochs}", unit="batch", leave=False) as bar:
            for xb, yb in bar:
                loss = train_step(model, opt, xb, yb)
                total += loss * len(xb)
                bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
        schedule.step()
        losses.append(total / len(X_train))
        accuracies.append(float((predict(model, X_test) == y_test).mean()))
        print(f"epoch {epoch:>2}: training loss {losses[-1]:.4f}, test accuracy {accuracies[-1]:.2%} "
              f"({time.perf_counter() - t0:.1f} s)")
    elapsed = time.perf_counter() - t0

    counts = confusion_matrix(y_test, predict(model, X_test))
    print(f"\ntrained in {elapsed:.1f} s; test accuracy {accuracies[-1]:.2%} "
          f"({np.trace(counts)} of {len(y_test)})\n")
    print(format_confusion(counts))
    print()
    print(nn.summary(model, input_size=(1, 1, 8, 8)))

    weights = out / "digits_cnn.npz"
    am.save(model.state_dict(), weights)
    print(f"\nwrote {weights}")
    if not args.no_plots:
        print(f"wrote {plot_curves(losses, accuracies, out / 'curves.png')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
