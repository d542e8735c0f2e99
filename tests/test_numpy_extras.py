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
