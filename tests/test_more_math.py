"""Tensor math that PyTorch and numpy users reach for: elementwise functions, predicates,
shape and order (flip, roll, gather, sort, topk, cumsum, ...), products, aliases and
creation. Values against naive numpy or math oracles, first and second order gradient
checks in float64, refusals that name the op and the shapes, and am.compile replays
equal to eager, bit for bit."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini as am

SMALL = settings(max_examples=10, deadline=None)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def rng(seed=0):
    return np.random.default_rng(seed)


def check_both(f, *inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


def elementwise(fn, x):
    """The naive oracle: Python's math function at every entry."""
    out = np.empty(x.shape)
    for i in np.ndindex(*x.shape):
        out[i] = fn(float(x[i]))
    return out


def assert_close_ulps(a, b, ulps):
    a, b = np.asarray(a, float), np.asarray(b, float)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    err = np.where(same, 0.0, np.abs(a - b) / np.spacing(np.maximum(np.abs(b), 1e-300)))
    assert err.max() <= ulps, (err.max(), a[np.argmax(err)], b[np.argmax(err)])


# -- elementwise ------------------------------------------------------------------------

ELEMENTWISE = [
    # name, math oracle, domain (low, high), ulps allowed against the oracle
    ("tan", math.tan, (-1.4, 1.4), 3),
    ("arcsin", math.asin, (-1.0, 1.0), 2),
    ("arccos", math.acos, (-1.0, 1.0), 2),
    ("arctan", math.atan, (-50.0, 50.0), 2),
    ("sinh", math.sinh, (-30.0, 30.0), 3),
    ("cosh", math.cosh, (-30.0, 30.0), 3),
    ("arcsinh", math.asinh, (-1e3, 1e3), 2),
    ("expm1", math.expm1, (-5.0, 5.0), 1),
    ("log2", math.log2, (1e-3, 1e3), 1),
    ("log10", math.log10, (1e-3, 1e3), 1),
    ("square", lambda v: v * v, (-5.0, 5.0), 0),
    ("reciprocal", lambda v: 1.0 / v, (0.1, 5.0), 0),
    ("rsqrt", lambda v: 1.0 / math.sqrt(v), (0.1, 5.0), 1),
]


@pytest.mark.parametrize("name, oracle, domain, ulps", ELEMENTWISE)
def test_elementwise_values_equal_the_math_oracle_as_function_and_method(name, oracle, domain, ulps):
    x = rng(1).uniform(*domain, (4, 50))
    ref = elementwise(oracle, x)
    assert_close_ulps(getattr(am, name)(x).data, ref, ulps)
    assert_close_ulps(getattr(am.tensor(x), name)().data, ref, ulps)


@pytest.mark.parametrize("name, oracle", [("sinh", math.sinh), ("arcsinh", math.asinh), ("expm1", math.expm1),
                                          ("tan", math.tan), ("arcsin", math.asin), ("arctan", math.atan)])
def test_tiny_arguments_are_exact_where_naive_formulas_cancel(name, oracle):
    x = np.array([1e-300, -1e-300, 1e-17, -3e-12, 2e-8, 0.0, -0.0])
    out = getattr(am, name)(x).data
    assert_close_ulps(out, elementwise(oracle, x), 2)
    assert np.array_equal(np.signbit(out), np.signbit(x))  # (odd functions keep -0.0)


def test_large_arguments_stay_finite_where_numpy_is():
    x = np.array([-710.4, -300.0, 300.0, 710.4, 1e200, -1e300])
    with np.errstate(over="ignore", invalid="ignore"):  # (1e200 and 1e300 overflow, as numpy's)
        assert_close_ulps(am.sinh(x).data, np.sinh(x), 4)
        assert_close_ulps(am.cosh(x).data, np.cosh(x), 4)
    assert_close_ulps(am.arcsinh(x).data, np.arcsinh(x), 2)
    assert_close_ulps(am.arctan(x).data, np.arctan(x), 1)


def test_log2_and_log10_are_exact_at_powers():
    assert am.log10(1000.0).item() == 3.0 and am.log10(1e-5).item() == -5.0
    assert am.log2(8.0).item() == 3.0 and am.log2(2.0 ** -40).item() == -40.0


@SMALL
@given(shape=shapes, seed=st.integers(0, 1000))
def test_elementwise_gradients_first_and_second_order(shape, seed):
    r = rng(seed)
    inside = r.uniform(-0.9, 0.9, shape)
    anywhere = r.uniform(-3, 3, shape)
    positive = r.uniform(0.2, 3, shape)
    for name in ("tan", "arcsin", "arccos"):
        check_both(getattr(am, name), am.tensor(inside, requires_grad=True))
    for name in ("arctan", "sinh", "cosh", "arcsinh", "expm1", "square"):
        check_both(getattr(am, name), am.tensor(anywhere, requires_grad=True))
    for name in ("log2", "log10", "reciprocal", "rsqrt"):
        check_both(getattr(am, name), am.tensor(positive, requires_grad=True))


def test_gradients_at_the_edges_are_the_limits_not_nan():
    def grad(f, v):
        x = am.tensor(np.array(v, float), requires_grad=True)
        with np.errstate(all="ignore"):  # (overflow and 1/0 on the way to the limits)
            f(x).backward(np.ones(x.shape))
        return x.grad.data

    np.testing.assert_array_equal(grad(am.arcsin, [-1.0, 1.0, 0.0]), [np.inf, np.inf, 1.0])
    np.testing.assert_array_equal(grad(am.arccos, [-1.0, 1.0, 0.0]), [-np.inf, -np.inf, -1.0])
    np.testing.assert_array_equal(grad(am.arcsinh, [0.0, -0.0, 1e300]), [1.0, 1.0, 1e-300])
    np.testing.assert_array_equal(grad(am.arctan, [0.0, 1e300, -np.inf]), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad(am.sinh, [0.0, 1e-300]), [1.0, 1.0])
    g = grad(am.cosh, [0.0, 709.0, -709.0])  # (above 709.78 the gradient overflows a step early)
    assert g[0] == 0.0 and np.isfinite(g[1:]).all() and g[1] == -g[2]
    assert not np.isnan(grad(am.sinh, [800.0, -800.0])).any()


