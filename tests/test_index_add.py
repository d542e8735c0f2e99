"""index_add / scatter_add (torch's names and semantics) and their in-place forms:
the accumulation a graph neural network's message passing is written with."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_mini as am
from replay_check import assert_compiled_replays_eager


def naive_index_add(x, dim, index, source, alpha=1.0):
    out = x.copy()
    xm, sm = np.moveaxis(out, dim, 0), np.moveaxis(source, dim, 0)
    for j, i in enumerate(index):
        xm[i] += alpha * sm[j]
    return out


def naive_scatter_add(x, dim, index, src):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[dim] = index[pos]
        out[tuple(target)] += src[pos]
    return out


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2), st.integers(1, 4), st.integers(0, 10_000))
def test_index_add_values_and_gradients(dim, m, seed):
    g = np.random.default_rng(seed)
    shape = (3, 2, 4)
    x = g.normal(size=shape)
    index = g.integers(0, shape[dim], m)  # (repeats likely)
    sshape = shape[:dim] + (m,) + shape[dim + 1:]
    source = g.normal(size=sshape)
    out = am.index_add(x, dim, index, source, alpha=0.5)
    np.testing.assert_allclose(out.data, naive_index_add(x, dim, index, source, 0.5), rtol=1e-13, atol=1e-13)
    f = lambda a, b: am.index_add(a, dim, index, b, alpha=0.5).sin()
    assert am.gradcheck(f, (x, source))
    assert am.gradgradcheck(f, (x, source))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 1), st.integers(0, 10_000))
def test_scatter_add_values_and_gradients(dim, seed):
    g = np.random.default_rng(seed)
    x = g.normal(size=(4, 3))
    src = g.normal(size=(5, 3) if dim == 0 else (4, 5))
    ishape = (g.integers(1, 6), g.integers(1, 4)) if dim == 0 else (g.integers(1, 5), g.integers(1, 6))
    index = g.integers(0, x.shape[dim], ishape)
    out = am.scatter_add(x, dim, index, src)
    np.testing.assert_allclose(out.data, naive_scatter_add(x, dim, index, src), rtol=1e-13, atol=1e-13)
    f = lambda a, b: am.scatter_add(a, dim, index, b).sin()
    assert am.gradcheck(f, (x, src))
    assert am.gradgradcheck(f, (x, src))


def test_message_passing_as_torch_writes_it():
    g = np.random.default_rng(0)
    src, dst = g.integers(0, 5, 12), g.integers(0, 5, 12)
    h = am.tensor(g.normal(size=(5, 3)), requires_grad=True)
    msg = h[am.tensor(src)] * 2.0
    out = am.zeros(5, 3).index_add(0, am.tensor(dst), msg)
    agg = am.zeros(5, 3)
    agg.scatter_add_(0, am.tensor(dst).unsqueeze(-1).expand_as(msg), msg)  # recorded: msg requires grad
    cnt = am.zeros(5).index_add_(0, am.tensor(dst), am.ones(12))  # no graph: written in place
    np.testing.assert_allclose(cnt.data, np.bincount(dst, minlength=5))
    assert cnt.grad_fn is None and agg.grad_fn is not None
    np.testing.assert_allclose(out.data, agg.data)
    (out.sum() + (agg ** 2).sum()).backward()
    expect = np.zeros((5, 3))
    np.add.at(expect, src, 2.0 * (1.0 + 2 * naive_index_add(np.zeros((5, 3)), 0, dst, 2.0 * h.data[src])[dst]))
    np.testing.assert_allclose(h.grad.data, expect, rtol=1e-13)


def test_in_place_forms_return_self_and_refuse_a_leaf_that_requires_grad():
    x = am.zeros(3)
    assert x.index_add_(0, [0, 0], am.ones(2)) is x
    np.testing.assert_array_equal(x.data, [2.0, 0.0, 0.0])
    assert x.scatter_add_(0, np.array([2]), am.ones(1)) is x
    np.testing.assert_array_equal(x.data, [2.0, 0.0, 1.0])
    w = am.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="index_add_"):
        w.index_add_(0, [0], am.ones(1))
    with am.no_grad():
        w.index_add_(0, [1], am.ones(1))
    np.testing.assert_array_equal(w.data, [0.0, 1.0, 0.0])


@pytest.mark.parametrize("call, err, words", [
    (lambda: am.index_add(am.zeros((3, 2)), 0, [0, 3], am.ones((2, 2))), IndexError, "index_add.*3.*out of range"),
    (lambda: am.index_add(am.zeros((3, 2)), 0, [-1], am.ones((1, 2))), IndexError, "index_add.*-1"),
    (lambda: am.index_add(am.zeros((3, 2)), 0, [0], am.ones((2, 2))), ValueError, r"index_add.*\(2, 2\).*\(1, 2\)"),
    (lambda: am.index_add(am.zeros((3, 2)), 0, [[0]], am.ones((1, 2))), ValueError, "index_add.*1-D"),
    (lambda: am.index_add(am.zeros((3, 2)), 0, [0.0], am.ones((1, 2))), TypeError, "index_add.*integers"),
    (lambda: am.index_add(am.zeros(3, dtype=am.float32), 0, [0], am.ones(1)), TypeError, "index_add.*dtype"),
    (lambda: am.scatter_add(am.zeros((3, 2)), 0, np.zeros(3, int), am.ones((3, 2))), ValueError,
     "scatter_add.*number of axes"),
    (lambda: am.scatter_add(am.zeros((3, 2)), 0, np.zeros((4, 2), int), am.ones((3, 2))), ValueError,
     r"scatter_add.*\(4, 2\).*larger"),
    (lambda: am.scatter_add(am.zeros((3, 2)), 1, np.full((1, 1), 2), am.ones((1, 1))), IndexError,
     "scatter_add.*2.*out of range"),
])
def test_bad_input_is_refused_naming_the_op_before_anything_changes(call, err, words):
    with pytest.raises(err, match=words):
        call()
    x = am.zeros((3, 2))
    with pytest.raises(IndexError, match="index_add"):
        x.index_add_(0, [5], am.ones((1, 2)))
    np.testing.assert_array_equal(x.data, 0.0)


def test_compiled_replay_equals_eager_with_each_calls_index():
    g = np.random.default_rng(1)
    w = am.tensor(g.normal(size=(3, 4)), requires_grad=True)

    def loss(x, src, dst, dst2):
        m = (x @ w)[src]
        a = am.zeros(5, 4).index_add(0, dst, m)
        b = am.zeros(5, 4).scatter_add(0, dst2, m)  # (an index made inside fn is refused)
        return (a.tanh() * b).sum()

    def args(k):
        r = np.random.default_rng(k)
        src, dst = am.tensor(r.integers(0, 5, 9)), am.tensor(r.integers(0, 5, 9))
        return am.tensor(r.normal(size=(5, 3))), src, dst, am.tensor(np.repeat(dst.data[:, None], 4, 1))

    assert_compiled_replays_eager(loss, args, params=[w])


def test_a_compiled_replay_refuses_a_negative_index_as_eager_does():
    w = am.ones(3, requires_grad=True)
    f = am.compile(lambda m, i: am.zeros(3).index_add(0, i, m * w[:2]).sum())
    g = am.compile(lambda m, i: am.zeros((2, 3)).scatter_add(1, i, m * w[:2]).sum())
    for _ in range(2):
        f(am.ones(2), am.tensor([0, 1]))
        g(am.ones((2, 2)), am.tensor([[0, 1], [2, 2]]))
    with pytest.raises(IndexError, match="index_add.*-1"):
        f(am.ones(2), am.tensor([0, -1]))
    with pytest.raises(IndexError, match="scatter_add.*-1"):
        g(am.ones((2, 2)), am.tensor([[0, 1], [-1, 2]]))


def test_index_add_keeps_x_dtype_whatever_alpha_is():
    # alpha=np.float64(2) made a float32 x's result float64 (numpy 2's rule for a float64
    # scalar), and alpha=2.5 made an int64 x's result float64: the output has x's dtype,
    # as torch's; a fractional alpha on integers is refused rather than rounded away
    x = am.zeros(3, dtype=am.float32)
    out = x.index_add(0, [0, 2], am.ones(2, dtype=am.float32), alpha=np.float64(2.0))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [2.0, 0.0, 2.0])
    i = am.zeros(3, dtype=am.int64)
    out = i.index_add(0, [1], am.tensor([3]), alpha=np.int64(2))
    assert out.dtype == np.int64 and out.data.tolist() == [0, 6, 0]
    for a in (2.5, np.float64(2.0)):
        with pytest.raises(TypeError, match=r"index_add: alpha .* integer"):
            i.index_add(0, [1], am.tensor([3]), alpha=a)
        with pytest.raises(TypeError, match=r"index_add: alpha .* integer"):
            i.index_add_(0, [1], am.tensor([3]), alpha=a)
        assert i.data.tolist() == [0, 0, 0]
