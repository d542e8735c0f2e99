"""Selection, splitting and logic: am.tile, nonzero, argwhere, flatnonzero, unique, meshgrid,
searchsorted, bincount, count_nonzero, logical_*, isclose, allclose (numpy's), and torch's
index_select, masked_select, narrow, unbind, tensor_split, repeat_interleave: values
against numpy / loop oracles, float64 first- and second-order gradient checks, refusals,
and am.compile (replayed bit for bit, or refused where the output shape is data's)."""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am

HYP = settings(max_examples=6, deadline=None)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def check_both(f, *xs):
    ts = [am.tensor(x, requires_grad=True) for x in xs]
    assert am.gradcheck(f, ts)
    assert am.gradgradcheck(f, ts)


def data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def data_and_axis(shape, seed):
    """data(shape, seed), a generator seeded alike for the rest of the case, and an axis of it."""
    x, r = data(shape, seed), np.random.default_rng(seed)
    return x, r, int(r.integers(x.ndim))


# -- numpy's names -----------------------------------------------------------------------


@HYP
@given(shape=SHAPES, reps=st.lists(st.integers(0, 2), min_size=0, max_size=4))
def test_tile_matches_numpy_and_checks(shape, reps):
    x = data(shape)
    np.testing.assert_array_equal(am.tile(x, reps).data, np.tile(x, reps))
    np.testing.assert_array_equal(am.tensor(x).tile(*reps).data if reps else am.tile(x, ()).data, np.tile(x, reps))
    check_both(lambda t: am.tile(t, reps) ** 2, x)


def test_tile_int_and_refusals():
    x = data((2, 3))
    np.testing.assert_array_equal(am.tile(x, 3).data, np.tile(x, 3))
    np.testing.assert_array_equal(am.tensor(x).tile((2, 1)).data, np.tile(x, (2, 1)))
    with pytest.raises(ValueError, match=r"tile: reps \(-1,\).*\(2, 3\)"):
        am.tile(x, -1)
    with pytest.raises(TypeError, match="tile: reps"):
        am.tile(x, 1.5)


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 1, 3)])
def test_nonzero_argwhere_flatnonzero_match_numpy(shape):
    x = np.where(np.random.default_rng(1).random(shape) < 0.5, 0.0, data(shape))
    x.flat[0] = np.nan  # (NaN is nonzero)
    for a, b in zip(am.nonzero(x), np.nonzero(x)):
        np.testing.assert_array_equal(a.data, b)
    for a, b in zip(am.tensor(x).nonzero(), np.nonzero(x)):
        np.testing.assert_array_equal(a.data, b)
    np.testing.assert_array_equal(am.argwhere(x).data, np.argwhere(x))
    np.testing.assert_array_equal(am.tensor(x).argwhere().data, np.argwhere(x))
    np.testing.assert_array_equal(am.flatnonzero(x).data, np.flatnonzero(x))
    t = am.tensor(x, requires_grad=True)
    assert not any(i.requires_grad for i in am.nonzero(t)) and not am.argwhere(t).requires_grad
    assert am.tensor(x)[am.nonzero(x)].shape == x[np.nonzero(x)].shape