def test_arctan2_broadcasts_and_differentiates_both_arguments():
    r = rng(2)
    y, x = r.standard_normal((3, 1, 4)), r.standard_normal((2, 1))
    np.testing.assert_array_equal(am.arctan2(y, x).data, np.arctan2(y, x))
    np.testing.assert_array_equal(am.tensor(y).arctan2(x).data, np.arctan2(y, x))
    check_both(am.arctan2, am.tensor(y, requires_grad=True), am.tensor(x, requires_grad=True))
    ty, tx = am.tensor(y, requires_grad=True), am.tensor(x, requires_grad=True)
    am.arctan2(ty, tx).sum().backward()
    yb, xb = np.broadcast_arrays(y, x)
    np.testing.assert_allclose(ty.grad.data, (xb / (xb ** 2 + yb ** 2)).sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(tx.grad.data, (-yb / (xb ** 2 + yb ** 2)).sum(axis=(0, 2))[:, None], rtol=1e-13)
    # every quadrant and the axes, as math.atan2
    pts = np.array(list(itertools.product([-2.0, -0.0, 0.0, 3.0], repeat=2)))
    out = am.arctan2(pts[:, 0], pts[:, 1]).data
    np.testing.assert_array_equal(out, np.arctan2(pts[:, 0], pts[:, 1]))
    assert_close_ulps(out, [math.atan2(a, b) for a, b in pts], 1)
    assert np.array_equal(np.signbit(out), [np.signbit(math.atan2(a, b)) for a, b in pts])
    ty, tx = am.tensor([0.0], requires_grad=True), am.tensor([0.0], requires_grad=True)
    am.arctan2(ty, tx).sum().backward()  # the origin: no derivative, taken as 0
    assert ty.grad.data[0] == 0.0 and tx.grad.data[0] == 0.0


def naive_round_half_even(v):
    f = math.floor(v)
    d = v - f
    r = f + 1 if d > 0.5 or (d == 0.5 and f % 2 == 1) else f
    return math.copysign(r, v) if r == 0 else float(r)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_floor_ceil_trunc_round_equal_numpy_with_signs_infs_and_nans(dtype):
    x = np.concatenate([rng(3).uniform(-6, 6, 200), np.arange(-4, 4.5, 0.5), [-0.0, 0.0, -0.4, 0.4, 1e20, -1e20,
                        np.inf, -np.inf, np.nan, 4503599627370495.5, 0.49999999999999994]]).astype(dtype)
    for name in ("floor", "ceil", "trunc", "round"):
        for out in (getattr(am, name)(x), getattr(am.tensor(x), name)()):
            ref = getattr(np, name)(x)
            assert out.dtype == ref.dtype
            np.testing.assert_array_equal(out.data, ref)
            assert np.array_equal(np.signbit(out.data), np.signbit(ref))
    finite = x[np.isfinite(x)].astype(float)
    np.testing.assert_array_equal(am.round(finite).data, [naive_round_half_even(v) for v in finite])
    for decimals in (1, 2, -1, -2):
        y = rng(4).uniform(-500, 500, 100).astype(dtype)
        np.testing.assert_array_equal(am.round(y, decimals).data, np.round(y, decimals))
        np.testing.assert_array_equal(am.tensor(y).round(decimals).data, np.round(y, decimals))


def test_rounding_of_integers_keeps_them_and_gradients_are_zero_as_pytorch():
    i = np.array([-3, 0, 7], dtype=np.int16)
    for name in ("floor", "ceil", "trunc", "round"):
        out = getattr(am, name)(i)
        assert out.dtype == np.int16 and np.array_equal(out.data, i)
        x = am.tensor([-1.5, 0.5, 2.5], requires_grad=True)
        y = getattr(am, name)(x)
        assert y.requires_grad
        (y * 3.0 + x).sum().backward()  # only x's own term reaches x
        np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 1.0])
        with am.no_grad():
            assert not getattr(am, name)(x).requires_grad
    with pytest.raises(TypeError, match=r"round: decimals must be an int"):
        am.round(np.ones(2), 1.5)


def test_clamp_is_clip_with_either_bound_none():
    x = rng(5).standard_normal((3, 4))
    for lo, hi in [(-0.5, 0.5), (None, 0.2), (-0.1, None), (None, None)]:
        ref = np.clip(x, -np.inf if lo is None else lo, np.inf if hi is None else hi)
        np.testing.assert_array_equal(am.clamp(x, lo, hi).data, ref)
        np.testing.assert_array_equal(am.tensor(x).clamp(min=lo, max=hi).data, ref)
    t = am.tensor(x, requires_grad=True)
    am.clamp(t, min=-0.5, max=0.5).sum().backward()
    np.testing.assert_array_equal(t.grad.data, (np.abs(x) < 0.5).astype(float))


# -- predicates ---------------------------------------------------------------------------


@SMALL
@given(shape=shapes, seed=st.integers(0, 1000), keepdims=st.booleans(), data=st.data())
def test_predicates_and_any_all_equal_numpy(shape, seed, keepdims, data):
    r = rng(seed)
    x = r.integers(-1, 2, shape).astype(float)
    x[r.random(shape) < 0.2] = np.nan
    x[r.random(shape) < 0.1] = np.inf
    x[r.random(shape) < 0.1] = -np.inf
    for name in ("isnan", "isinf", "isfinite"):
        for out in (getattr(am, name)(x), getattr(am.tensor(x, requires_grad=True), name)()):
            assert out.dtype == bool and not out.requires_grad
            np.testing.assert_array_equal(out.data, getattr(np, name)(x))
    axis = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))
                                     + [tuple(range(len(shape)))]))
    for name in ("any", "all"):
        ref = getattr(np, name)(x, axis=axis, keepdims=keepdims)
        for out in (getattr(am, name)(x, axis, keepdims), getattr(am.tensor(x), name)(axis, keepdims=keepdims)):
            assert out.dtype == bool and out.shape == np.shape(ref)
            np.testing.assert_array_equal(out.data, ref)


