"""numpy's everyday functions under numpy's names (numpy_math.py, numpy_arrays.py,
numpy_stats.py, creation.py): values against numpy itself (the reference implementation
of these names), float64 first- and second-order gradient checks, the kinks and infinite
slopes, am.compile replays, and bad input."""

import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am

HYP = settings(max_examples=8, deadline=None)


def rng(seed=0):
    return np.random.default_rng(seed)


def T(a):
    return am.tensor(np.asarray(a, dtype=float), requires_grad=True)


def check_both(f, *arrays):
    inputs = [T(a) for a in arrays]
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


def same(out, expected, rtol=1e-15):
    """out (a Tensor) equals numpy's `expected`: shape, dtype, values (NaN where numpy's,
    and the sign of zeros and NaNs too where `rtol` is 0)."""
    expected = np.asarray(expected)
    assert isinstance(out, am.Tensor), type(out)
    assert out.shape == expected.shape, (out.shape, expected.shape)
    assert out.dtype == expected.dtype, (out.dtype, expected.dtype)
    if expected.dtype.kind in "fc":
        r = max(rtol, 4e-7) if expected.dtype == np.float32 else rtol
        if expected.dtype == np.float16:
            r = max(rtol, 2e-3)
        np.testing.assert_allclose(out.data, expected, rtol=r, atol=0, equal_nan=True)
        if rtol == 0:
            assert np.array_equal(np.signbit(out.data), np.signbit(expected))
    else:
        np.testing.assert_array_equal(out.data, expected)


SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e300, -1e-300, 2.0, 27.0, -8.0, 0.5,
                    1e-5, -3.5, 2.5])


def inputs(shape_list=((3, 4), (0, 3), (), (5,))):
    for k, shape in enumerate(shape_list):
        a = rng(k).standard_normal(shape) * 3
        yield a
        yield a.astype(np.float32)
    yield SPECIAL
    yield np.arange(-3, 4)
    yield np.array([True, False])


# -- elementwise --------------------------------------------------------------------------