def test_nonzero_of_0d_is_refused_as_numpy():
    with pytest.raises(ValueError, match=r"nonzero: a 0-d tensor \(shape \(\)\)"):
        am.nonzero(am.tensor(1.0))
    np.testing.assert_array_equal(am.argwhere(am.tensor(1.0)).data, np.argwhere(np.array(1.0)))


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_unique_matches_numpy(axis):
    x = np.array([[1.0, 2.0, 1.0], [3.0, 2.0, 1.0], [1.0, 2.0, 1.0]])
    got = am.unique(x, True, True, True, axis=axis)
    want = np.unique(x, True, True, True, axis=axis)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.data, w)
    np.testing.assert_array_equal(am.unique(x).data, np.unique(x))
    np.testing.assert_array_equal(am.tensor(x).unique(return_counts=True)[1].data, np.unique(x, return_counts=True)[1])
    values, index = am.unique(am.tensor(x, requires_grad=True), return_index=True)
    assert not values.requires_grad  # (documented: ties make the gradient's target a choice)
    check_both(lambda t: t.reshape(-1)[index.data] * 2.0, x)  # (the documented differentiable form)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid_matches_numpy_and_checks(indexing, sparse):
    xs = [data((3,)), data((2,), 1), data((1, 2), 2)]
    for k in (1, 2, 3):
        got = am.meshgrid(*xs[:k], indexing=indexing, sparse=sparse)
        want = np.meshgrid(*xs[:k], indexing=indexing, sparse=sparse)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.data, w)
    check_both(lambda a, b: sum((g * (i + 1.5)).sum() for i, g in enumerate(am.meshgrid(a, b, a, indexing=indexing,
               sparse=sparse))) * am.meshgrid(a, b, indexing=indexing)[1].sin(), xs[0], xs[1])
    with pytest.raises(ValueError, match="meshgrid: indexing"):
        am.meshgrid(xs[0], indexing="ji")


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_numpy(side):
    a = np.array([0.0, 1.0, 1.0, 2.5, np.nan])
    v = np.array([[-1.0, 1.0, 3.0], [np.nan, 2.5, 0.5]])
    np.testing.assert_array_equal(am.searchsorted(a, v, side).data, np.searchsorted(a, v, side))
    perm = np.array([3, 0, 4, 1, 2])
    b = a[perm]
    np.testing.assert_array_equal(am.tensor(b).searchsorted(v, side, np.argsort(b)).data,
                                  np.searchsorted(b, v, side, np.argsort(b)))
    with pytest.raises(ValueError, match=r"searchsorted: a must be 1-D, got shape \(2, 3\)"):
        am.searchsorted(v, 1.0)


def test_bincount_matches_a_loop_and_checks_the_weights():
    x = np.array([0, 3, 3, 1, 0, 3])
    w = data(6)
    want = np.zeros(6)
    for i, k in enumerate(x):
        want[k] += w[i]
    np.testing.assert_allclose(am.bincount(x, w, minlength=6).data, want, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(am.bincount(x).data, np.bincount(x))
    np.testing.assert_array_equal(am.tensor(x).bincount(minlength=7).data, np.bincount(x, minlength=7))
    assert am.bincount(x, w.astype(np.float32)).dtype == np.float32  # (not upcast)
    assert am.bincount(x, np.arange(6)).dtype == np.float64
    check_both(lambda t: am.bincount(x, t, 5) ** 2, w)
    with pytest.raises(ValueError, match=r"bincount: weights of shape \(5,\) must have x's shape \(6,\)"):
        am.bincount(x, w[:5])
    with pytest.raises(ValueError, match="bincount: x must be non-negative"):
        am.bincount(np.array([1, -1]))
    with pytest.raises(TypeError, match="bincount: x must hold non-negative integers"):
        am.bincount(np.array([1.0]))


def test_count_nonzero_and_logical_ops_match_numpy():
    a = np.array([[0.0, 1.0, np.nan], [-2.0, 0.0, 0.0]])
    b = np.array([1.0, 0.0, 0.0])
    for axis, keep in ((None, False), (0, False), (1, True), ((0, 1), False)):
        np.testing.assert_array_equal(am.count_nonzero(a, axis, keep).data,
                                      np.count_nonzero(a, axis=axis, keepdims=keep))
    assert am.tensor(a).count_nonzero().item() == np.count_nonzero(a)
    for name in ("logical_and", "logical_or", "logical_xor"):
        got = getattr(am, name)(a, b)
        assert got.dtype == bool
        np.testing.assert_array_equal(got.data, getattr(np, name)(a, b))
        np.testing.assert_array_equal(getattr(am.tensor(a), name)(b).data, getattr(np, name)(a, b))
    np.testing.assert_array_equal(am.logical_not(a).data, np.logical_not(a))
    np.testing.assert_array_equal(am.tensor(a).logical_not().data, np.logical_not(a))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2,\)"):
        am.logical_and(a, b[:2])