def test_any_and_all_of_nothing_and_of_integers_as_numpy():
    assert am.any(np.zeros((0, 3))).item() is False and am.all(np.zeros((0, 3))).item() is True
    np.testing.assert_array_equal(am.any(np.zeros((0, 3)), axis=0).data, np.zeros(3, bool))
    np.testing.assert_array_equal(am.all(np.array([[1, 2], [0, 3]]), axis=1).data, [True, False])
    with pytest.raises(ValueError, match=r"any: bad axis 2 for shape \(2, 2\)"):
        am.any(np.ones((2, 2)), axis=2)


# -- shape and order ------------------------------------------------------------------------


def naive_roll(x, shift, axis):
    out = np.empty_like(x)
    n = x.shape[axis]
    for idx in np.ndindex(*x.shape):
        dst = list(idx)
        dst[axis] = (idx[axis] + shift) % n
        out[tuple(dst)] = x[idx]
    return out


@SMALL
@given(shape=shapes, seed=st.integers(0, 1000), shift=st.integers(-7, 7), data=st.data())
def test_flip_roll_swapaxes_moveaxis_equal_numpy_and_differentiate(shape, seed, shift, data):
    x = rng(seed).standard_normal(shape)
    k = len(shape)
    axis = data.draw(st.integers(-k, k - 1))
    np.testing.assert_array_equal(am.roll(x, shift, axis).data, naive_roll(x, shift, axis))
    np.testing.assert_array_equal(am.roll(x, shift).data, np.roll(x, shift))
    np.testing.assert_array_equal(am.roll(x, (shift, 1), (axis, 0)).data, np.roll(x, (shift, 1), (axis, 0)))
    np.testing.assert_array_equal(am.tensor(x).roll(shift, axis).data, np.roll(x, shift, axis))
    np.testing.assert_array_equal(am.flip(x, axis).data, x[(slice(None),) * (axis % k) + (slice(None, None, -1),)])
    np.testing.assert_array_equal(am.flip(x).data, np.flip(x))
    if k > 1:
        np.testing.assert_array_equal(am.tensor(x).flip((0, -1)).data, np.flip(x, (0, -1)))
    other = data.draw(st.integers(-k, k - 1))
    np.testing.assert_array_equal(am.swapaxes(x, axis, other).data, np.swapaxes(x, axis, other))
    np.testing.assert_array_equal(am.moveaxis(x, axis, other).data, np.moveaxis(x, axis, other))
    np.testing.assert_array_equal(am.tensor(x).moveaxis(axis, other).data, np.moveaxis(x, axis, other))
    weights = rng(seed + 1).standard_normal(shape)
    t = am.tensor(x, requires_grad=True)
    check_both(lambda a: (am.roll(a, shift, axis) * weights).sin(), t)
    check_both(lambda a: (am.flip(a, axis) * weights).sin(), t)
    check_both(lambda a: am.moveaxis(a * a, axis, other), t)


def naive_take_along(x, idx, axis):
    out_shape = np.broadcast_shapes(x.shape[:axis] + (1,) + x.shape[axis + 1:],
                                    idx.shape[:axis] + (1,) + idx.shape[axis + 1:])
    out_shape = out_shape[:axis] + (idx.shape[axis],) + out_shape[axis + 1:]
    xb = np.broadcast_to(x, out_shape[:axis] + (x.shape[axis],) + out_shape[axis + 1:])
    ib = np.broadcast_to(idx, out_shape)
    out = np.empty(out_shape)
    for pos in np.ndindex(*out_shape):
        src = list(pos)
        src[axis] = ib[pos]
        out[pos] = xb[tuple(src)]
    return out


def naive_gather(x, dim, index):
    out = np.empty(index.shape)
    for pos in np.ndindex(*index.shape):
        src = list(pos)
        src[dim] = index[pos]
        out[pos] = x[tuple(src)]
    return out


@SMALL
@given(shape=shapes, seed=st.integers(0, 1000), m=st.integers(1, 5), data=st.data())
def test_take_along_axis_and_gather_equal_naive_loops_with_repeats(shape, seed, m, data):
    r = rng(seed)
    x = r.standard_normal(shape)
    k = len(shape)
    axis = data.draw(st.integers(0, k - 1))
    n = shape[axis]
    # take_along_axis: negative indices count from the end, other axes broadcast (length 1)
    ishape = tuple(m if i == axis else data.draw(st.sampled_from([1, s])) for i, s in enumerate(shape))
    idx = r.integers(-n, n, ishape)
    np.testing.assert_array_equal(am.take_along_axis(x, idx, axis).data, naive_take_along(x, idx % n, axis))
    np.testing.assert_array_equal(am.take_along_axis(x, idx, axis).data, np.take_along_axis(x, idx, axis))
    # gather: torch's, index no larger than x on the other axes, out of index's shape
    gshape = tuple(m if i == axis else data.draw(st.integers(1, s)) for i, s in enumerate(shape))
    gidx = r.integers(0, n, gshape)
    for out in (am.gather(x, axis, gidx), am.tensor(x).gather(axis, am.tensor(gidx))):
        assert out.shape == gshape
        np.testing.assert_array_equal(out.data, naive_gather(x, axis, gidx))
    t = am.tensor(x, requires_grad=True)
    check_both(lambda a: (am.take_along_axis(a, idx, axis) ** 2), t)
    check_both(lambda a: (am.gather(a, axis, gidx) ** 2), t)
    am.gather(t, axis, gidx).sum().backward()  # repeated indices add up
    counts = np.zeros(shape)
    for pos in np.ndindex(*gshape):
        src = list(pos)
        src[axis] = gidx[pos]
        counts[tuple(src)] += 1
    np.testing.assert_array_equal(t.grad.data, counts)


