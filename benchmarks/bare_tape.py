"""A bare reverse-mode tape for W1: the floor under any Python define-by-run engine.

W1's hand-written step (numpy_reference.w1_step) runs the paper's 2-2-3-2
network with its backward written out. An engine instead records each
operation as it runs and replays the records backwards. This module is about
the least such an engine can do for W1: the nine operations autograd_mini records
(three affine maps ``W a + b``, three sigmoids, ``a - y``, ``r . r``, ``0.5 *``),
each a numpy forward plus a closure that returns its inputs' gradients, a
tape that is a list in creation order (so no graph walk is needed), gradients
summed in a dict, then ``theta -= lr * grad`` for the six parameters.

It has no checks, no modules, no optimizer object, no broadcasting rules and
no grad mode, and it serves this network only: not a library, a floor. An
engine that records these nine operations one by one, in Python, will not run
this step much faster, whatever else it does.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from benchmarks.numpy_reference import W1State


class _Value:
    """An array the tape refers to (a leaf or an op's output): gradients are keyed by it."""

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray) -> None:
        self.data = data


class _Tape:
    """Records (output, inputs, vjp) in creation order; backward walks them in reverse."""

    def __init__(self) -> None:
        self.records: list[tuple[_Value, tuple[_Value, ...], Callable]] = []

    def op(self, data: np.ndarray, inputs: tuple[_Value, ...], vjp: Callable) -> _Value:
        out = _Value(data)
        self.records.append((out, inputs, vjp))
        return out

    def backward(self, root: _Value) -> dict[_Value, np.ndarray]:
        """d root / d v for every v on the tape and every leaf it reached."""
        grads = {root: np.ones(())}
        for out, inputs, vjp in reversed(self.records):
            g = grads.pop(out, None)
            if g is None:
                continue
            for v, gv in zip(inputs, vjp(g)):
                have = grads.get(v)
                grads[v] = gv if have is None else have + gv
        return grads


def _affine(t: _Tape, w: _Value, a: _Value, b: _Value) -> _Value:
    """W a + b; VJPs g a^T, W^T g, g."""
    wd, ad = w.data, a.data
    return t.op(wd.dot(ad) + b.data, (w, a, b), lambda g: (np.multiply.outer(g, ad), g.dot(wd), g))


def _sigmoid(t: _Tape, z: _Value) -> _Value:
    """1 / (1 + exp(-z)); VJP g s (1 - s)."""
    s = 1.0 / (1.0 + np.exp(-z.data))
    return t.op(s, (z,), lambda g: (g * s * (1.0 - s),))


def _sub(t: _Tape, a: _Value, b: _Value) -> _Value:
    return t.op(a.data - b.data, (a, b), lambda g: (g, -g))


def _self_dot(t: _Tape, r: _Value) -> _Value:
    """r . r; VJP 2 g r (one input used twice, as autograd_mini records r.dot(r))."""
    rd = r.data
    return t.op(np.asarray(rd.dot(rd)), (r, r), lambda g: (g * rd, g * rd))


def _scale(t: _Tape, c: float, a: _Value) -> _Value:
    return t.op(c * a.data, (a,), lambda g: (c * g,))


def make_w1_bare(state: W1State) -> Callable[[], float]:
    """One SGD step of the paper's network on ``state`` (its arrays are updated in
    place, as w1_step updates them); returns the cost before the step."""
    params = [_Value(p) for pair in zip(state.weights, state.biases) for p in pair]
    x, y, lr = _Value(state.x), _Value(state.y), float(state.lr)

    def step() -> float:
        t = _Tape()
        a = x
        for k in range(3):
            a = _sigmoid(t, _affine(t, params[2 * k], a, params[2 * k + 1]))
        cost = _scale(t, 0.5, _self_dot(t, _sub(t, a, y)))
        grads = t.backward(cost)
        for p in params:
            p.data -= lr * grads[p]
        return float(cost.data)

    return step
