"""Defects found reviewing the view write-through (engine.rebase and its callers)."""
import gc
import weakref

import numpy as np
import pytest

import autograd_mini as am


def test_iadd_on_a_view_under_no_grad_changes_the_base_as_add_does():
    # r.add_(5) under no_grad changed y through numpy's aliasing; r += 5 rebound r and
    # left y as it was (torch changes y either way).
    w = am.tensor(np.ones((3, 3)), requires_grad=True)
    y = w * 1.0
    r = y[0]
    with am.no_grad():
        r += 5
    assert r is not None and np.array_equal(y.data[0], [6.0, 6.0, 6.0])
    assert np.array_equal(r.data, [6.0, 6.0, 6.0])


def test_a_base_held_by_a_weak_reference_only_is_still_written_through():
    # sys.getrefcount does not count weak references: a base a WeakValueDictionary (a
    # cache) can still hand out was taken as unreachable and the write-through skipped.
    w = am.tensor(np.ones(3), requires_grad=True)
    cache = weakref.WeakValueDictionary()
    y = w * 2.0
    cache["y"] = y
    v = y[0:2]
    del y
    gc.collect()
    v.mul_(10)
    y = cache["y"]
    assert np.array_equal(y.data, [20.0, 20.0, 2.0])
    y.sum().backward()
    assert np.array_equal(w.grad.data, [20.0, 20.0, 2.0])


def test_a_not_recorded_change_of_a_stale_view_of_a_graph_tensor_is_refused_not_lost():
    # a, b = y[0], y[1]; a.mul_(2) gives y a new array; b's array is y's old one, so a
    # later b.fill_(7) under no_grad changed nothing anyone reads (torch changes y's row 1).
    w = am.tensor(np.ones((3, 3)), requires_grad=True)
    y = w * 1.0
    a, b = y[0], y[1]
    a.mul_(2)
    with am.no_grad(), pytest.raises(RuntimeError, match="changed in place since"):
        b.fill_(7.0)
    with am.no_grad(), pytest.raises(RuntimeError, match="changed in place since"):
        b[0] = 7.0
    with am.no_grad(), pytest.raises(RuntimeError, match="changed in place since"):
        b += 7.0
    assert np.array_equal(y.data[1], [1.0, 1.0, 1.0])
    with am.no_grad():
        y[1].fill_(7.0)  # (taken again: fine)
    assert np.array_equal(y.data[1], [7.0, 7.0, 7.0])


def test_a_not_recorded_change_of_a_stale_view_of_a_buffer_is_refused_not_lost():
    buf = am.zeros(2, 3)
    r0, r1 = buf[0], buf[1]
    x = am.tensor(np.ones(3), requires_grad=True)
    r0.copy_(x)  # (recorded: buf takes a new array)
    with pytest.raises(RuntimeError, match="changed"):
        r1.fill_(5.0)
    with pytest.raises(RuntimeError, match="changed"):
        r1[1:].fill_(5.0)  # (a view of the stale view)
    buf[1].fill_(5.0)
    assert np.array_equal(buf.data, [[1.0, 1.0, 1.0], [5.0, 5.0, 5.0]])


def test_a_stale_view_deeper_in_a_chain_is_refused():
    w = am.tensor(np.ones((3, 3)), requires_grad=True)
    y = w * 1.0
    a, b = y[0], y[1]
    c = b[1:]
    a.mul_(2)
    with am.no_grad(), pytest.raises(RuntimeError, match="changed in place since"):
        c.zero_()
