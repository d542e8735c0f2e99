"""sort, topk, take_along_axis and gather on the take_along_axis primitive: the index is
an input, so am.compile replays each call's own (sort's order, computed from the data)
and checks its values; eager values and gradients are unchanged."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import primitives as P


def rng(seed):
    return np.random.default_rng(seed)


def naive_sort(x, axis):
    """Each line along axis sorted by a Python sort (no ties in the data drawn here)."""
    moved = np.moveaxis(x, axis, -1)
    out = np.empty_like(moved)
    for pos in np.ndindex(moved.shape[:-1]):
        out[pos] = sorted(moved[pos])
    return np.moveaxis(out, -1, axis)


def replays(fn, make, calls=4):
    """fn compiled: its value and every gradient equal eager's bit for bit on each call,
    with one recording for all calls."""
    compiled = am.compile(fn)
    for seed in range(calls):
        results = []
        for f in (fn, compiled):
            args = make(seed)
            out = f(*args)
            out.backward(np.ones(out.shape))
            results.append((out.data.copy(), [a.grad.copy() for a in args
                                               if isinstance(a, am.Tensor) and a.requires_grad]))
        (va, ga), (vb, gb) = results
        assert va.dtype == vb.dtype and np.array_equal(va, vb)
        assert len(ga) == len(gb) and all(np.array_equal(a, b) for a, b in zip(ga, gb))
    assert compiled.recordings == 1
    return compiled


def test_sort_compiles_and_each_replay_sorts_its_own_data():
    # was: RuntimeError "compile: getitem (in sort) gets an array ..."
    def fn(x):
        return (am.sort(x, axis=-1) * am.arange(1.0, 5.0)).sum() + am.sort(x, axis=0)[0].sum() + am.sort(x, None)[-1]

    make = lambda seed: (am.tensor(rng(seed).standard_normal((3, 4)), requires_grad=True),)
    orders = {tuple(np.argsort(make(s)[0].data, -1).ravel()) for s in range(4)}
    assert len(orders) == 4  # (the order changes between calls)
    compiled = replays(fn, make)
    for seed in range(4, 7):
        x = make(seed)[0]
        out = compiled(x)
        want = (naive_sort(x.data, -1) * np.arange(1.0, 5.0)).sum() + naive_sort(x.data, 0)[0].sum() + np.sort(x.data, None)[-1]
        np.testing.assert_allclose(out.data, want, rtol=1e-12)


@pytest.mark.parametrize("largest", [True, False])
def test_topk_compiles_values_gradients_and_indices_follow_each_call(largest):
    def fn(x):
        v, i = am.topk(x, 2, axis=1, largest=largest)
        return v * am.arange(1.0, 3.0) + i

    make = lambda seed: (am.tensor(rng(seed).standard_normal((4, 5)), requires_grad=True),)
    compiled = replays(fn, make)
    x = make(9)[0]
    moved = np.sort(x.data, 1)[:, ::-1] if largest else np.sort(x.data, 1)
    idx = np.argsort(-x.data if largest else x.data, 1, kind="stable")[:, :2]
    np.testing.assert_array_equal(compiled(x).data, moved[:, :2] * [1.0, 2.0] + idx)


def test_take_along_axis_and_gather_with_an_index_computed_inside_the_function_replay():
    # argsort's result (a tensor made from the data) handed on: refused before, as sort's
    def fn(x):
        order = am.argsort(x, 1)
        return (am.take_along_axis(x, order, 1) * am.arange(4.0) + am.gather(x, 1, order[:, :2]).sum(1, keepdims=True)
                + am.take_along_axis(x.reshape(-1), am.argsort(x, None), None)[:4])

    replays(fn, lambda seed: (am.tensor(rng(seed).standard_normal((3, 4)), requires_grad=True),))


def test_take_along_axis_and_gather_with_an_argument_index_replay_with_broadcasting_and_repeats():
    def fn(x, idx, gidx):
        return am.take_along_axis(x, idx, 1).sum(0) + am.gather(x, 0, gidx).sum(0)

    def make(seed):
        r = rng(seed)
        return (am.tensor(r.standard_normal((3, 4)), requires_grad=True),
                r.integers(-4, 4, (1, 4)), am.tensor(r.integers(0, 3, (2, 4))))

    replays(fn, make)


def test_a_replay_checks_each_calls_index_and_raises_the_eager_error():
    # gather refuses negative indices (as torch); a replay wrapped them silently before
    g = am.compile(lambda x, i: am.gather(x, 1, i))
    x = am.tensor(rng(0).standard_normal((2, 3)), requires_grad=True)
    g(x, np.array([[0, 2], [1, 1]]))
    with pytest.raises(IndexError, match=r"gather: index -1 is out of range \[0, 2\] for dim 1"):
        g(x, np.array([[0, -1], [1, 1]]))
    t = am.compile(lambda x, i: am.take_along_axis(x, i, 1))
    np.testing.assert_array_equal(t(x, np.array([[-3], [2]])).data, x.data[[0, 1], [0, 2]][:, None])
    with pytest.raises(IndexError, match=r"take_along_axis.*index 3 is out of bounds for axis 1 with size 3"):
        t(x, np.array([[3], [0]]))


@settings(max_examples=15, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 2**31),
       data=st.data())
def test_sort_topk_take_along_axis_gather_pass_gradcheck_and_gradgradcheck(shape, seed, data):
    r = rng(seed)
    x = am.tensor(r.permutation(np.arange(np.prod(shape))).reshape(shape) + r.uniform(0, 0.1, shape),
                  dtype=np.float64, requires_grad=True)  # (no ties: sort is smooth there)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    k = data.draw(st.integers(0, n))
    idx_shape = tuple(data.draw(st.integers(1, 3)) if i == axis % len(shape) else data.draw(st.sampled_from([1, m]))
                      for i, m in enumerate(shape))
    idx = r.integers(-n, n, idx_shape)  # (repeats and negative entries)
    gidx_shape = tuple(data.draw(st.integers(1, m)) if i != axis % len(shape) else 3 for i, m in enumerate(shape))
    gidx = r.integers(0, n, gidx_shape)
    for f in (lambda a: am.sort(a, axis) ** 2, lambda a: am.topk(a, k, axis).values ** 2,
              lambda a: am.topk(a, k, axis, largest=False).values ** 2,
              lambda a: am.take_along_axis(a, idx, axis) ** 2, lambda a: am.gather(a, axis, gidx) ** 2):
        assert am.gradcheck(f, (x,))
        assert am.gradgradcheck(f, (x,))


def test_the_primitive_refuses_bad_indices_naming_the_shapes_before_recording():
    x = am.tensor(np.zeros((2, 3)), requires_grad=True)
    for index, kw, error, pattern in [
        (np.zeros((2, 1)), {}, TypeError, r"index must hold integers, got dtype float64 \(index of shape \(2, 1\), x of shape \(2, 3\)\)"),
        (np.zeros(2, int), {}, ValueError, r"index of shape \(2,\) must have as many axes as x of shape \(2, 3\)"),
        (np.zeros((3, 1), int), {}, ValueError, r"index of shape \(3, 1\) does not broadcast against x of shape \(2, 3\)"),
        (np.full((2, 1), -4), {}, IndexError, r"index -4 is out of bounds for axis 1 with size 3"),
        (np.full((2, 1), -1), {"wrap": False}, IndexError, r"index -1 is out of range \[0, 2\]"),
    ]:
        with pytest.raises(error, match=pattern):
            P.take_along_axis.apply(x, index, axis=1, **kw)
    with pytest.raises(ValueError, match=r"axis 2 is out of range for x of shape \(2, 3\)"):
        P.take_along_axis.apply(x, np.zeros((2, 1), int), axis=2)
    assert x.grad is None


@pytest.mark.parametrize("k", [0, 1])
@pytest.mark.parametrize("largest", [True, False])
def test_topk_of_a_0d_x_is_x_and_index_0_as_torch(k, largest):
    # torch.topk(tensor(3.), k) for k 0 or 1, dim 0 or -1: (tensor(3.), tensor(0)), gradient 1
    for axis in (0, -1):
        x = am.tensor(3.0, requires_grad=True)
        values, indices = am.topk(x, k, axis, largest)
        assert values.shape == () and indices.shape == () and values.item() == 3.0 and indices.item() == 0
        values.backward()
        assert x.grad.item() == 1.0
    with pytest.raises(ValueError, match=r"topk: k must be 0 or 1 for a 0-d x \(shape \(\)\), got 2"):
        am.topk(am.tensor(3.0), 2)
    with pytest.raises(ValueError, match="topk: axis must be 0 or -1 for a 0-d x, got 1"):
        am.topk(am.tensor(3.0), 1, 1)
    f = am.compile(lambda t: am.topk(t, k, largest=largest)[0] * 2.0)
    for v in (1.0, -2.0, 5.0):
        x = am.tensor(v, requires_grad=True)
        y = f(x)
        y.backward()
        assert y.item() == 2 * v and x.grad.item() == 2.0
    assert f.recordings == 1
