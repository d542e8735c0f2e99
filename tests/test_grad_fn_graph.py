"""grad_fn.next_functions: the autograd tutorial walks the recorded graph with it."""

from __future__ import annotations

import numpy as np

import autograd_mini as am
from autograd_mini.engine import AccumulateGrad


def test_next_functions_as_the_autograd_tutorial_prints_them():
    x = am.ones(5)
    w = am.tensor(np.ones((5, 3)), requires_grad=True)
    b = am.tensor(np.zeros(3), requires_grad=True)
    z = am.matmul(x, w) + b
    nf = z.grad_fn.next_functions
    assert len(nf) == 2
    (first, k0), (second, k1) = nf
    assert k0 == k1 == 0
    assert first.name == "matmul"
    assert isinstance(second, AccumulateGrad) and second.variable is b
    assert repr(second) == "<AccumulateGrad>" and second.next_functions == ()
    (acc_x, _), (acc_w, _) = first.next_functions
    assert acc_x is None  # (x does not require grad: PyTorch's None too)
    assert isinstance(acc_w, AccumulateGrad) and acc_w.variable is w


def test_next_functions_skips_constants_and_walks_to_the_leaves():
    a = am.tensor([1.0, 2.0], requires_grad=True)
    y = ((a * 2.0).exp() - 1).sum()
    seen, stack = [], [y.grad_fn]
    while stack:
        f = stack.pop()
        seen.append(f.name if not isinstance(f, AccumulateGrad) else "leaf")
        stack.extend(g for g, _ in f.next_functions if g is not None)
    assert seen == ["sum", "sub", "exp", "mul", "leaf"]


def test_next_functions_of_a_released_node_is_empty():
    a = am.tensor([1.0, 2.0], requires_grad=True)
    y = (a * a).sum()
    y.backward()
    assert y.grad_fn.next_functions == ()