def test_take_along_axis_flattened_with_axis_none():
    x = rng(6).standard_normal((2, 3))
    idx = np.array([5, 0, 0, 2])
    np.testing.assert_array_equal(am.take_along_axis(x, idx, None).data, np.take_along_axis(x, idx, None))


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: am.gather(np.zeros((2, 3)), 1, np.zeros(2, int)), ValueError,
     r"gather: index of shape \(2,\) must have as many axes as x of shape \(2, 3\)"),
    (lambda: am.gather(np.zeros((2, 3)), 1, np.array([[0, 3]])), IndexError,
     r"gather: index 3 is out of range \[0, 2\] for dim 1 \(index of shape \(1, 2\), x of shape \(2, 3\)\)"),
    (lambda: am.gather(np.zeros((2, 3)), 1, np.array([[-1]])), IndexError,
     r"gather: index -1 is out of range .*index of shape \(1, 1\), x of shape \(2, 3\)"),
    (lambda: am.gather(np.zeros((2, 3)), 1, np.zeros((3, 1), int)), ValueError,
     r"gather: index of shape \(3, 1\) is larger than x of shape \(2, 3\)"),
    (lambda: am.gather(np.zeros((2, 3)), 2, np.zeros((1, 1), int)), ValueError,
     r"gather: bad axis 2 for shape \(2, 3\)"),
    (lambda: am.gather(np.zeros((2, 3)), 0, np.zeros((1, 1))), TypeError,
     r"gather: the index must hold integers, got dtype float64 \(index of shape \(1, 1\), x of shape \(2, 3\)\)"),
    (lambda: am.take_along_axis(np.zeros((2, 3)), np.zeros(2, int), 1), ValueError,
     r"take_along_axis: indices of shape \(2,\) must have as many axes as x of shape \(2, 3\)"),
    (lambda: am.take_along_axis(np.zeros((2, 3)), np.zeros((3, 1), int), 1), ValueError,
     r"take_along_axis: indices of shape \(3, 1\) do not broadcast against x of shape \(2, 3\)"),
    (lambda: am.take_along_axis(np.zeros((2, 3)), np.zeros((2, 1), int), -3), ValueError,
     r"take_along_axis: bad axis -3 for shape \(2, 3\)"),
    (lambda: am.take_along_axis(np.zeros((2, 3)), np.full((2, 1), 3), 1), IndexError,
     r"take_along_axis.*\(2, 3\)"),
    (lambda: am.flip(np.zeros((2, 3)), 2), ValueError, r"flip: bad axis 2 for shape \(2, 3\)"),
    (lambda: am.roll(np.zeros((2, 3)), 1, 5), ValueError, r"roll: bad axis 5 for shape \(2, 3\)"),
    (lambda: am.roll(np.zeros((2, 3)), (1, 2, 3), (0, 1)), ValueError,
     r"roll: shift \(1, 2, 3\) and axis \(0, 1\) do not broadcast together \(shape \(2, 3\)\)"),
    (lambda: am.swapaxes(np.zeros((2, 3)), 0, 2), ValueError, r"swapaxes: axes 0 and 2 .*\(2, 3\)"),
    (lambda: am.moveaxis(np.zeros((2, 3)), 0, (0, 1)), ValueError, r"moveaxis: source 0 and destination"),
    (lambda: am.moveaxis(np.zeros((2, 3)), 3, 0), ValueError, r"moveaxis: bad axis \(3,\) for shape \(2, 3\)"),
    (lambda: am.sort(np.zeros((2, 3)), 2), ValueError, r"sort: bad axis 2 for shape \(2, 3\)"),
    (lambda: am.argsort(np.zeros((2, 3)), -3), ValueError, r"argsort: bad axis -3 for shape \(2, 3\)"),
    (lambda: am.topk(np.zeros((2, 3)), 4), ValueError, r"topk: k must be an int in \[0, 3\], got 4 for shape \(2, 3\)"),
    (lambda: am.topk(np.zeros((2, 3)), 1, dim=2), ValueError, r"topk: bad axis 2 for shape \(2, 3\)"),
    (lambda: am.cumsum(np.zeros((2, 3)), 2), ValueError, r"cumsum: bad axis 2 for shape \(2, 3\)"),
    (lambda: am.diff(np.zeros((2, 3)), -1), ValueError, r"diff: order n must be an int >= 0"),
    (lambda: am.tensordot(np.zeros((2, 3)), np.zeros((2, 3)), 1), ValueError,
     r"tensordot: shapes \(2, 3\) and \(2, 3\) differ on the summed axes"),
    (lambda: am.tensordot(np.zeros((2, 3)), np.zeros((3,)), 2), ValueError, r"tensordot: axes=2 .*\(2, 3\) and \(3,\)"),
    (lambda: am.inner(np.zeros((2, 3)), np.zeros((2,))), ValueError,
     r"inner: the last axes of shapes \(2, 3\) and \(2,\)"),
    (lambda: am.dot(np.zeros((2, 3, 1)), np.zeros((1,))), ValueError, r"dot: operands must be 1-D or 2-D"),
    (lambda: am.diag(np.zeros((2, 3, 1))), ValueError, r"diag: x must be 1-D or 2-D, got shape \(2, 3, 1\)"),
    (lambda: am.trace(np.zeros(3)), ValueError, r"trace: x must have at least 2 axes, got shape \(3,\)"),
    (lambda: am.trace(np.zeros((2, 3)), 0, 1, -1), ValueError,
     r"trace: bad axis \(1, -1\) for shape \(2, 3\): repeated axis"),
    (lambda: am.cat([np.zeros(2)], axis=1, dim=0), TypeError, r"cat: got both axis=1 and dim=0"),
    (lambda: am.cat([np.zeros((2, 3)), np.zeros((3, 3))], dim=1), ValueError, r"concatenate.*\(2, 3\).*\(3, 3\)"),
])
def test_refusals_name_the_op_and_the_shapes(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_refusals_record_nothing():
    x = am.tensor(np.zeros((2, 3)), requires_grad=True)
    for call in (lambda: am.gather(x, 1, np.array([[0, 3]])), lambda: am.topk(x, 4)):
        with pytest.raises((ValueError, IndexError)):
            call()
    assert x.grad is None


def naive_stable_sort_order(row):
    key = [(math.isnan(v), 0.0 if math.isnan(v) else v, i) for i, v in enumerate(row)]
    return [i for *_, i in sorted(key)]


@SMALL
@given(shape=shapes, seed=st.integers(0, 1000), data=st.data())
def test_sort_argsort_topk_equal_naive_sorts_with_ties_and_nans(shape, seed, data):
    r = rng(seed)
    x = r.integers(-2, 3, shape).astype(float)
    x[r.random(shape) < 0.1] = np.nan
    k = len(shape)
    axis = data.draw(st.integers(-k, k - 1))
    moved = np.moveaxis(x, axis, -1)
    order = np.empty(moved.shape, int)
    for pos in np.ndindex(*moved.shape[:-1]):
        order[pos] = naive_stable_sort_order(moved[pos])
    order = np.moveaxis(order, -1, axis)
    np.testing.assert_array_equal(am.argsort(x, axis).data, order)
    np.testing.assert_array_equal(am.tensor(x).argsort(axis).data, order)
    np.testing.assert_array_equal(am.sort(x, axis).data, np.take_along_axis(x, order, axis))
    np.testing.assert_array_equal(am.sort(x, axis).data, np.sort(x, axis))
    np.testing.assert_array_equal(am.sort(x, None).data, np.sort(x, None))
    np.testing.assert_array_equal(am.argsort(x, None).data, np.argsort(x, None, kind="stable"))
    n = shape[axis]
    kk = data.draw(st.integers(0, n))
    for largest in (True, False):
        values, indices = am.topk(x, kk, axis, largest)
        assert values.shape == indices.shape == x.shape[:axis % k] + (kk,) + x.shape[axis % k + 1:]
        np.testing.assert_array_equal(values.data, np.take_along_axis(x, indices.data, axis))
        flat_sorted = np.moveaxis(np.sort(x, axis), axis, -1)  # NaN last: the largest
        want = flat_sorted[..., ::-1][..., :kk] if largest else flat_sorted[..., :kk]
        np.testing.assert_array_equal(np.moveaxis(values.data, axis, -1), want)
    # values are differentiable: the gradient goes where each value came from
    y = (r.permutation(x.size).reshape(shape) + 1) * 0.25
    t = am.tensor(y, requires_grad=True)
    check_both(lambda a: am.sort(a, axis) ** 2, t)
    if kk:
        check_both(lambda a: am.topk(a, kk, axis).values ** 2, t)
    res = am.topk(t, kk, axis, largest=False)
    assert res.indices.dtype.kind == "i" and not res.indices.requires_grad and res.values.requires_grad


def test_topk_takes_torchs_dim_keyword_and_method():
    x = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    v, i = am.tensor(x).topk(2, dim=1)
    np.testing.assert_array_equal(v.data, [[3.0, 2.0], [5.0, 4.0]])
    np.testing.assert_array_equal(i.data, [[0, 2], [1, 2]])
    v, i = am.topk(x, 1, dim=0, largest=False)
    np.testing.assert_array_equal(v.data, [[0.0, 1.0, 2.0]])


def naive_cumsum(x, axis):
    out = np.zeros(x.shape)
    for pos in np.ndindex(*x.shape):
        lead = pos[:axis]
        total = 0.0
        for j in range(pos[axis] + 1):
            total += x[lead + (j,) + pos[axis + 1:]]
        out[pos] = total
    return out


@SMALL
@given(shape=shapes, seed=st.integers(0, 1000), data=st.data())
def test_cumsum_and_diff_equal_naive_loops_and_differentiate(shape, seed, data):
    x = rng(seed).standard_normal(shape)
    k = len(shape)
    axis = data.draw(st.integers(0, k - 1))
    np.testing.assert_array_equal(am.cumsum(x, axis).data, naive_cumsum(x, axis))
    np.testing.assert_array_equal(am.tensor(x).cumsum(axis - k).data, np.cumsum(x, axis))
    np.testing.assert_array_equal(am.cumsum(x).data, np.cumsum(x))
    n = data.draw(st.integers(0, 3))
    np.testing.assert_array_equal(am.diff(x, n, axis).data, np.diff(x, n, axis))
    t = am.tensor(x, requires_grad=True)
    check_both(lambda a: am.cumsum(a * a, axis), t)
    check_both(lambda a: am.cumsum(a.sin()), t)
    check_both(lambda a: am.diff(a * a, n, axis), t)
    g = rng(seed + 1).standard_normal(shape)
    am.cumsum(t, axis).backward(g)  # the VJP: sums of g from the end
    np.testing.assert_allclose(t.grad.data, np.flip(naive_cumsum(np.flip(g, axis), axis), axis), rtol=1e-14)


def test_cumsum_keeps_numpys_integer_dtype():
    for x in (np.array([True, True, False]), np.array([1, 2, 3], np.int8)):
        out = am.cumsum(x)
        assert out.dtype == np.cumsum(x).dtype
        np.testing.assert_array_equal(out.data, np.cumsum(x))


# -- products ---------------------------------------------------------------------------------


def naive_tensordot(a, b, pa, pb):
    ra = [i for i in range(a.ndim) if i not in pa]
    rb = [j for j in range(b.ndim) if j not in pb]
    out = np.zeros(tuple(a.shape[i] for i in ra) + tuple(b.shape[j] for j in rb))
    for ia in np.ndindex(*(a.shape[i] for i in ra)):
        for ib in np.ndindex(*(b.shape[j] for j in rb)):
            total = 0.0
            for s in np.ndindex(*(a.shape[i] for i in pa)):
                ka, kb = [0] * a.ndim, [0] * b.ndim
                for i, v in zip(ra, ia):
                    ka[i] = v
                for j, v in zip(rb, ib):
                    kb[j] = v
                for i, j, v in zip(pa, pb, s):
                    ka[i] = kb[j] = v
                total += a[tuple(ka)] * b[tuple(kb)]
            out[ia + ib] = total
    return out


def test_tensordot_equals_a_naive_loop_and_numpy_for_each_axes_form():
    r = rng(7)
    a, b = r.standard_normal((2, 3, 4)), r.standard_normal((4, 3, 5))
    for axes, (pa, pb) in [(1, ((2,), (0,))), (0, ((), ())), (([1, 2], [1, 0]), ((1, 2), (1, 0))),
                           ((2, 0), ((2,), (0,))), (([-1], [0]), ((2,), (0,)))]:
        out = am.tensordot(a, b, axes)
        np.testing.assert_allclose(out.data, naive_tensordot(a, b, pa, pb), rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(out.data, np.tensordot(a, b, axes), rtol=1e-13, atol=1e-14)
        check_both(lambda x, y, axes=axes: am.tensordot(x, y, axes),
                   am.tensor(a, requires_grad=True), am.tensor(b, requires_grad=True))
    c = r.standard_normal((3, 2))
    np.testing.assert_allclose(am.tensordot(c, c).data, np.tensordot(c, c), rtol=1e-13)


def test_outer_inner_dot_diag_trace_equal_numpy():
    r = rng(8)
    u, v, m = r.standard_normal(4), r.standard_normal(4), r.standard_normal((3, 5))
    np.testing.assert_array_equal(am.outer(u, v[:3]).data, [[a * b for b in v[:3]] for a in u])
    np.testing.assert_array_equal(am.outer(m, u).data, np.outer(m, u))
    np.testing.assert_allclose(am.inner(u, v).data, sum(a * b for a, b in zip(u, v)), rtol=1e-14)
    np.testing.assert_allclose(am.inner(m, r.standard_normal((2, 5))).shape, (3, 2))
    np.testing.assert_allclose(am.tensor(u).inner(v).data, np.inner(u, v), rtol=1e-14)
    np.testing.assert_allclose(am.dot(u, v).data, np.dot(u, v), rtol=1e-14)
    np.testing.assert_allclose(am.dot(m.T, m).data, np.dot(m.T, m), rtol=1e-14)
    for k in (-2, -1, 0, 1, 3):
        np.testing.assert_array_equal(am.diag(u, k).data, np.diag(u, k))
        np.testing.assert_array_equal(am.diag(m, k).data, np.diag(m, k))
        np.testing.assert_array_equal(am.tensor(m).diag(k).data, np.diag(m, k))
        np.testing.assert_allclose(am.trace(m, k).data, sum(m[i, i + k] for i in range(3) if 0 <= i + k < 5)
                                   if k > -3 else 0.0, rtol=1e-14)
    np.testing.assert_array_equal(am.diag(np.array([np.inf, 1.0])).data, np.diag([np.inf, 1.0]))  # no inf * 0
    x = r.standard_normal((2, 3, 4, 3))
    np.testing.assert_allclose(am.trace(x, 1, 1, 3).data, np.trace(x, 1, 1, 3), rtol=1e-14)
    np.testing.assert_allclose(am.tensor(x).trace(-1, -1, 1).data, np.trace(x, -1, -1, 1), rtol=1e-14)
    t = am.tensor(x, requires_grad=True)
    check_both(lambda a: am.trace(a * a, 0, 1, 3), t)
    check_both(lambda a: am.diag(am.diag(a[0, 0]) * 2.0, 0) ** 2, t)
    check_both(lambda a, b: am.outer(a, b) ** 2, am.tensor(u, requires_grad=True), am.tensor(v, requires_grad=True))
    check_both(lambda a, b: am.inner(a, b) ** 2, am.tensor(m, requires_grad=True), am.tensor(m[:2], requires_grad=True))


def test_cat_is_concatenate_with_torchs_dim():
    a, b = np.ones((2, 3)), np.zeros((2, 1))
    np.testing.assert_array_equal(am.cat([a, b], dim=1).data, np.concatenate([a, b], axis=1))
    np.testing.assert_array_equal(am.cat([a, b.T[:, :2].T], 1).data, np.concatenate([a, b], axis=1))
    np.testing.assert_array_equal(am.cat([a, a]).data, np.concatenate([a, a]))
    np.testing.assert_array_equal(am.cat([a, a], axis=None).data, np.concatenate([a, a], axis=None))


# -- creation ----------------------------------------------------------------------------------


def test_linspace_empty_from_numpy_as_tensor():
    np.testing.assert_array_equal(am.linspace(0, 1, 5).data, [0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(am.linspace(-1.0, 2.0, 7, endpoint=False).data,
                                  np.linspace(-1.0, 2.0, 7, endpoint=False))
    assert am.linspace(0, 1, 3, dtype=np.float32).dtype == np.float32 and am.linspace(0, 1).shape == (50,)
    e = am.empty(2, 3)
    assert e.shape == (2, 3) and e.dtype == am.get_default_dtype() and am.empty((4,)).shape == (4,)
    a = np.arange(6.0).reshape(2, 3)
    t = am.from_numpy(a)
    a[0, 0] = 9.0
    assert t.data[0, 0] == 9.0  # shares memory, as torch.from_numpy
    t.data[1, 2] = -1.0
    assert a[1, 2] == -1.0
    assert am.as_tensor(a).data is a and am.as_tensor(t) is t
    assert am.as_tensor(a, dtype=np.float32).data is not a
    assert am.as_tensor([1.0, 2.0]).dtype == am.get_default_dtype()
    assert am.as_tensor(t, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="from_numpy: expected an ndarray, got list"):
        am.from_numpy([1.0])
    with pytest.raises(ValueError, match="linspace: num must be an int >= 0"):
        am.linspace(0, 1, -1)


def test_randint_and_randperm_draw_from_the_seeded_generator():
    am.manual_seed(5)
    a, p = am.randint(3, 9, (4, 5)), am.randperm(10)
    am.manual_seed(5)
    b, q = am.randint(3, 9, (4, 5)), am.randperm(10)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(p.data, q.data)
    assert a.dtype == np.int64 and a.shape == (4, 5) and a.data.min() >= 3 and a.data.max() < 9
    assert sorted(p.data.tolist()) == list(range(10)) and p.dtype == np.int64
    assert am.randint(10, (3,)).shape == (3,)  # torch's randint(high, size)
    assert am.randint(2, 5).shape == ()
    assert am.randint(0, 4, 6, dtype=np.int8).dtype == np.int8
    with pytest.raises(ValueError, match="randint: low must be below high, got low=5, high=5"):
        am.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="randint: dtype must be an integer dtype"):
        am.randint(0, 5, (2,), dtype=np.float64)
    with pytest.raises(ValueError, match="randperm: n must be an int >= 0"):
        am.randperm(-1)
    with pytest.raises(RuntimeError, match="randint: random numbers cannot be compiled"):
        am.compile(lambda x: x * am.randint(0, 2, (3,)))(am.tensor(np.ones(3), requires_grad=True))


# -- am.compile: replays equal eager, bit for bit ------------------------------------------------


def assert_replays(fn, make_args, calls=3):
    compiled = am.compile(fn)
    for seed in range(calls):
        outs = []
        for f in (fn, compiled):
            args = make_args(seed)
            out = f(*args)
            out.backward(np.ones(out.shape))
            outs.append((out.data.copy(), [a.grad.data.copy() for a in args if isinstance(a, am.Tensor)
                                           and a.requires_grad]))
        (va, ga), (vb, gb) = outs
        assert va.dtype == vb.dtype and np.array_equal(va, vb, equal_nan=True)
        for x, y in zip(ga, gb):
            assert np.array_equal(x, y, equal_nan=True)


def test_compiled_elementwise_and_predicates_replay_bit_for_bit():
    def fn(x, y):
        inside = am.tanh(x)
        out = (am.tan(inside) + am.arcsin(inside * 0.9) + am.arccos(inside * 0.9) + am.arctan(x)
               + am.arctan2(x, y) + am.sinh(x) + am.cosh(x) + am.arcsinh(x) + am.expm1(x)
               + am.log2(y * y + 1) + am.log10(y * y + 1) + am.square(x) + am.reciprocal(y * y + 1)
               + am.rsqrt(y * y + 1) + am.floor(x * 3) * x + am.ceil(x) + am.round(x * 3, 1) * x
               + am.trunc(x * 2) + am.clamp(x, -0.5, None))
        flags = am.isnan(x) + am.isinf(y) + am.isfinite(x) + am.any(x > 1, 1, True) + am.all(x > -1, 0)
        return out * (flags + 1)

    def make(seed):
        r = rng(seed)
        y = r.standard_normal((3, 4)) * 30
        y[0, seed] = np.inf
        return am.tensor(r.standard_normal((3, 4)) * 2, requires_grad=True), am.tensor(y, requires_grad=True)

    with np.errstate(invalid="ignore", over="ignore"):
        assert_replays(fn, make)


def test_compiled_shape_order_and_products_replay_bit_for_bit_with_each_calls_index():
    def fn(x, idx, gidx):
        a = am.flip(x, 0) * am.roll(x, 2, 1) + am.moveaxis(am.swapaxes(x, 0, 1), 0, 1)
        b = am.take_along_axis(x, idx, 1) * 2 + am.gather(x, 1, gidx)
        c = am.cumsum(x, 1) + am.diff(am.cat([x, x[:, :1]], dim=1), axis=1)
        d = am.tensordot(x, x, ([1], [1])) + am.outer(x[0], x[1])[:3, :3] + am.diag(am.diag(x[:, :3]))
        return (a + c) * am.trace(d) + b.sum() + am.inner(x[0], x[2]) + am.dot(x[1], x[2])

    def make(seed):
        r = rng(seed)
        return (am.tensor(r.standard_normal((3, 4)), requires_grad=True), r.integers(-4, 4, (3, 4)),
                am.tensor(r.integers(0, 4, (3, 4))))

    assert_replays(fn, make)


def test_compiled_sort_and_topk_whose_index_comes_from_the_data_replay_each_calls_order():
    # (they were refused: the order went to getitem as a parameter, which a replay would reuse)
    for f in (lambda a: am.sort(a, 1) * am.arange(3.0), lambda a: am.topk(a, 2)[0] * am.arange(2.0)):
        assert_replays(f, lambda seed: (am.tensor(rng(seed).standard_normal((2, 3)), requires_grad=True),))
    # argsort alone replays: a primitive, recomputed on each call
    g = am.compile(lambda a: am.argsort(a * 2, 1))
    for seed in range(3):
        y = rng(seed).standard_normal((2, 3))
        np.testing.assert_array_equal(g(am.tensor(y)).data, np.argsort(y, 1, kind="stable"))


def test_float16_sqrt_arcsin_arccos_of_minus_inf_are_nan_as_numpy():
    # float16 x ** 0.5 is C's pow, and pow(-inf, 0.5) is +inf: am.sqrt gave inf, and
    # arcsin(inf), arccos(inf) (which take sqrt(1 - x)) gave +-pi/4 and 3 pi/4.
    x = np.array([np.inf, -np.inf, 2.0, -2.0, 0.25, 1.0, -1.0, -0.0, 65504.0], np.float16)
    for name in ("sqrt", "arcsin", "arccos"):
        with np.errstate(invalid="ignore"):  # (numpy's own warnings, outside the domain)
            got = getattr(am, name)(am.tensor(x)).data
            want = getattr(np, name)(x)
        assert got.dtype == np.float16
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        np.testing.assert_allclose(got, want, rtol=3 * 2.0 ** -10, err_msg=name)  # (3 ulps)
    every = np.arange(2 ** 16, dtype=np.uint16).view(np.float16)  # (each float16)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(am.sqrt(am.tensor(every)).data, np.sqrt(every))


def test_float16_sinh_cosh_arcsinh_are_finite_or_inf_where_numpys_are_never_nan():
    # float16 sinh took expm1(|x|) up to |x| = 22, but float16 expm1 overflows at 11.1:
    # inf / (inf + 1) made sinh(12) NaN (numpy: inf) and sinh(11.5) NaN (numpy: 49312).
    # arcsinh squared |x| below 2**28: in float16 that overflows at 256 (arcsinh(300) NaN).
    every = np.arange(2 ** 16, dtype=np.uint16).view(np.float16)  # (each float16)
    for name in ("sinh", "cosh", "arcsinh"):
        with np.errstate(over="ignore", invalid="ignore"):
            got = getattr(am, name)(am.tensor(every)).data
            want = getattr(np, name)(every)
        assert got.dtype == np.float16
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        np.testing.assert_array_equal(np.isinf(got), np.isinf(want), err_msg=name)
        np.testing.assert_allclose(got, want, rtol=2 * 2.0 ** -10, err_msg=name)  # (2 ulps)
    for name in ("sinh", "cosh", "arcsinh"):
        x = am.tensor(np.array([-12.0, 11.5, 300.0, 0.5], np.float16), requires_grad=True)
        with np.errstate(over="ignore", invalid="ignore"):  # (sinh(300) overflows float16 as numpy's
            getattr(am, name)(x).sum().backward()                # does, warning too; inf - inf in the sum)
        assert x.grad.dtype == np.float16 and not np.isnan(x.grad.data).any(), name


@pytest.mark.parametrize("name", ["tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "expm1",
                                  "log2", "log10"])
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64])
def test_integer_and_bool_inputs_give_numpys_float(name, dtype):
    # arcsin, arccos, arctan, sinh, cosh and arcsinh gave float64 for int8 and bool
    # (numpy: float16, as am.sin and am.exp), and sinh and arcsinh of bools raised
    # numpy's "boolean negative" from inside their neg.
    x = np.array([0, 1, 1, 0, 1], dtype)
    with np.errstate(divide="ignore"):
        got = getattr(am, name)(am.tensor(x)).data
        want = getattr(np, name)(x)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=3 * np.finfo(want.dtype).eps)