UNARY = ["exp2", "sinc", "deg2rad", "rad2deg", "degrees", "radians", "arccosh", "arctanh", "cbrt",
         "fabs", "rint", "fix", "around", "positive", "negative", "signbit", "isneginf", "isposinf",
         "isreal"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_elementwise_equals_numpy(name):
    f, g = getattr(am, name), getattr(np, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in inputs():
            try:
                expected = g(x)
            except TypeError:  # (numpy refuses it: so do we, with the name)
                with pytest.raises(TypeError, match=name):
                    f(x)
                continue
            same(f(x), expected, rtol=0 if name in ("deg2rad", "rad2deg", "fabs", "rint", "fix", "around",
                                                    "positive", "negative") else 1e-15)
            assert not f(T(x) if x.dtype.kind == "f" else x).requires_grad or name not in (
                "signbit", "isneginf", "isposinf", "isreal")


def test_signbit_sees_negative_zero_and_negative_nan():
    x = np.array([-0.0, 0.0, -np.nan, np.nan, -np.inf, 1.0, -1e-300])
    same(am.signbit(x), np.signbit(x))
    assert not am.signbit(T([1.0, -1.0])).requires_grad


BINARY = ["hypot", "logaddexp", "logaddexp2", "fmax", "fmin", "copysign", "float_power"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_elementwise_equals_numpy_with_broadcasting_and_dtypes(name):
    f, g = getattr(am, name), getattr(np, name)
    a = rng(1).standard_normal((3, 4))
    pairs = [(a, rng(2).standard_normal(4)), (SPECIAL[:, None], SPECIAL[None, :]),
             (a.astype(np.float32), 2.0), (np.arange(3), np.arange(3)[:, None]),
             (np.zeros((0, 3)), np.ones(3)), (np.float64(1.5).reshape(()), a)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x, y in pairs:
            if name == "float_power":
                x = np.abs(x)
            same(f(x, y), g(x, y), rtol=0 if name in ("fmax", "fmin", "copysign") else 2e-15)
    with pytest.raises(ValueError, match=rf"{name}.*\(3,\).*\(4,\)"):
        f(np.ones(3), np.ones(4))


def test_elementwise_gradients_first_and_second_order():
    a, b = rng(3).standard_normal((3, 4)), rng(4).standard_normal(4)
    for name in ("hypot", "logaddexp", "logaddexp2", "fmax", "fmin"):
        check_both(getattr(am, name), a, b)
    check_both(lambda x: am.copysign(x, b), np.where(np.abs(a) < 0.2, 0.5, a))
    check_both(am.float_power, np.abs(a) + 0.1, b)
    away = np.where(np.abs(a) < 0.2, 0.5, a)
    for name, x in [("exp2", a), ("sinc", a), ("deg2rad", a), ("rad2deg", a), ("degrees", a),
                    ("radians", a), ("arccosh", np.abs(a) + 1.1), ("arctanh", np.tanh(a) * 0.9),
                    ("cbrt", away), ("fabs", away), ("positive", a), ("negative", a)]:
        check_both(getattr(am, name), x)


@given(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), st.integers(0, 2**16))
@HYP
def test_hypot_and_logaddexp_gradients_on_broadcast_shapes(shape, seed):
    a = rng(seed).standard_normal(shape)
    b = rng(seed + 1).standard_normal(shape[1:])
    check_both(am.hypot, a, b)
    check_both(am.logaddexp, a, b)
    check_both(lambda x: am.sinc(x * 2.0) + am.cbrt(x * x + 0.5), a)


def _grads(f, v):
    x = T(v)
    (g,) = am.autograd.grad(f(x).sum(), [x], create_graph=True)
    (gg,) = am.autograd.grad(g.sum(), [x])
    return g.data, gg.data


def _grad(f, v):
    x = T(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        f(x).sum().backward()
    return x.grad.data


def test_kinks_and_infinite_slopes_follow_abs_sqrt_and_maximum():
    # sinc: 1 at 0, slope 0 and curvature -pi**2 / 3 there, no NaN
    g, gg = _grads(am.sinc, [0.0, 1e-4])
    assert am.sinc(0.0).item() == 1.0 and g[0] == 0.0
    np.testing.assert_allclose(gg, -np.pi ** 2 / 3, rtol=1e-6)
    # infinite slopes are inf, as am.sqrt's at 0
    assert np.all(_grad(am.cbrt, [0.0, -0.0]) == np.inf)
    assert _grad(am.sqrt, [0.0])[0] == np.inf
    assert _grad(am.arccosh, [1.0])[0] == np.inf
    assert np.all(_grad(am.arctanh, [1.0, -1.0]) == np.inf)
    # hypot's kink at the origin: gradient 0, as am.abs at 0
    x, y = T([0.0, 3.0]), T([0.0, 4.0])
    am.hypot(x, y).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.6], rtol=1e-15)
    np.testing.assert_allclose(y.grad.data, [0.0, 0.8], rtol=1e-15)
    assert _grad(am.abs, [0.0])[0] == 0.0
    # ties split in half, as am.maximum; fmax sends the gradient to the number, not the NaN
    x, y = T([1.0, np.nan, 2.0, np.inf]), T([np.nan, 1.0, 2.0, np.inf])
    am.fmax(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 0.5, 0.5])
    np.testing.assert_array_equal(y.grad.data, [0.0, 1.0, 0.5, 0.5])
    x, y = T([1.0, np.inf, -np.inf]), T([1.0, np.inf, -np.inf])
    out = am.logaddexp(x, y)
    out.backward(am.ones(3))
    same(out.detach(), np.logaddexp(x.data, y.data), rtol=0)
    np.testing.assert_array_equal(x.grad.data, [0.5, 0.5, 0.5])
    # huge and tiny values: no overflow, no underflow
    same(am.hypot(1e300, 1e300), np.hypot(1e300, 1e300))
    same(am.hypot(3e-320, 4e-320), np.hypot(3e-320, 4e-320))


def test_cbrt_of_perfect_cubes_is_exact_as_numpy():
    x = np.array([27.0, 64.0, -125.0, 1e-300, 3.375, 1000.0, -0.0])
    same(am.cbrt(x), np.cbrt(x), rtol=0)


def test_python_numbers_do_not_upcast_float32():
    x = am.tensor(np.float32([1.0, 2.0]))
    for name in BINARY:
        if name != "float_power":
            assert getattr(am, name)(x, 2.0).dtype == np.float32, name
            assert getattr(am, name)(3, x).dtype == np.float32, name


def _eager_and_compiled(f, arrays, seeds=3):
    """f's value and gradients, eager and through am.compile, on `seeds` draws of the inputs:
    equal bit for bit (the tape recorded once)."""
    step = am.compile(f)
    for seed in range(seeds):
        outs = []
        for g in (f, step):
            xs = [am.tensor(a(seed), requires_grad=True) for a in arrays]
            out = g(*xs)
            out.backward()
            outs.append([out.data.copy()] + [x.grad.data.copy() for x in xs])
        for u, v in zip(*outs):
            assert u.dtype == v.dtype and np.array_equal(u, v, equal_nan=True)
    assert step.recordings == 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elementwise_replay_bit_for_bit(dtype):
    def f(x, y):
        return (am.hypot(x, y) * am.logaddexp(x, y) + am.cbrt(x) * am.sinc(y) + am.fmax(x, y)
                + am.arctanh(am.tanh(x) * 0.5) + am.copysign(y, x) + am.exp2(y) + am.signbit(x) * y).sum()

    _eager_and_compiled(f, [lambda s: rng(s).standard_normal((3, 4)).astype(dtype),
                            lambda s: rng(s + 9).standard_normal(4).astype(dtype)])


# -- shape and array functions ----------------------------------------------------------------

A3 = rng(5).standard_normal((2, 3, 4))


def same_exact(out, expected):
    expected = np.asarray(expected)
    assert out.shape == expected.shape and out.dtype == expected.dtype, (out.shape, expected.shape,
                                                                         out.dtype, expected.dtype)
    assert np.array_equal(out.data, expected, equal_nan=True)


@pytest.mark.parametrize("x", [A3, A3.astype(np.float32), np.arange(24).reshape(4, 6), np.zeros((0, 2, 3))])
def test_shape_functions_equal_numpy(x):
    for ax in (0, -1, (0, 2), (-1, 0)):
        same_exact(am.expand_dims(x, ax), np.expand_dims(x, ax))
    same_exact(am.expand_dims(np.float64(2.0).reshape(()), 0), np.expand_dims(np.float64(2.0).reshape(()), 0))
    same_exact(am.ravel(x), np.ravel(x))
    same_exact(am.fliplr(x), np.fliplr(x))
    same_exact(am.flipud(x), np.flipud(x))
    for k in range(-5, 6):
        for axes in ((0, 1), (1, 0), (-1, 0)):
            same_exact(am.rot90(x, k, axes), np.rot90(x, k, axes))
    for s in (2, [1, 3], [0, 0, 5]):
        for name in ("hsplit", "vsplit", "dsplit"):
            if name == "dsplit" and x.ndim < 3:
                continue
            try:
                expected = getattr(np, name)(x, s)
            except ValueError:
                with pytest.raises(ValueError, match=name):
                    getattr(am, name)(x, s)
                continue
            got = getattr(am, name)(x, s)
            assert len(got) == len(expected)
            for u, v in zip(got, expected):
                same_exact(u, v)
    for k in (-2, 0, 1):
        same_exact(am.diagflat(x[:1, :2], k), np.diagflat(x[:1, :2], k))
    for axis in (None, 0, 1, -1):
        vals = x[:1] if axis == 0 else x[:, :2] if axis == 1 else np.arange(3)
        if axis == -1:
            vals = x[..., :1]
        same_exact(am.append(x, vals, axis), np.append(x, vals, axis))


def test_take_equals_numpy_in_every_mode():
    for idx in ([0, 5, -1], [[1, 2], [3, 0]], np.array(7), [], [-30, 30]):
        for axis in (None, 0, 2, -1):
            for mode in ("raise", "wrap", "clip"):
                try:
                    expected = np.take(A3, idx, axis=axis, mode=mode)
                except IndexError:
                    with pytest.raises(IndexError, match=r"take.*out of bounds"):
                        am.take(A3, idx, axis=axis, mode=mode)
                    continue
                same_exact(am.take(A3, idx, axis=axis, mode=mode), expected)
    with pytest.raises(ValueError, match="take: mode"):
        am.take(A3, [0], mode="nearest")


def test_put_along_axis_is_numpys_out_of_place():
    for axis in (0, 1, -1):
        idx = np.argsort(A3, axis=axis)[(slice(None),) * (axis % 3) + (slice(0, 2),)]
        for v in (99.0, rng(6).standard_normal(idx.shape)):
            b = A3.copy()
            np.put_along_axis(b, idx, v, axis)
            x = am.tensor(A3)
            same_exact(am.put_along_axis(x, idx, v, axis), b)
            assert np.array_equal(x.data, A3)  # (arr itself is not changed)
    b = A3.copy()
    idx, v = np.array([0, 0, 5, -1]), np.array([1.0, 2.0, 3.0, 4.0])  # (a repeated index: the last write wins)
    np.put_along_axis(b, idx, v, None)
    same_exact(am.put_along_axis(A3, idx, v, None), b)
    # gradients: arr where not overwritten, each value where written (the overwritten one: 0)
    x, w = T(A3), T(v)
    am.put_along_axis(x, idx, w, None).backward(am.tensor(np.arange(24.0).reshape(2, 3, 4)))
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0, 5.0, 23.0])
    expected = np.arange(24.0).reshape(2, 3, 4)
    expected.flat[[0, 5, 23]] = 0.0
    np.testing.assert_array_equal(x.grad.data, expected)
    with pytest.raises(ValueError, match=r"put_along_axis.*\(2, 3, 4\).*\(2,\)"):
        am.put_along_axis(A3, np.array([0, 1]), 1.0, 0)


