"""Per-operation overhead: autograd_mini against hand-written numpy and PyTorch.

Two workloads, timed side by side in one process (rows interleaved, medians):

* (a) `((x*y + x).tanh() * y).sum()` forward and backward on float64 (4,)
  vectors: a handful of ops, so the cost is the engine's fixed overhead.
* (b) a chain of `a = tanh(0.5*a + 0.1)` on a float64 (8,) vector, forward
  and backward, at depths 2,000 and 20,000: the time per op must not grow
  with depth (no recursion, no quadratic bookkeeping).

The hand-written numpy references are benchmarks/numpy_reference.py; for (b)
there are two: the same computation with its backward written step by step
(`g = g * 0.5 * (1 - a_k**2)` for each k), and the reference's vectorised
backward, which uses the chain's diagonal Jacobian to replace the n-step loop
by one product (a shortcut no general engine can take).

    python -m benchmarks.bench_overhead [--quick]

Targets: (a) at most 4x hand-written numpy; (b) at most 4x hand-written numpy
per op, flat from depth 2,000 to 20,000.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import autograd_mini as am
from benchmarks import numpy_reference as ref
from benchmarks import timing
from benchmarks import torch_reference as tref

TARGET = 4.0
OURS = "autograd_mini"


def ours_expr(state: ref.ExprState):
    x = am.tensor(state.x, requires_grad=True)
    y = am.tensor(state.y, requires_grad=True)

    def step() -> float:
        x.grad = y.grad = None
        loss = ((x * y + x).tanh() * y).sum()
        loss.backward()
        return loss.item()

    return step


def numpy_chain_loop(a0: np.ndarray, n: int) -> tuple[float, np.ndarray]:
    """The chain by hand, backward step by step: g_k = g_{k+1} * 0.5 * (1 - a_{k+1}**2)."""
    outputs = []
    a = a0
    for _ in range(n):
        a = np.tanh(0.5 * a + 0.1)
        outputs.append(a)
    g = np.ones_like(a)
    for a in reversed(outputs):
        g = g * (0.5 * (1.0 - a * a))
    return float(outputs[-1].sum()), g


def ours_chain(a0: np.ndarray, n: int):
    a0 = am.tensor(a0, requires_grad=True)

    def step() -> float:
        a0.grad = None
        a = a0
        for _ in range(n):
            a = (0.5 * a + 0.1).tanh()
        loss = a.sum()
        loss.backward()
        return loss.item()

    return step


def run_expr(repeat: int, min_time: float) -> float:
    state = ref.make_expr()
    rows = {"numpy (by hand)": lambda: ref.expr_step(state), OURS: ours_expr(state)}
    if tref.available():
        tstate = tref.make_expr()
        rows["torch"] = lambda: tref.expr_step(tstate)
    times = timing.interleaved_medians(rows, repeat, min_time)
    table = [(k, t, TARGET) if k == OURS else (k, t) for k, t in times.items()]
    timing.print_table("(a) ((x*y + x).tanh() * y).sum(), forward + backward, (4,) float64 "
                       "(median per step)", table, "numpy (by hand)")
    print()
    return times[OURS] / times["numpy (by hand)"]


def run_chain(depth: int, repeat: int, min_time: float) -> tuple[float, float]:
    """Time the chain at `depth`; return (our ratio to the step-by-step numpy, our time per op)."""
    a0 = ref.make_chain()
    ops = ref.CHAIN_OPS_PER_STEP * depth
    rows = {
        "numpy (by hand, step-by-step backward)": lambda: numpy_chain_loop(a0, depth),
        "numpy (by hand, vectorised backward)": lambda: ref.chain_step(a0, depth),
        OURS: ours_chain(a0, depth),
    }
    if tref.available():
        t0 = tref.make_chain()
        rows["torch"] = lambda: tref.chain_step(t0, depth)
    times = timing.interleaved_medians(rows, repeat, min_time)
    per_op = {k: t / ops for k, t in times.items()}
    base = "numpy (by hand, step-by-step backward)"
    table = [(k, t, TARGET) if k == OURS else (k, t) for k, t in per_op.items()]
    timing.print_table(f"(b) chain a = tanh(0.5*a + 0.1), depth {depth:,} ({ops:,} ops), (8,) float64 "
                       "(median per op)", table, base)
    print()
    return per_op[OURS] / per_op[base], per_op[OURS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    args = parser.parse_args(argv)
    repeat, min_time = (5, 0.1) if args.quick else (11, 0.3)
    print(f"numpy {np.__version__}; torch: {'yes' if tref.available() else 'not installed'}; "
          f"rounds: {repeat}\n")
    a = run_expr(repeat, min_time)
    (b_short, op_short), (b_long, op_long) = (
        run_chain(d, max(3, repeat // 2), min_time) for d in (2_000, 20_000)
    )
    growth = op_long / op_short
    print("Summary")
    print(f"  (a)            {a:5.2f}x numpy  target <= {TARGET:g}x  {'ok' if a <= TARGET else 'MISS'}")
    for depth, r in ((2_000, b_short), (20_000, b_long)):
        print(f"  (b) {depth:>6,}     {r:5.2f}x numpy  target <= {TARGET:g}x  {'ok' if r <= TARGET else 'MISS'}")
    print(f"  (b) per-op time at depth 20,000 / depth 2,000: {growth:.2f} (flat is 1.00)")
    return 0 if max(a, b_short, b_long) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