@pytest.mark.filterwarnings("ignore:overflow encountered")  # (1e308 - -1e308, numpy's too)
def test_isclose_and_allclose_match_numpy():
    inf, nan = np.inf, np.nan
    a = np.array([1.0, 1.0, inf, inf, -inf, nan, nan, 1e308, 0.0, 1.0])
    b = np.array([1.0 + 1e-9, 1.1, inf, -inf, 5.0, nan, 1.0, -1e308, 1e-9, inf])
    for equal_nan in (False, True):
        np.testing.assert_array_equal(am.isclose(a, b, equal_nan=equal_nan).data, np.isclose(a, b, equal_nan=equal_nan))
        np.testing.assert_array_equal(am.isclose(b, a, 1e-3, 0.0, equal_nan).data, np.isclose(b, a, 1e-3, 0.0, equal_nan))
        assert am.allclose(a[:1], b[:1], equal_nan=equal_nan) is True
        assert am.allclose(a, b, equal_nan=equal_nan) is False
    np.testing.assert_array_equal(am.isclose(np.array([1, 2]), np.array([1, 3])).data, [True, False])
    assert am.isclose(am.tensor([1.0], dtype=np.float32), 1.0).dtype == bool
    assert am.tensor(a[:2]).isclose(b[:2]).data.tolist() == [True, False]
    assert am.tensor(a[:1]).allclose(b[:1])
    with pytest.raises(ValueError, match=r"isclose: shapes \(10,\) and \(2,\)"):
        am.isclose(a, b[:2])


# -- torch's names ------------------------------------------------------------------------


@HYP
@given(shape=SHAPES, seed=st.integers(0, 9))
def test_index_select_matches_a_loop_and_checks(shape, seed):
    x, r, d = data_and_axis(shape, seed)
    idx = r.integers(0, x.shape[d], size=4)
    want = np.stack([np.take(x, i, axis=d) for i in idx], axis=d)
    np.testing.assert_array_equal(am.index_select(x, d, idx).data, want)
    np.testing.assert_array_equal(am.tensor(x).index_select(d - x.ndim, am.tensor(idx)).data, want)
    check_both(lambda t: am.index_select(t, d, idx) ** 2, x)


def test_index_select_refusals():
    x = data((2, 3))
    assert am.index_select(x, 1, np.array(2)).shape == (2, 1)
    with pytest.raises(IndexError, match=r"index_select: index -1 is out of range \[0, 2\].*\(2, 3\)"):
        am.index_select(x, 1, [0, -1])
    with pytest.raises(IndexError, match=r"index_select: index 3"):
        am.index_select(x, 1, [3])
    with pytest.raises(ValueError, match=r"index_select: index must be 1-D or 0-d, got shape \(1, 1\)"):
        am.index_select(x, 1, [[0]])
    with pytest.raises(TypeError, match="index_select: the index must hold integers"):
        am.index_select(x, 1, [0.5])
    with pytest.raises(ValueError, match="index_select"):
        am.index_select(x, 2, [0])


@HYP
@given(shape=SHAPES, seed=st.integers(0, 9))
def test_masked_select_matches_numpy_and_checks(shape, seed):
    x = data(shape, seed)
    mask = np.random.default_rng(seed).random(shape[-1:]) < 0.5  # (broadcast over the rest)
    want = np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[np.broadcast_to(mask, x.shape)]
    np.testing.assert_array_equal(am.masked_select(x, mask).data, want)
    np.testing.assert_array_equal(am.tensor(x).masked_select(am.tensor(mask)).data, want)
    check_both(lambda t: am.masked_select(t, mask) ** 2, x)
    check_both(lambda t: am.masked_select(t, np.ones((2,) + shape, bool)).sin(), x)  # (x broadcast: sums)