def test_insert_delete_block_isin_equal_numpy():
    for obj, vals, axis in [(1, 5.0, None), (1, 5.0, 0), ([1, 1, 2], [7.0, 8.0, 9.0], 2),
                            (slice(0, 3), 1.5, 1), (2, np.arange(4.0), 1), ([0], np.arange(8.0).reshape(2, 4), 1),
                            (-1, np.array([1, 2]), None), (1, np.ones((2, 1, 4)), 1)]:
        same_exact(am.insert(A3, obj, vals, axis), np.insert(A3, obj, vals, axis=axis))
    same_exact(am.insert(np.arange(4), 2, 7.9), np.insert(np.arange(4), 2, 7.9))  # (cast to arr's dtype)
    for obj, axis in [(1, None), ([0, 2], 2), (slice(None, None, 2), 1), (np.array([True, False]), 0),
                      (-1, 1), ([], 0)]:
        same_exact(am.delete(A3, obj, axis), np.delete(A3, obj, axis))
    a, b, c, d = np.ones((2, 2)), np.zeros((2, 3)), np.arange(4.0).reshape(2, 2), np.arange(6).reshape(2, 3)
    same_exact(am.block([[a, b], [c, d]]), np.block([[a, b], [c, d]]))
    same_exact(am.block([np.arange(3.0), 4.0, np.arange(2)]), np.block([np.arange(3.0), 4.0, np.arange(2)]))
    same_exact(am.block([[[A3]]]), np.block([[[A3]]]))
    with pytest.raises(ValueError, match=r"block: blocks of shapes \[\(2, 2\), \(3, 3\)\]"):
        am.block([[a, np.ones((3, 3))]])
    with pytest.raises(IndexError, match=r"delete: arr of shape \(2, 3, 4\)"):
        am.delete(A3, 7, 1)
    x = np.array([1.0, 2.0, np.nan, 3.0, 2.0])
    for t in ([2.0, np.nan, 5.0], [], np.arange(6).reshape(2, 3)):
        same_exact(am.isin(x, t), np.isin(x, t))
        same_exact(am.isin(x, t, invert=True), np.isin(x, t, invert=True))
    same_exact(am.isin(A3, A3[0]), np.isin(A3, A3[0]))
    assert not am.isin(T(x), [2.0]).requires_grad


