"""Idioms met porting PyTorch RL / seq2seq / message-passing code: in-place changes of
views of a preallocated buffer (no graph of its own) and augmented assignment on views,
compared with what PyTorch gives (values hard-coded from torch 2.x, float64, or numpy)."""

import numpy as np
import pytest

import autograd_mini as am

V = np.array([0.3, -1.2, 2.0])


def _grad(f):
    v = am.tensor(V, requires_grad=True)
    loss = f(v)
    loss.backward()
    return loss.item(), v.grad.data


def test_copy_into_rows_of_a_zeros_buffer_reaches_the_buffer():
    def f(v):
        buf = am.zeros(3, 3)
        for i in range(3):
            buf[i].copy_(v * (i + 1))
        return (buf ** 2).sum() + buf[1, 2]
    value, g = _grad(f)
    want = np.outer([1., 2., 3.], V)
    assert value == pytest.approx((want ** 2).sum() + want[1, 2], abs=1e-12)
    np.testing.assert_allclose(g, [8.4, -33.6, 58.0], atol=1e-12)  # (torch's)


def test_a_view_kept_in_a_variable_and_the_buffer_both_used():
    # (silently wrong before: the buffer was a constant, only the view carried the graph)
    def f(v):
        buf = am.zeros(2, 3)
        row = buf[1]
        row.copy_(v)
        return buf.exp().sum() + row.sum()
    value, g = _grad(f)
    assert value == pytest.approx(3 + np.exp(V).sum() + V.sum(), abs=1e-12)
    np.testing.assert_allclose(g, np.exp(V) + 1, atol=1e-12)


@pytest.mark.parametrize("change, where", [
    (lambda buf, v: buf.T[1].copy_(v[:2]), (slice(None), 1)),
    (lambda buf, v: buf.narrow(1, 0, 2)[1].copy_(v[:2]), (1, slice(0, 2))),
    (lambda buf, v: buf[0][1:].copy_(v[:2]), (0, slice(1, 3))),
    (lambda buf, v: buf.view(6)[1:3].add_(v[:2]), (0, slice(1, 3))),
])
def test_chains_of_views_of_a_buffer(change, where):
    def f(v):
        buf = am.zeros(2, 3)
        change(buf, v)
        return (buf ** 2 * am.tensor(np.arange(1., 7).reshape(2, 3))).sum()
    _, g = _grad(f)
    c = np.arange(1., 7).reshape(2, 3)[where]
    want = np.zeros(3)
    want[:2] = 2 * V[:2] * c
    np.testing.assert_allclose(g, want, atol=1e-12)


def test_a_view_of_a_buffer_changed_out_of_place_since_is_refused():
    v = am.tensor(V, requires_grad=True)
    buf = am.zeros(2, 3)
    rows = [buf[0], buf[1]]
    rows[0].copy_(v)  # (buf now holds a new array, with a graph)
    with pytest.raises(RuntimeError, match=r"view of a tensor of shape \(2, 3\) that has been changed"):
        rows[1].copy_(v * 2)
    np.testing.assert_array_equal(buf.data[1], 0.0)


def test_a_view_of_a_leaf_that_requires_grad_taken_under_no_grad_is_refused():
    w = am.tensor(np.zeros((2, 3)), requires_grad=True)
    with am.no_grad():
        r = w[0]
    with pytest.raises(RuntimeError, match=r"view of a leaf tensor that requires grad"):
        r.copy_(am.tensor(V, requires_grad=True))
    np.testing.assert_array_equal(w.data, 0.0)


def test_no_grad_views_of_buffers_still_write_in_place():
    buf = am.zeros(2, 3)
    buf[1].copy_(am.tensor(V))
    buf.T[0].add_(1)
    np.testing.assert_array_equal(buf.data, [[1, 0, 0], [V[0] + 1, V[1], V[2]]])
    assert buf.grad_fn is None


def test_augmented_assignment_on_a_view_reaches_its_base():
    # r = y[0]; r *= 3 (PyTorch: in place, y changes); numbers from torch
    w = am.tensor(np.array([[1., 2.], [3., 4.]]), requires_grad=True)
    y = w * w
    r = y[0]
    r *= 3
    z = y * 1
    z += w  # (not a view: the name is rebound, as before; the values are torch's)
    np.testing.assert_array_equal(y.data, [[3., 12.], [9., 16.]])
    (y.sum() + (z ** 2).sum()).backward()
    np.testing.assert_allclose(w.grad.data, [[62., 376.], [174., 368.]])


def test_augmented_assignment_on_a_row_of_a_buffer():
    v = am.tensor(V, requires_grad=True)
    buf = am.zeros(2, 3)
    b0 = buf[0]
    b0 += v
    b0 += v  # (x += x's operand twice; then the base's own graph)
    (buf ** 2).sum().backward()
    np.testing.assert_allclose(buf.data[0], 2 * V)
    np.testing.assert_allclose(v.grad.data, 8 * V)


def test_augmented_assignment_on_a_view_inside_compile_is_refused():
    def f(x):
        y = x * 2.0
        r = y[0]
        r += 1.0
        return y.sum()
    with pytest.raises(RuntimeError, match=r"\+=: this tensor of shape \(2,\) is a view of another"):
        am.compile(f)(am.tensor(np.ones((2, 2)), requires_grad=True))


def test_a_change_of_a_sibling_view_after_the_base_changed_is_refused():
    # a, b = y[0], y[1]; a.mul_(2); b.mul_(3): PyTorch changes y's rows 0 and 1; here b's
    # change used to stop at b silently (y's row 1 unchanged, its gradient too)
    w = am.tensor(V, requires_grad=True)
    y = w.unsqueeze(0) * am.tensor(np.ones((2, 1)))
    a, b = y[0], y[1]
    a.mul_(2)
    with pytest.raises(RuntimeError, match=r"mul_: this tensor of shape \(3,\) is a view of a tensor of "
                                           r"shape \(2, 3\) that has been changed in place since"):
        b.mul_(3)
    y[1].mul_(3)  # (the view taken again: PyTorch's result)
    (y ** 2).sum().backward()
    np.testing.assert_allclose(w.grad.data, [7.8, -31.2, 52.0], atol=1e-12)


def test_a_view_made_without_a_graph_still_pickles_and_copies():
    # (its link to its base holds a primitive, which does not pickle; a copy does not
    # share the base's memory, so it must not carry the link)
    import copy
    import pickle

    x = am.tensor(np.arange(6.0).reshape(2, 3))
    v = x[1]
    for c in (pickle.loads(pickle.dumps(v)), copy.deepcopy(v)):
        np.testing.assert_array_equal(c.data, [3.0, 4.0, 5.0])
        assert getattr(c, "_view_of", None) is None


def test_a_reshape_that_copies_is_no_view_of_its_input():
    # (torch's reshape copies here too: the change stays in the copy, with its graph, and
    # the buffer neither changes nor is kept alive by a link from the copy)
    buf = am.zeros((2, 3, 4))
    c = buf.permute(1, 0, 2).reshape(6, 4)
    assert getattr(c, "_view_of", None) is None
    w = am.tensor(np.ones(4), requires_grad=True)
    c.add_(w)
    (c * c).sum().backward()
    np.testing.assert_array_equal(buf.data, np.zeros((2, 3, 4)))
    np.testing.assert_array_equal(w.grad.data, np.full(4, 12.0))