def test_masked_select_refusals():
    x = data((2, 3))
    with pytest.raises(TypeError, match=r"masked_select: mask must be boolean, got dtype int64"):
        am.masked_select(x, np.ones((2, 3), int))
    with pytest.raises(ValueError, match=r"masked_select: mask of shape \(2,\) does not broadcast against x of shape \(2, 3\)"):
        am.masked_select(x, np.ones(2, bool))


def test_narrow_unbind_tensor_split_match_numpy_and_check():
    x = data((3, 4, 2))
    np.testing.assert_array_equal(am.narrow(x, 1, 1, 2).data, x[:, 1:3])
    np.testing.assert_array_equal(am.tensor(x).narrow(-2, -3, 3).data, x[:, 1:4])
    np.testing.assert_array_equal(am.narrow(x, 0, 3, 0).data, x[3:3])
    for g, w in zip(am.unbind(x, 1), [x[:, i] for i in range(4)]):
        np.testing.assert_array_equal(g.data, w)
    assert len(am.tensor(x).unbind()) == 3
    for s in (3, [1, 3], [2, -1, 9], am.tensor([1, 2]), am.tensor(3)):
        got = am.tensor_split(x, s, dim=1)
        ref = np.array_split(x, s.data.tolist() if isinstance(s, am.Tensor) else s, axis=1)
        assert isinstance(got, tuple) and len(got) == len(ref)
        for g, w in zip(got, ref):
            np.testing.assert_array_equal(g.data, w)
    assert len(am.tensor(x).tensor_split(2)) == 2
    check_both(lambda t: am.narrow(t, 1, 1, 2) ** 2 + am.unbind(t, 1)[0].unsqueeze(1).sin(), x)
    check_both(lambda t: am.concatenate([p * (k + 1.0) for k, p in enumerate(am.tensor_split(t, 3, 1))], 1) ** 2, x)
    with pytest.raises(ValueError, match=r"narrow: start 1 \+ length 4 exceeds the length 4 of dim 1 \(shape \(3, 4, 2\)\)"):
        am.narrow(x, 1, 1, 4)
    with pytest.raises(ValueError, match=r"narrow: start -5 is out of range"):
        am.narrow(x, 1, -5, 1)
    with pytest.raises(ValueError, match=r"unbind: needs a tensor with at least one axis"):
        am.unbind(am.tensor(1.0))
    with pytest.raises(TypeError, match=r"tensor_split: a tensor indices_or_sections"):
        am.tensor_split(x, am.tensor([0.5]))


@HYP
@given(shape=SHAPES, seed=st.integers(0, 9))
def test_repeat_interleave_matches_numpy_and_checks(shape, seed):
    x, r, d = data_and_axis(shape, seed)
    counts = r.integers(0, 3, size=x.shape[d])
    np.testing.assert_array_equal(am.repeat_interleave(x, 2).data, np.repeat(x, 2))
    np.testing.assert_array_equal(am.repeat_interleave(x, 3, d).data, np.repeat(x, 3, d))
    np.testing.assert_array_equal(am.tensor(x).repeat_interleave(am.tensor(counts), d).data, np.repeat(x, counts, d))
    np.testing.assert_array_equal(am.repeat_interleave(x, [2], d).data, np.repeat(x, 2, d))
    check_both(lambda t: am.repeat_interleave(t, 2, d) ** 2 + am.repeat_interleave(t, list(counts), d).sum(), x)


def test_repeat_interleave_refusals():
    x = data((2, 3))
    with pytest.raises(ValueError, match=r"repeat_interleave: 2 repeats for 3 entries along dim 1 \(x of shape \(2, 3\)\)"):
        am.repeat_interleave(x, [1, 2], 1)
    with pytest.raises(ValueError, match=r"repeat_interleave: repeats must be >= 0, got -1"):
        am.repeat_interleave(x, -1)
    with pytest.raises(TypeError, match="repeat_interleave: repeats must be an int"):
        am.repeat_interleave(x, [1.5, 2.0], 0)