def test_shape_functions_gradients_first_and_second_order():
    b = rng(7).standard_normal((3, 4))
    check_both(lambda t: am.expand_dims(t, (0, -1)).sin(), b)
    check_both(lambda t: am.rot90(t, 1) * am.rot90(t, -1) + am.rot90(t, 2).sum(), b)
    check_both(lambda t: am.fliplr(t) * am.flipud(t) + am.ravel(t).reshape(3, 4), b)
    check_both(lambda t: am.hsplit(t, 2)[0] * am.vsplit(t, [1])[1][:1, :2], b)
    check_both(lambda t: am.diagflat(t[:2], 1) ** 2, b)
    check_both(lambda t: am.take(t, [[0, 11], [11, -1]]) ** 2 + am.take(t, [5, -5], 1, "wrap").sum(), b)
    check_both(lambda t, v: am.put_along_axis(t, np.array([[0, 0, 2, 1]]), v, 0) ** 2, b, b[:1])
    check_both(lambda t, v: am.insert(t, [1, 3], v, 1).sin() + am.delete(t, 0).sum(), b, b[:, :2])
    check_both(lambda t, v: am.block([[t, v], [v, t]]) ** 2 + am.append(t, v, None).sum(), b, np.cos(b))


@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.integers(0, 2**16))
@HYP
def test_take_and_delete_gradients_on_random_shapes(shape, seed):
    a = rng(seed).standard_normal(shape)
    idx = rng(seed).integers(-a.size, a.size, 5)
    check_both(lambda t: am.take(t, idx) ** 2 + am.take(t, idx, 0, "clip").sum(), a)
    check_both(lambda t: am.delete(t, [0], -1).exp(), a)


def test_shape_functions_bad_input():
    with pytest.raises(ValueError, match=r"fliplr.*\(3,\)"):
        am.fliplr(np.ones(3))
    with pytest.raises(ValueError, match=r"rot90.*different"):
        am.rot90(np.ones((2, 2)), 1, (0, 0))
    with pytest.raises(ValueError, match=r"vsplit.*\(3,\)"):
        am.vsplit(np.ones(3), 3)
    with pytest.raises(ValueError, match=r"expand_dims.*\(3,\)"):
        am.expand_dims(np.ones(3), 5)
    with pytest.raises(ValueError, match=r"append.*\(2, 2\).*\(2,\)"):
        am.append(np.ones((2, 2)), np.ones(2), 0)
    with pytest.raises(TypeError, match=r"take.*integers"):
        am.take(np.ones(3), [0.5])


def test_shape_functions_replay_bit_for_bit():
    def f(x, y):
        z = am.block([[x, y], [am.rot90(y, 1), am.fliplr(x)]])
        z = am.insert(am.delete(z, 1, 0), 2, am.ravel(x)[:5], 1)
        return (z ** 2).sum() + am.take(x, [0, 5, -1], mode="wrap").sum() + am.expand_dims(y, 0).sum()

    _eager_and_compiled(f, [lambda s: rng(s).standard_normal((3, 3)), lambda s: rng(s + 1).standard_normal((3, 3))])