@pytest.mark.parametrize("k", [-2, 0, 1])
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.float16, np.float32])
def test_diag_of_a_vector_keeps_its_dtype_as_numpy(k, dtype):
    # where(mask, x, 0) with an int 0 made a bool vector's matrix int64 (np.diag: bool)
    for x in (np.array([1, 0, 1], dtype), np.zeros(0, dtype)):
        got, want = am.diag(am.tensor(x), k).data, np.diag(x, k)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("axis", [0, -1, (0,)])
def test_roll_of_a_0d_tensor_along_an_axis_is_refused_naming_roll(axis):
    # (it raised "not enough values to unpack (expected 1, got 0)"; np.roll: AxisError)
    with pytest.raises(ValueError, match=r"roll: .*0-d.*shape \(\)"):
        am.roll(am.tensor(3.0), 1, axis)
    assert am.roll(am.tensor(3.0), 1).item() == 3.0  # (axis=None: the flattened x, as numpy)


def test_gather_of_a_0d_tensor_checks_dim_and_index_as_torch():
    # (any dim and any index value returned x: gather(x, 5, 7) was x)
    x = am.tensor(3.0, requires_grad=True)
    assert am.gather(x, -1, np.array(0)).item() == 3.0
    with pytest.raises(IndexError, match=r"gather: index 1 is out of range"):
        am.gather(x, 0, np.array(1))
    with pytest.raises(IndexError, match=r"gather: index -1 is out of range"):
        am.gather(x, 0, np.array(-1))
    with pytest.raises(ValueError, match=r"gather: dim must be 0 or -1 for a 0-d x, got 1"):
        am.gather(x, 1, np.array(0))


