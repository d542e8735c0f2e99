"""The benchmark workloads in PyTorch (CPU), as the external reference column.

Each ``make_*`` function starts from the numpy reference's ``make_*`` state
(same seed, same values) and each ``*_step`` does one step like its numpy
counterpart. torch is imported lazily, so this module imports without it;
``available()`` tells whether the column can be run. This module leaves torch's
thread settings alone; bench_training limits torch, like numpy's BLAS, to one
thread unless told otherwise (``--threads``). The tiny workloads use autograd on
leaf tensors; W2 and W3 use ``torch.nn`` layers with ``torch.optim.SGD``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from benchmarks import numpy_reference as ref

if TYPE_CHECKING:
    import torch


def available() -> bool:
    """Return True when torch can be imported (imports it)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _torch() -> Any:
    import torch

    return torch


# --------------------------------------------------------------------------
# Overhead (a) and (b).


@dataclass
class ExprState:
    """float64 leaf tensors ``x``, ``y`` of shape (4,) with ``requires_grad``."""

    x: torch.Tensor
    y: torch.Tensor


def make_expr(seed: int = 0) -> ExprState:
    """Return the numpy reference's ``x``, ``y`` as leaf tensors that require grad."""
    torch = _torch()
    state = ref.make_expr(seed)
    return ExprState(
        torch.tensor(state.x, requires_grad=True),
        torch.tensor(state.y, requires_grad=True),
    )


def expr_step(state: ExprState) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return ``L = ((x*y + x).tanh() * y).sum()`` and ``dL/dx``, ``dL/dy`` by autograd."""
    torch = _torch()
    x, y = state.x, state.y
    loss = ((x * y + x).tanh() * y).sum()
    dx, dy = torch.autograd.grad(loss, (x, y))
    return loss.detach(), dx, dy


def make_chain(seed: int = 0, size: int = 8) -> torch.Tensor:
    """Return the numpy reference's ``a0`` as a float64 leaf tensor that requires grad."""
    return _torch().tensor(ref.make_chain(seed, size), requires_grad=True)


def chain_step(a0: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``a = tanh(0.5*a + 0.1)`` ``n`` times; return ``sum(a_n)`` and its gradient wrt ``a0``."""
    torch = _torch()
    a = a0
    for _ in range(n):
        a = torch.tanh(0.5 * a + 0.1)
    value = a.sum()
    (grad,) = torch.autograd.grad(value, a0)
    return value.detach(), grad


# --------------------------------------------------------------------------
# W1: the 2-2-3-2 sigmoid network.


@dataclass
class W1State:
    """Leaf parameters ``[W1, b1, W2, b2, W3, b3]`` (float64), sample ``x`` (2,), target ``y`` (2,)."""

    params: list[torch.Tensor]
    x: torch.Tensor
    y: torch.Tensor
    lr: float


def make_w1(seed: int = 0, lr: float = 0.05) -> W1State:
    """Return the numpy reference's 2-2-3-2 network as leaf tensors that require grad."""
    torch = _torch()
    state = ref.make_w1(seed, lr)
    params = []
    for w, b in zip(state.weights, state.biases, strict=True):
        params.append(torch.tensor(w, requires_grad=True))
        params.append(torch.tensor(b, requires_grad=True))
    return W1State(params, torch.tensor(state.x), torch.tensor(state.y), lr)


def w1_step(state: W1State) -> torch.Tensor:
    """One SGD step by autograd (``a = sigmoid(W a + b)``, cost ``0.5 ||a3 - y||^2``); return the cost."""
    torch = _torch()
    w1, b1, w2, b2, w3, b3 = state.params
    a = torch.sigmoid(w1 @ state.x + b1)
    a = torch.sigmoid(w2 @ a + b2)
    a = torch.sigmoid(w3 @ a + b3)
    cost = 0.5 * ((a - state.y) ** 2).sum()
    grads = torch.autograd.grad(cost, state.params)
    with torch.no_grad():
        for p, g in zip(state.params, grads, strict=True):
            p.sub_(g, alpha=state.lr)
    return cost.detach()


# --------------------------------------------------------------------------
# W2 and W3: torch.nn models with torch.optim.SGD.


@dataclass
class ModelState:
    """A ``torch.nn`` model, its SGD optimizer, a loss module, inputs and integer targets."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    loss_fn: torch.nn.Module
    x: torch.Tensor
    labels: torch.Tensor


def _model_state(model: torch.nn.Module, numpy_state: ref.W2State | ref.W3State) -> ModelState:
    """Copy the numpy reference's parameters (same order) into ``model`` and wrap it with SGD."""
    torch = _torch()
    with torch.no_grad():
        for p, value in zip(model.parameters(), numpy_state.params, strict=True):
            p.copy_(torch.from_numpy(value))
    return ModelState(
        model,
        torch.optim.SGD(model.parameters(), lr=numpy_state.lr),
        torch.nn.CrossEntropyLoss(),
        torch.from_numpy(numpy_state.x.copy()),
        torch.from_numpy(numpy_state.labels.copy()),
    )


def make_w2(seed: int = 0, batch: int = 128, lr: float = 0.01) -> ModelState:
    """Return the 784-256-256-10 ReLU MLP (float32) with the numpy reference's parameters and batch."""
    nn = _torch().nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    return _model_state(model, ref.make_w2(seed, batch, lr))


def make_w3(seed: int = 0, batch: int = 64, lr: float = 0.01) -> ModelState:
    """Return the CNN (conv 1->8, ReLU, pool, conv 8->16, ReLU, pool, linear 784->10) and batch."""
    nn = _torch().nn
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(784, 10),
    )
    return _model_state(model, ref.make_w3(seed, batch, lr))


def make_w3_memory(seed: int = 0) -> ModelState:
    """Return the W3 state at batch ``numpy_reference.W3_MEMORY_BATCH`` (256)."""
    return make_w3(seed, batch=ref.W3_MEMORY_BATCH)


def _train_step(state: ModelState) -> torch.Tensor:
    """One SGD step (zero_grad, forward, cross-entropy, backward, step); return the loss."""
    state.optimizer.zero_grad()
    loss = state.loss_fn(state.model(state.x), state.labels)
    loss.backward()
    state.optimizer.step()
    return loss.detach()


def w2_step(state: ModelState) -> torch.Tensor:
    """One SGD step of the MLP; return the loss before the step."""
    return _train_step(state)


def w3_step(state: ModelState) -> torch.Tensor:
    """One SGD step of the CNN; return the loss before the step."""
    return _train_step(state)


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the duration: the profiler's C++ side
    prints its start and stop, and a warning about blocks allocated before it
    started, into the middle of the benchmark's table."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def peak_memory(fn: Callable[[], object]) -> float:
    """Return the peak MiB that torch allocated on the CPU during one call of ``fn()``.

    tracemalloc cannot see torch tensors, so this replays the allocation and
    free events recorded by ``torch.profiler`` (``profile_memory=True``) in
    time order and returns the highest running total. Blocks freed during the
    call but allocated before it are not counted (like tracemalloc). A
    peak-RSS measurement with glibc's mmap threshold pinned low agrees with it
    to within 1 MiB on W3.
    """
    torch = _torch()
    with _native_stderr_silenced(), torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    records = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    records.sort(key=lambda e: e.start_ns())
    live = peak = 0
    for record in records:
        live += record.nbytes()
        peak = max(peak, live)
    return peak / 2**20