# -- creation ------------------------------------------------------------------------------------


def test_creation_functions_equal_numpy():
    for n, m, k in [(3, None, 0), (3, 4, 1), (4, 2, -1), (0, 3, 0), (2, 2, 5)]:
        same_exact(am.tri(n, m, k), np.tri(n, m, k))
        same_exact(am.tri(n, m, k, dtype=np.int32), np.tri(n, m, k, dtype=np.int32))
        for name in ("tril_indices", "triu_indices"):
            got, expected = getattr(am, name)(n, k, m), getattr(np, name)(n, k, m)
            assert len(got) == 2 and not got[0].requires_grad
            for u, v in zip(got, expected):
                same_exact(u, v)
    same_exact(am.identity(3), np.identity(3))
    same_exact(am.identity(2, dtype=np.float32), np.identity(2, dtype=np.float32))
    for args, kw in [((0, 2, 5), {}), ((1, 3), {"num": 4, "base": 2.0, "endpoint": False}), ((2, 2, 0), {}),
                     (([0.0, 1.0], [2.0, 3.0], 3), {"axis": 1}), ((-1.0, 1.0, 7), {"dtype": np.float32})]:
        same(am.logspace(*args, **kw), np.logspace(*args, **kw), rtol=0)
    for args, kw in [((1, 1000, 4), {}), ((-1.0, -16.0, 5), {}), ((2.0, 3.0, 6), {"endpoint": False}),
                     (([1.0, 2.0], [8.0, 32.0], 3), {"axis": -1})]:
        same(am.geomspace(*args, **kw), np.geomspace(*args, **kw), rtol=0)
    x = np.ones((2, 3), np.float32)
    for dt in (None, np.int64):
        out = am.empty_like(x, dtype=dt)
        assert out.shape == (2, 3) and out.dtype == np.empty_like(x, dtype=dt).dtype
    with pytest.raises(ValueError, match="geomspace"):
        am.geomspace(0.0, 1.0, 3)
    with pytest.raises(ValueError, match="tri: negative"):
        am.tri(-1)
    with pytest.raises(TypeError, match="tril_indices: n must be an int"):
        am.tril_indices(2.5)
    with pytest.raises(ValueError, match="logspace: num"):
        am.logspace(0, 1, -1)


# -- reductions, statistics, 1-D signals ------------------------------------------------------

S = rng(11).standard_normal((3, 5))


def close(out, expected, rtol=1e-14):
    if isinstance(expected, tuple):
        assert isinstance(out, tuple) and len(out) == len(expected)
        for u, v in zip(out, expected):
            close(u, v, rtol)
        return
    same(out, expected, rtol)


