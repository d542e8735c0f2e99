"""Training-step benchmark: autograd_mini against hand-written numpy and PyTorch.

One process times, side by side, one training step of

* W1: the paper's 2-2-3-2 sigmoid network on one sample, cost 0.5 ||a - y||^2
  (float64), SGD;
* W2: an MLP 784-256-256-10 with ReLU on a batch of 128 (float32),
  cross-entropy, SGD;
* W3: a CNN on (64, 1, 28, 28) float32 images: conv 1->8 3x3 pad 1, ReLU,
  max-pool 2; conv 8->16 3x3 pad 1, ReLU, max-pool 2; linear 784->10;
  cross-entropy, SGD;

and reports W3's peak memory at batch 256. Our column is written the way a
user writes it (am.nn modules, F losses, loss.backward(), optim.SGD's step
and zero_grad); the numpy column is benchmarks/numpy_reference.py (an expert's
forward and backward by hand); the torch column is benchmarks/torch_reference.py
when torch is installed. Every model starts from the numpy reference's
parameters, and the losses of their first steps are compared before timing
(so every row takes the same step, update included). W1 also
has a "bare tape" row (benchmarks/bare_tape.py): a minimal Python engine that
records the step's nine operations and replays them backwards, with nothing
else; a floor under the eager row.

    python -m benchmarks.bench_training [--quick] [--only W1,W3] [--clock cpu|wall]

Ratios are to the hand-written numpy step (for W3 to the faster of its two
layouts): the ratio of the medians, and in brackets the range (interquartile,
from 8 rounds on) of the ratios within single rounds, which shows how far a
verdict can be trusted on a loaded machine. Steps are timed by the process's
CPU time (with one thread, the default): another job on the machine then
slows no row by taking its core away, only through shared caches; --clock
wall times by the wall clock. Targets: W1 <= 3x, W2 <= 1.15x, W3 <= 1x, W3
peak memory at batch 256 <= 80 MiB. Each workload is also timed with its loss function
am.compile'd (a replayed tape; the class labels are an argument).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from benchmarks import bare_tape
from benchmarks import numpy_reference as ref
from benchmarks import timing
from benchmarks import torch_reference as tref

TARGETS = {"W1": 3.0, "W2": 1.15, "W3": 1.0}
MEMORY_TARGET_MIB = 80.0
OURS = "autograd_mini"
OURS_COMPILED = "autograd_mini, am.compile"


@dataclass
class Result:
    """The verdict of one workload: our ratio to numpy against its target."""

    workload: str
    ratio: float
    target: float

    @property
    def ok(self) -> bool:
        return self.ratio <= self.target


# -- our models, loaded with the numpy reference's parameters -----------------------


def _load(model: nn.Module, params: list[np.ndarray]) -> None:
    """Copy `params` (PyTorch order and layout) into the model's parameters."""
    ours = list(model.parameters())
    if [p.shape for p in ours] != [q.shape for q in params]:
        raise ValueError(f"bench: parameter shapes differ: {[p.shape for p in ours]} vs {[q.shape for q in params]}")
    for p, value in zip(ours, params):
        p.data[...] = value


def make_w1(seed: int = 0, compiled: bool = False) -> Callable[[], float]:
    """The paper's network as am.nn layers; returns one SGD step (cost 0.5 ||a3 - y||^2).

    With `compiled`, the cost function is am.compile'd: the step replays its tape.
    """
    state = ref.make_w1(seed)
    model = nn.Sequential(
        nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid()
    )
    flat = [a for w, b in zip(state.weights, state.biases) for a in (w, b)]
    _load(model, flat)
    opt = am.optim.SGD(model.parameters(), lr=float(state.lr))
    x, y = am.tensor(state.x), am.tensor(state.y)

    def cost_of(x: am.Tensor, y: am.Tensor) -> am.Tensor:
        return 0.5 * F.mse_loss(model(x), y, reduction="sum")

    cost_fn = am.compile(cost_of) if compiled else cost_of

    def step() -> float:
        opt.zero_grad()
        cost = cost_fn(x, y)
        cost.backward()
        opt.step()
        return cost.item()

    return step


def _classifier_step(model: nn.Module, state: ref.W2State | ref.W3State, compiled: bool) -> Callable[[], float]:
    model.to(np.float32)
    _load(model, state.params)
    opt = am.optim.SGD(model.parameters(), lr=state.lr)
    x, labels = am.tensor(state.x), state.labels

    def loss_of(x: am.Tensor, labels: np.ndarray) -> am.Tensor:
        return F.cross_entropy(model(x), labels)

    loss_fn = am.compile(loss_of) if compiled else loss_of

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(x, labels)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def make_w2(seed: int = 0, compiled: bool = False) -> Callable[[], float]:
    """The 784-256-256-10 ReLU MLP (float32, batch 128); returns one SGD step."""
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    return _classifier_step(model, ref.make_w2(seed), compiled)


