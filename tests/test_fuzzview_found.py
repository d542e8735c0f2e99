"""Defects a differential fuzzer of views and in-place changes (against PyTorch's
semantics) found; the oracles here are hand-written numpy."""

import numpy as np
import pytest

import autograd_mini as am

W = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


def test_augmented_assignment_under_no_grad_changes_a_tensor_with_a_graph_in_place():
    # As PyTorch's (and as add_ under no_grad here): x += v under no_grad writes into x's
    # array, so a view of x (and x, through a view) sees it, and x keeps its node.
    w = am.tensor(W, requires_grad=True)
    y = w * w
    v = y.unsqueeze(-1)
    with am.no_grad():
        v += 1.0  # (a view: reaches y)
    np.testing.assert_array_equal(y.data, W * W + 1)
    z = w + 1.0
    r = z.T
    with am.no_grad():
        z *= 2.0  # (not a view: r sees it, z keeps its graph)
    np.testing.assert_array_equal(r.data, (2 * (W + 1)).T)
    assert z.grad_fn is not None and z.requires_grad
    c = np.arange(6.).reshape(2, 3)
    (am.tensor(c) * z).sum().backward()
    np.testing.assert_array_equal(w.grad.data, c)  # (the no_grad change is not differentiated)


@pytest.mark.parametrize("change", [
    lambda v: v.fill_(1.0), lambda v: v.add_(1.0), lambda v: v.zero_(), lambda v: v.clamp_(min=0.0),
    lambda v: v.__setitem__(0, 3.0), lambda v: v.__iadd__(1.0),
])
def test_an_unrecorded_change_of_a_view_taken_before_a_recorded_change_is_refused(change):
    # A view taken before a recorded change of its base holds the base's old array: a write
    # into it under no_grad would not reach the base, where PyTorch's does.
    b = am.zeros(2, 3)  # (a buffer: v is a view made without a graph)
    v = b[0]
    b.mul_(am.tensor(W, requires_grad=True))  # (recorded: b takes a new array)
    before = b.data.copy()
    with am.no_grad(), pytest.raises(RuntimeError, match="changed in place since the view was taken"):
        change(v)
    np.testing.assert_array_equal(b.data, before)
    w = am.tensor(W, requires_grad=True)
    y = w * w
    a = y.T  # (a view with a node)
    y[0].mul_(2.0)  # (recorded, through another view: y takes a new array)
    with am.no_grad(), pytest.raises(RuntimeError, match="changed in place since the view was taken"):
        change(a)
    with am.no_grad():  # (a view taken again after the change reaches y)
        y.T[0].fill_(7.0)
        b[0].fill_(7.0)
    np.testing.assert_array_equal(y.data[:, 0], 7.0)
    np.testing.assert_array_equal(b.data[0], 7.0)