def test_cat_refuses_an_explicit_axis_0_with_another_dim():
    # (axis=0 was taken for the default: cat(ts, 0, dim=1) joined along 1, silently)
    ts = [am.ones(2, 2), am.zeros(2, 2)]
    with pytest.raises(TypeError, match=r"cat: got both axis=0 and dim=1"):
        am.cat(ts, 0, dim=1)
    with pytest.raises(TypeError, match=r"cat: got both axis=0 and dim=-1"):
        am.cat(ts, axis=0, dim=-1)
    assert am.cat(ts, dim=1).shape == (2, 4) and am.cat(ts, 1, dim=1).shape == (2, 4)
    assert am.cat(ts).shape == (4, 2) and am.cat(ts, 0, dim=0).shape == (4, 2)


def test_cosh_gradient_is_sinh_to_the_last_digits_near_0():
    # (as e**x / 2 - e**-x / 2 of the squares it cancelled: 0 at 1e-300, 8e-8 relative
    # error at 1e-10; sinh's and arcsinh's gradients were already exact there)
    x = np.array([1e-300, -1e-300, 1e-10, -3e-8, 1e-5, 1e-3, 0.1, 3.0, -21.9, 25.0, 0.0, -0.0])
    t = am.tensor(x, requires_grad=True)
    am.cosh(t).sum().backward()
    np.testing.assert_allclose(t.grad.data, np.sinh(x), rtol=4e-16, atol=0)
    np.testing.assert_allclose(am.cosh(am.tensor(x)).data, np.cosh(x), rtol=3 * 2.0 ** -52, atol=0)
    assert am.gradgradcheck(am.cosh, (am.tensor(np.array([1e-3, -0.5, 1.5, 0.0]), requires_grad=True),))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64])