def test_statistics_equal_numpy():
    x1 = np.sort(rng(12).standard_normal(5))
    w = rng(13).uniform(0.1, 1.0, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for axis in (0, -1):
            close(am.trapezoid(S, axis=axis), np.trapezoid(S, axis=axis))
            close(am.trapezoid(S, dx=0.3, axis=axis), np.trapezoid(S, dx=0.3, axis=axis))
        close(am.trapezoid(S, x1), np.trapezoid(S, x1))
        close(am.trapezoid(S, S * 2), np.trapezoid(S, S * 2))
        close(am.trapezoid(np.arange(5)), np.trapezoid(np.arange(5)))
        for axis in (0, 1):
            for inc in (False, True):
                close(am.cumulative_sum(S, axis=axis, include_initial=inc),
                      np.cumulative_sum(S, axis=axis, include_initial=inc))
        for x in (np.arange(4, dtype=np.int8), np.array([True, True]), np.zeros(0), S[0].astype(np.float32)):
            close(am.cumulative_sum(x, include_initial=True), np.cumulative_sum(x, include_initial=True), 1e-6)
        for axis in (None, 1, 0, (0, 1)):
            for kd in (False, True):
                close(am.average(S, axis, keepdims=kd), np.average(S, axis, keepdims=kd))
                close(am.average(S, axis, returned=True, keepdims=kd), np.average(S, axis, returned=True, keepdims=kd))
                close(am.ptp(S, axis, kd), np.ptp(S, axis, keepdims=kd))
        close(am.average(S, 1, w, True), np.average(S, 1, w, True))
        close(am.average(S, None, np.abs(S), True), np.average(S, None, np.abs(S), True))
        close(am.average(np.arange(6).reshape(2, 3), 0, [1, 2]), np.average(np.arange(6).reshape(2, 3), 0, [1, 2]))
        for kw in ({}, {"rowvar": False}, {"bias": True}, {"ddof": 2}, {"y": S[:2]}):
            close(am.cov(S, **kw), np.cov(S, **kw))
            kc = {k: v for k, v in kw.items() if k in ("rowvar", "y")}
            close(am.corrcoef(S, **kc), np.corrcoef(S, **kc))
        close(am.cov(S[0]), np.cov(S[0]))
        close(am.cov(S[0], S[1]), np.cov(S[0], S[1]))
        close(am.corrcoef(S[0]), np.corrcoef(S[0]))
        close(am.cov(np.arange(6).reshape(2, 3)), np.cov(np.arange(6).reshape(2, 3)))
        close(am.cov(S[:, :1]), np.cov(S[:, :1]))  # (N - ddof = 0: numpy's warning and inf / NaN)
        for N in (None, 0, 1, 4):
            for inc in (False, True):
                close(am.vander(x1, N, inc), np.vander(x1, N, inc))
        for x in (np.array([0.0, np.inf, np.nan], np.float32), np.arange(3)):
            close(am.vander(x), np.vander(x))
        close(am.ediff1d(S), np.ediff1d(S))
        close(am.ediff1d(S, to_end=[1, 2], to_begin=-1.0), np.ediff1d(S, to_end=[1, 2], to_begin=-1.0))
        close(am.ediff1d(np.arange(5), to_begin=np.array([3])), np.ediff1d(np.arange(5), to_begin=np.array([3])))
        for args, kw in [((), {}), ((0.5,), {}), ((0.5, 2.0), {}), ((2.0,), {"axis": 1}), ((), {"edge_order": 2}),
                         ((0.3, 0.7), {"edge_order": 2})]:
            close(am.gradient(S, *args, **kw), np.gradient(S, *args, **kw))
        close(am.gradient(np.arange(5) ** 2), np.gradient(np.arange(5) ** 2))
        xp, fp = np.array([0.0, 1.0, 2.5, 3.0]), np.array([1.0, -1.0, 2.0, 0.5])
        xs = np.array([-1, 0, 0.5, 1, 2.0, 2.5, 2.9, 3, 4, np.nan, np.inf, -np.inf])
        close(am.interp(xs, xp, fp), np.interp(xs, xp, fp))
        close(am.interp(xs, xp, fp, left=-7, right=9), np.interp(xs, xp, fp, left=-7, right=9))
        close(am.interp(xs.reshape(3, 4), xp, fp, period=2.0), np.interp(xs.reshape(3, 4), xp, fp, period=2.0))
        close(am.interp(xs, [1.0], [5.0]), np.interp(xs, [1.0], [5.0]))
        close(am.interp(2.2, xp, fp), np.interp(2.2, xp, fp))
        for m, n in [(5, 3), (3, 5), (4, 4), (1, 3), (6, 1), (2, 4)]:
            u, v = rng(m).standard_normal(m), rng(n + 10).standard_normal(n)
            for mode in ("full", "same", "valid"):
                close(am.correlate(u, v, mode), np.correlate(u, v, mode), 1e-13)
                close(am.convolve(u, v, mode), np.convolve(u, v, mode), 1e-13)
        close(am.correlate(np.arange(4), np.arange(3)), np.correlate(np.arange(4), np.arange(3)))
        close(am.polyval([3, 0, 1], 5), np.polyval([3, 0, 1], 5))
        close(am.polyval(np.array([1.5, -2.0, 0.5]), S), np.polyval(np.array([1.5, -2.0, 0.5]), S))
        close(am.polyval(np.array([1.5, -2.0, 0.5]), np.array([np.inf, 0.0])),
              np.polyval(np.array([1.5, -2.0, 0.5]), np.array([np.inf, 0.0])))


def test_statistics_gradients_first_and_second_order():
    x1 = np.sort(rng(12).standard_normal(5))
    check_both(lambda y, x: am.trapezoid(y, x) + am.trapezoid(y * y, dx=0.5, axis=0).sum(), S, x1)
    check_both(lambda y: am.cumulative_sum(y, axis=1, include_initial=True) ** 2, S)
    check_both(lambda a, w: am.average(a, 1, w) + am.average(a * a, None, returned=True)[0], S, np.abs(S[0]) + 0.5)
    check_both(lambda a: am.ptp(a, 1) ** 2, S)
    check_both(lambda a: am.cov(a) + am.cov(a, rowvar=False, bias=True).sum(), S)
    check_both(lambda a: am.corrcoef(a), S)
    check_both(lambda x: am.vander(x, 4) + am.vander(x * 0.0, 3, True).sum(), S[0])  # (at 0 too: no NaN)
    check_both(lambda a: am.ediff1d(a * a, to_begin=[1.0]), S)
    check_both(lambda a: am.gradient(a, 0.5, axis=1) * am.gradient(a, edge_order=2)[0], S)
    xp = np.array([-3.0, -1.0, 0.5, 2.0, 4.0])
    check_both(lambda x, fp: am.interp(x, xp, fp) ** 2, np.array([-2.5, -0.2, 0.7, 1.9, 3.0, 5.0, -4.0]), S[0])
    check_both(lambda a, v: am.correlate(a, v, "same") + am.convolve(v, a).sum(), S[0], S[1, :3])
    check_both(lambda p, x: am.polyval(p, x), S[0, :3], S)


@given(st.integers(1, 6), st.integers(1, 6), st.sampled_from(["full", "same", "valid"]), st.integers(0, 2**16))
@HYP
def test_convolve_and_correlate_on_random_lengths(m, n, mode, seed):
    u, v = rng(seed).standard_normal(m), rng(seed + 1).standard_normal(n)
    # (each output is a sum of products, summed in another order than numpy's: the rounding
    # error is relative to the sum of the products' sizes, not to a result that cancels)
    scale = np.convolve(np.abs(u), np.abs(v), "full").max()
    for ours, theirs in ((am.convolve(u, v, mode), np.convolve(u, v, mode)),
                         (am.correlate(u, v, mode), np.correlate(u, v, mode))):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours.data, theirs, rtol=1e-13, atol=1e-14 * scale)
    check_both(lambda a, b: am.convolve(a, b, mode) * am.correlate(a, b, mode).sum(), u, v)