def w3_model() -> nn.Module:
    """conv 1->8, ReLU, pool; conv 8->16, ReLU, pool; linear 784->10."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(784, 10),
    )


def make_w3(seed: int = 0, batch: int = 64, compiled: bool = False) -> Callable[[], float]:
    """The CNN on (batch, 1, 28, 28) float32 images; returns one SGD step."""
    return _classifier_step(w3_model(), ref.make_w3(seed, batch), compiled)


# -- the rows of each workload ---------------------------------------------------------


def _numpy_step(step: Callable, state: object) -> Callable[[], float]:
    return lambda: step(state)


def w1_rows(seed: int) -> dict[str, Callable[[], object]]:
    rows = {"numpy (by hand)": _numpy_step(ref.w1_step, ref.make_w1(seed)),
            "bare tape (by hand)": bare_tape.make_w1_bare(ref.make_w1(seed)),
            OURS: make_w1(seed), OURS_COMPILED: make_w1(seed, compiled=True)}
    if tref.available():
        rows["torch"] = _numpy_step(tref.w1_step, tref.make_w1(seed))
    return rows


def w2_rows(seed: int) -> dict[str, Callable[[], object]]:
    rows = {"numpy (by hand)": _numpy_step(ref.w2_step, ref.make_w2(seed)), OURS: make_w2(seed),
            OURS_COMPILED: make_w2(seed, compiled=True)}
    if tref.available():
        rows["torch"] = _numpy_step(tref.w2_step, tref.make_w2(seed))
    return rows


def w3_rows(seed: int, batch: int = 64) -> dict[str, Callable[[], object]]:
    rows = {
        "numpy NHWC (by hand)": _numpy_step(ref.w3_step_nhwc, ref.make_w3(seed, batch)),
        "numpy NCHW (by hand)": _numpy_step(ref.w3_step_nchw, ref.make_w3(seed, batch)),
        OURS: make_w3(seed, batch),
        OURS_COMPILED: make_w3(seed, batch, compiled=True),
    }
    if tref.available():
        rows["torch"] = _numpy_step(tref.w3_step, tref.make_w3(seed, batch))
    return rows


WORKLOADS = {
    "W1": ("W1: paper's 2-2-3-2 sigmoid net, 1 sample, float64", w1_rows),
    "W2": ("W2: MLP 784-256-256-10 ReLU, batch 128, float32", w2_rows),
    "W3": ("W3: CNN conv8-pool-conv16-pool-fc, batch 64, float32", w3_rows),
}


CHECK_STEPS = 3
"""Steps whose losses every row must share before timing: the first checks the
forward, the later ones the gradients and the update that the earlier steps applied."""


def _check_losses(name: str, rows: dict[str, Callable[[], object]], steps: int = CHECK_STEPS) -> None:
    """Run each row's first `steps` steps and require the same losses (the rows start identical).

    The first loss alone would pass a row whose backward or update is wrong (or
    missing): only the losses after an update show that every row took the same step.
    """
    losses = {k: [float(fn()) for _ in range(steps)] for k, fn in rows.items()}
    first = losses[OURS]
    bad = {k: v for k, v in losses.items() if not np.allclose(v, first, rtol=1e-5, atol=1e-7)}
    if bad:
        raise SystemExit(f"{name}: losses of the first {steps} steps disagree: {losses}")


def run_workload(key: str, seed: int, repeat: int, min_time: float, clock: str = "wall") -> list[Result]:
    """Time the rows of one workload; one Result per row of ours (eager and compiled)."""
    title, make_rows = WORKLOADS[key]
    rows = make_rows(seed)
    _check_losses(key, rows)
    samples = timing.interleaved_samples(rows, repeat, min_time, timing.CLOCKS[clock])
    times = {k: statistics.median(s) for k, s in samples.items()}
    numpy_names = [k for k in times if k.startswith("numpy")]
    baseline = min(numpy_names, key=times.__getitem__)
    ours = {OURS: key, OURS_COMPILED: f"{key} compiled"}
    table = [(k, t, TARGETS[key]) if k in ours else (k, t) for k, t in times.items()]
    spreads = {k: timing.ratio_range(samples, k, baseline) for k in times}
    timing.print_table(f"{title} (median per step; ratio to {baseline}, and its spread over the rounds)",
                       table, baseline, spreads)
    print()
    return [Result(label, times[k] / times[baseline], TARGETS[key]) for k, label in ours.items() if k in times]


# -- peak memory of W3 at batch 256 ---------------------------------------------------


def run_memory(seed: int) -> Result:
    batch = ref.W3_MEMORY_BATCH
    rows: dict[str, tuple[float, str]] = {}
    for label, step, make in (
        ("numpy NHWC (by hand)", ref.w3_step_nhwc, ref.make_w3_memory),
        ("numpy NCHW (by hand)", ref.w3_step_nchw, ref.make_w3_memory),
    ):
        state = make(seed)
        step(state)  # warm-up, so lazily created state is not counted
        rows[label] = (timing.peak_memory(lambda: step(state)), "tracemalloc")
    ours = make_w3(seed, batch)
    ours()
    rows[OURS] = (timing.peak_memory(ours), "tracemalloc")
    if tref.available():
        tstate = tref.make_w3_memory(seed)
        tref.w3_step(tstate)
        rows["torch"] = (tref.peak_memory(lambda: tref.w3_step(tstate)), "torch.profiler (invisible to tracemalloc)")
    print(f"W3 peak memory of one step at batch {batch} (MiB above what was live before the step)")
    width = max(map(len, rows))
    for label, (mib, how) in rows.items():
        verdict = f"  <= {MEMORY_TARGET_MIB:g} MiB: {'ok' if mib <= MEMORY_TARGET_MIB else 'MISS'}" if label == OURS else ""
        print(f"  {label:<{width}}  {mib:6.1f} MiB  [{how}]{verdict}")
    print()
    return Result("W3 memory", rows[OURS][0] / MEMORY_TARGET_MIB, 1.0)


def _limit_threads(n: int) -> tuple[str, bool]:
    """Limit BLAS (via threadpoolctl, if installed) and torch to n threads.

    Returns a description of the result, and whether every library now runs on
    one thread (which CPU-time timing needs).
    """
    if n <= 0:
        return "library defaults", False
    try:
        import threadpoolctl
    except ImportError:
        blas, limited = "BLAS default (threadpoolctl not installed)", False
    else:
        threadpoolctl.threadpool_limits(n)
        blas, limited = f"BLAS {n}", True
    if tref.available():
        import torch

        torch.set_num_threads(n)
        blas = f"{blas}, torch {n}"
    return blas, limited and n == 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument("--only", default="W1,W2,W3", help="comma-separated workloads, e.g. W1,W3")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=1,
        help="BLAS and torch threads (default 1: steady timings on a shared machine; 0 = library defaults)",
    )
    parser.add_argument(
        "--clock", choices=sorted(timing.CLOCKS), default=None,
        help="time each step by process CPU time (default with --threads 1: a loaded machine's waits "
             "for a core are left out) or by wall time (the default with more threads)",
    )
    args = parser.parse_args(argv)
    keys = [k.strip().upper() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in keys if k not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    repeat, min_time = (5, 0.1) if args.quick else (15, 0.3)
    if args.clock == "cpu" and args.threads != 1:  # (before any library's threads change)
        parser.error("--clock cpu adds up the CPU time of all threads: it needs --threads 1")
    threads, single = _limit_threads(args.threads)
    clock = args.clock or ("cpu" if single else "wall")
    if clock == "cpu" and not single:
        parser.error(f"--clock cpu adds up the CPU time of all threads: it needs one thread ({threads})")

    # Reuse freed pages (process-wide, so every column alike): otherwise page
    # faults on fresh large temporaries dominate the big-array steps.
    kept = timing.keep_freed_memory()
    print(f"numpy {np.__version__}; torch: {'yes' if tref.available() else 'not installed'}; "
          f"threads: {threads}; clock: {'process CPU time' if clock == 'cpu' else 'wall time'}; "
          f"freed memory kept for reuse: {kept}; rounds: {repeat}\n")
    results = [r for k in keys for r in run_workload(k, args.seed, repeat, min_time, clock)]
    if "W3" in keys:
        results.append(run_memory(args.seed))

    print("Summary")
    for r in results:
        if r.workload == "W3 memory":
            print(f"  {r.workload:<11} {r.ratio * MEMORY_TARGET_MIB:7.1f} MiB  target <= {MEMORY_TARGET_MIB:g} MiB  "
                  f"{'ok' if r.ok else 'MISS'}")
        else:
            print(f"  {r.workload:<11} {r.ratio:6.2f}x numpy  target <= {r.target:g}x  {'ok' if r.ok else 'MISS'}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