# -- am.compile ------------------------------------------------------------------------


def _replays_as_eager(fn, *arrays):
    """fn compiled: recorded, then replayed on other values; each equal to eager bit for bit."""
    compiled = am.compile(fn)
    for k, xs in enumerate([arrays, [a + 0.25 for a in arrays], [a * -1.5 for a in arrays]]):
        eager_in = [am.tensor(a, requires_grad=True) for a in xs]
        comp_in = [am.tensor(a, requires_grad=True) for a in xs]
        want, got = fn(*eager_in), compiled(*comp_in)
        np.testing.assert_array_equal(got.data, want.data)
        want.backward(), got.backward()
        for e, c in zip(eager_in, comp_in):
            np.testing.assert_array_equal(c.grad.data, e.grad.data)


def test_compile_replays_the_fixed_shape_ops_bit_for_bit():
    x = data((3, 4))

    def f(t):
        a = am.tile(t, (2, 1)).sin().sum() + am.narrow(t, 1, 1, 2).exp().sum()
        b = sum((u * u).sum() for u in am.unbind(t, 1)) + sum(p.sum() * 2.0 for p in am.tensor_split(t, 3, 1))
        c = am.repeat_interleave(t, 2, 0).cos().sum() + am.repeat_interleave(t, [1, 0, 2, 1], 1).sum()
        g = am.meshgrid(t[0], t[:, 0])
        m = (g[0] * g[1]).sum()
        logic = am.logical_and(t > 0, t < 1) + am.logical_or(t > 0.5, t < -0.5) + am.logical_xor(t > 0, t > 1)
        logic = logic + am.logical_not(t > 0) + am.isclose(t, t * 1.0000001) + am.count_nonzero(t > 0, 1, True)
        return a + b + c + m + (logic * t).sum()

    _replays_as_eager(f, x)


def test_compile_index_select_takes_each_calls_index():
    x = data((3, 4))
    compiled = am.compile(lambda t, i: (am.index_select(t, 1, i) ** 2).sum())
    for idx in (np.array([0, 1]), np.array([3, 3]), np.array([2, 0])):
        t, u = am.tensor(x, requires_grad=True), am.tensor(x, requires_grad=True)
        got, want = compiled(t, am.tensor(idx) if idx[0] else idx), (am.index_select(u, 1, idx) ** 2).sum()
        np.testing.assert_array_equal(got.data, want.data)
        got.backward(), want.backward()
        np.testing.assert_array_equal(t.grad.data, u.grad.data)


@pytest.mark.parametrize("name, fn", [
    ("nonzero", lambda t: am.nonzero(t)[0] * 1.0),
    ("argwhere", lambda t: am.argwhere(t) * 1.0),
    ("flatnonzero", lambda t: am.flatnonzero(t) * 1.0),
    ("unique", lambda t: am.unique(t)),
    ("masked_select", lambda t: am.masked_select(t, t > 0)),
    ("searchsorted", lambda t: am.searchsorted(t, 0.5) * t),
    ("bincount", lambda t: am.bincount(am.tensor([0, 1, 1]), t)),
    ("repeat_interleave", lambda t: am.repeat_interleave(t, am.tensor([1, 2, 0]))),
    ("tensor_split", lambda t: am.tensor_split(t, am.tensor([1]))[0]),
    ("allclose", lambda t: t * am.allclose(t, t)),
])
def test_compile_refuses_data_dependent_ops_by_name(name, fn):
    t = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
    fn(t)  # (eager: fine)
    with pytest.raises(RuntimeError, match=f"compile: {name} of a tensor of shape \\(3,\\)" if name != "allclose"
                       else r"compile: the function reads a tensor's value \(bool\(\)"):
        am.compile(fn)(t)