def test_interp_gradient_is_the_segments_slope_and_zero_outside():
    xp, fp = np.array([0.0, 1.0, 3.0]), T([0.0, 2.0, 3.0])
    x = T([0.5, 1.0, 2.0, -1.0, 4.0])
    am.interp(x, xp, fp).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.5, 0.5, 0.0, 0.0])  # (at a knot: the right segment)
    np.testing.assert_allclose(fp.grad.data, [1.5, 2.0, 1.5])


def test_statistics_bad_input():
    with pytest.raises(ValueError, match=r"convolve: a and v must be 1-D, got shapes \(3, 5\) and \(2,\)"):
        am.convolve(S, np.ones(2))
    with pytest.raises(ValueError, match="correlate: a and v cannot be empty"):
        am.correlate(np.ones(0), np.ones(2))
    with pytest.raises(ValueError, match="correlate: mode"):
        am.correlate(np.ones(3), np.ones(2), "circular")
    with pytest.raises(ValueError, match=r"interp: fp and xp are not of the same length \(2 and 3\)"):
        am.interp(0.5, [0.0, 1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"trapezoid: x of shape \(4,\)"):
        am.trapezoid(S, np.ones(4))
    with pytest.raises(ValueError, match=r"cumulative_sum: axis must be given.*\(3, 5\)"):
        am.cumulative_sum(S)
    with pytest.raises(ZeroDivisionError, match="average: weights sum to zero"):
        am.average(S, 1, np.zeros(5))
    with pytest.raises(ValueError, match=r"average: weights of length 3.*\(3, 5\)"):
        am.average(S, 1, np.ones(3))
    with pytest.raises(ValueError, match=r"gradient: shape of axis 1 \(1\) is too small"):
        am.gradient(S[:, :1], axis=1)
    with pytest.raises(TypeError, match=r"gradient: only scalar spacings"):
        am.gradient(S[0], np.arange(5.0))
    with pytest.raises(ValueError, match=r"cov: m and y have 5 and 4 observations"):
        am.cov(S, S[:, :4])
    with pytest.raises(ValueError, match=r"vander: x must be 1-D, got shape \(3, 5\)"):
        am.vander(S)
    with pytest.raises(TypeError, match=r"ediff1d: dtype of `to_end`"):
        am.ediff1d(np.arange(3), to_end=[0.5])
    with pytest.raises(ValueError, match=r"polyval: p must be 1-D"):
        am.polyval(S, 1.0)


def test_statistics_replay_bit_for_bit():
    def f(a, v):
        xp = am.linspace(-2.0, 2.5, 5)  # (a constant of the tape; a closed-over array is refused)
        return (am.cov(a).sum() + am.trapezoid(a, dx=0.5).sum() + am.convolve(a[0], v, "same").sum()
                + am.interp(a[1], xp, a[2]).sum() + am.polyval(v, a).sum()
                + am.gradient(a, 2.0, axis=1).sum() + am.average(a, 1, a[1].exp()).sum()
                + am.vander(v).sum() + am.cumulative_sum(a, axis=0, include_initial=True).sum())

    _eager_and_compiled(f, [lambda s: rng(s).standard_normal((3, 5)), lambda s: rng(s + 3).standard_normal(3)])


def test_interp_at_a_knot_before_an_infinite_value_is_the_knots_value():
    xp, fp = [0.0, 1.0, 2.0], [0.0, np.inf, 5.0]  # (x = 0: fp[0], as numpy; not inf * 0)
    with np.errstate(invalid="ignore"):
        same(am.interp(am.tensor([0.0, 0.5, 1.0, 2.0]), xp, fp), np.interp([0.0, 0.5, 1.0, 2.0], xp, fp), 0)


def test_cov_and_corrcoef_refuse_complex_input():
    z = np.array([[1 + 1j, 2, 3j], [1, 2 - 1j, 0]])  # (numpy's needs the conjugate: no silent x x^T)
    for f in (am.cov, am.corrcoef):
        with pytest.raises(TypeError, match=rf"{f.__name__}: complex input \(shape \(2, 3\)\)"):
            f(am.tensor(z))
        with pytest.raises(TypeError, match=rf"{f.__name__}: complex input"):
            f(np.ones((2, 3)), z)
        with pytest.raises(TypeError, match=rf"{f.__name__}: complex"):
            f(np.ones((2, 3)), dtype=complex)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_cov_and_corrcoef_compute_in_float64_as_numpy(dtype):
    m = rng(7).standard_normal((2, 5)).astype(dtype)
    same(am.cov(am.tensor(m)), np.cov(m))  # (numpy's: dtype = result_type(m, float64))
    same(am.corrcoef(am.tensor(m), m[:1]), np.corrcoef(m, m[:1]))
    same(am.cov(am.tensor(m), dtype=dtype), np.cov(m, dtype=dtype))


@pytest.mark.parametrize("name", ["hypot", "logaddexp", "logaddexp2", "copysign"])
def test_binary_float_dtype_of_two_small_integer_kinds_is_numpys(name):
    a, b = np.array([1, -2], np.int8), np.array([2, 3], np.uint8)  # (each fits float16: numpy's loop 'ee->e')
    for x, y in ((a, b), (b, a), (a.astype(np.int16), b), (a, 2), (b, True), (a > 0, 2)):
        same(getattr(am, name)(am.tensor(x), y), getattr(np, name)(x, y))
    for x, y in ((2, 3), (True, False), (True, 2)):
        same(getattr(am, name)(x, y), getattr(np, name)(x, y))


def test_hypot_second_derivative_beside_an_infinity_is_zero_not_nan():
    x, y = T([1.0, -3.0, np.inf]), T([np.inf, -np.inf, 2.0])
    gx, gy = am.autograd.grad(am.hypot(x, y).sum(), [x, y], create_graph=True)
    np.testing.assert_array_equal(gx.data, [0.0, 0.0, 1.0])  # (torch's: x / hypot)
    np.testing.assert_array_equal(gy.data, [1.0, -1.0, 0.0])
    for g in (gx, gy):
        hx, hy = am.autograd.grad(g.sum(), [x, y], retain_graph=True)
        np.testing.assert_array_equal(hx.data, [0.0, 0.0, 0.0])  # (y**2 / hypot**3 -> 0, as torch)
        np.testing.assert_array_equal(hy.data, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp_of_float16_is_computed_in_float32_as_numpy(name):
    x, y = np.float16([-0.1936, -2.78, 3.0]), np.float16([-1.737, -0.2251, 3.5])  # (results near 0)
    same(getattr(am, name)(am.tensor(x), am.tensor(y)), getattr(np, name)(x, y), 0)


def test_errors_name_the_numpy_function_called():
    with pytest.raises(TypeError, match=r"^around: decimals must be an int, got 1.5 \(shape \(3,\)\)"):
        am.around(am.ones(3), 1.5)
    with pytest.raises(ValueError, match=r"^identity: negative dimensions are not allowed, got n=-1"):
        am.identity(-1)
    with pytest.raises(ValueError, match=r"^corrcoef: x has more than 2 axes \(shape \(2, 2, 2\)\)"):
        am.corrcoef(np.ones((2, 2, 2)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cbrt_of_subnormals_is_numpys_to_an_ulp(dtype):
    tiny = np.finfo(dtype).smallest_subnormal
    x = np.array([tiny, -tiny, tiny * 7, -np.finfo(dtype).tiny / 3, np.finfo(dtype).tiny], dtype)
    np.testing.assert_array_max_ulp(am.cbrt(am.tensor(x)).data, np.cbrt(x), maxulp=1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cbrt_of_the_largest_floats_is_numpys_to_an_ulp_without_warnings(dtype):
    # (float32's r**3 in Newton's step overflowed to inf: cbrt(max) was -inf)
    big = np.finfo(dtype).max
    x = np.array([big, -big, np.nextafter(big, 0, dtype=dtype), big / 3], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = am.cbrt(am.tensor(x)).data
    np.testing.assert_array_max_ulp(out, np.cbrt(x), maxulp=1)


def test_cov_and_corrcoef_errors_name_the_op_and_the_argument():
    # (corrcoef's own copy of cov's checks named x "m"; y's errors said "m"; corrcoef's
    # other errors named cov)
    with pytest.raises(ValueError, match=r"^cov: y has more than 2 axes \(shape \(2, 2, 2\)\)"):
        am.cov(np.ones((2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"^corrcoef: y has more than 2 axes \(shape \(2, 2, 2\)\)"):
        am.corrcoef(np.ones((2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"^corrcoef: x has more than 2 axes"):
        am.corrcoef(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"^corrcoef: x and y have 3 and 4 observations"):
        am.corrcoef(np.ones((2, 3)), np.ones((2, 4)))