def test_round_of_integers_to_tens_and_hundreds_as_numpy(dtype):
    # (negative decimals returned the integers unchanged: round(int [-6, 15], -1) was
    # [-6, 15], numpy's [-10, 20])
    x = np.array([0, 5, 15, 25, 7, 49, 51, 123, 99], dtype)
    if np.dtype(dtype).kind == "i":
        x = np.concatenate([x, -x, np.array([np.iinfo(dtype).min], dtype)])
    for d in (-1, -2, -3):
        with np.errstate(invalid="ignore"):
            got, want = am.round(am.tensor(x), d).data, np.round(x, d)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want, err_msg=f"decimals={d}")
    t = am.tensor(x)
    assert am.round(t, 1) is not t and np.array_equal(am.round(t, 1).data, x)  # (a copy, as numpy)


def test_round_with_decimals_is_never_nan_for_a_finite_x():
    # (x * 10**decimals overflowed to inf, and round(inf) inside gave NaN: round(1e300, 9)
    # and float16 round(173.8, 3) were NaN. numpy gives inf; the rounded value is x
    # itself, whose spacing is far above 10**-decimals)
    for x, d in ((np.array([1e300, -1e300, 1.5e308, 2.675]), 9), (np.array([173.8, -239.2, 6e4, 0.1], np.float16), 3),
                 (np.array([3e38, 1.25], np.float32), 1)):
        got = am.round(am.tensor(x), d).data
        assert got.dtype == x.dtype and not np.isnan(got).any()
        with np.errstate(over="ignore", invalid="ignore"):
            fits = np.isfinite(x * x.dtype.type(10.0 ** d))
        np.testing.assert_array_equal(got[~fits], x[~fits])
        with np.errstate(over="ignore", invalid="ignore"):  # (numpy's own round warns where it overflows)
            want = np.round(x, d)
        np.testing.assert_array_equal(got[fits], want[fits])
