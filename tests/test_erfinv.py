"""erfinv (a primitive: numpy has none) and what it brings: Normal.icdf.

The values are checked against an oracle written here with the standard library's
decimal module: erf's Taylor series at 80 digits, inverted by Newton's method, so the
measured ulps are the primitive's own (math.erf is itself off by up to an ulp)."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini as am
from autograd_mini.distributions import Normal

_PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899")


def _erf_decimal(x: Decimal) -> Decimal:
    """erf(x) = 2/sqrt(pi) sum_n (-1)**n x**(2n+1) / (n! (2n+1)), summed to 1e-70 (the
    terms grow to exp(x**2) < 1e16 before they fall, so 80 digits keep 64)."""
    term, total, n, x2 = x, x, 0, x * x
    while abs(term) > Decimal("1e-70"):
        n += 1
        term = -term * x2 / n
        total += term / (2 * n + 1)
    return 2 * total / _PI.sqrt()


def erfinv_oracle(y: float) -> float:
    """The float64 nearest erfinv(y), y in (-1, 1): Newton on erf at 80 digits from the
    float64 start math gives (an ulp near 1 is still a step of 1e-16 in erf, ample)."""
    if y == 0:
        return y
    with localcontext() as ctx:
        ctx.prec = 80
        target = Decimal(y)
        lo, hi = 0.0, 6.0  # (a float start by bisection on math.erf / math.erfc)
        for _ in range(60):
            mid = (lo + hi) / 2
            below = math.erf(mid) < abs(y) if abs(y) < 0.5 else math.erfc(mid) > 1 - abs(y)
            lo, hi = (mid, hi) if below else (lo, mid)
        x = Decimal(math.copysign((lo + hi) / 2, y))
        for _ in range(4):
            step = (_erf_decimal(x) - target) / (2 / _PI.sqrt() * (-(x * x)).exp())
            x -= step
        assert abs(step) < Decimal("1e-30") * abs(x)
        return float(x)


def _points() -> np.ndarray:
    rng = np.random.default_rng(5)
    towards_one = 1 - np.logspace(-16, -0.3, 60)
    towards_zero = np.logspace(-300, -0.3, 40)
    y = np.concatenate([rng.uniform(-1, 1, 100), towards_one, -towards_one, towards_zero, -towards_zero,
                        [np.nextafter(1.0, 0.0), np.nextafter(-1.0, 0.0), 0.5, np.nextafter(0.5, 1.0),
                         np.nextafter(0.5, 0.0), 5e-324, 1e-310]])
    return y


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want).astype(got.dtype)).astype(np.float64)


def test_erfinv_is_within_4_ulps_of_an_80_digit_oracle_in_float64_and_rounds_right_in_float32():
    y = _points()
    want = np.array([erfinv_oracle(v) for v in y])
    got = am.erfinv(am.tensor(y)).data
    assert got.dtype == np.float64
    assert _ulps(got, want).max() <= 4
    assert np.mean(_ulps(got, want)) < 1
    y32 = y.astype(np.float32)
    inner = np.abs(y32) < 1
    want32 = np.array([erfinv_oracle(float(v)) for v in y32[inner]]).astype(np.float32)
    got32 = am.tensor(y32).erfinv().data
    assert got32.dtype == np.float32
    assert _ulps(got32[inner], want32).max() <= 1  # (the float64 result rounded; 1 for double rounding)


def test_erfinv_inverts_erf_and_is_odd_and_increasing():
    y = np.linspace(-0.999, 0.999, 2001)
    x = am.erfinv(y).data
    assert np.all(np.diff(x) > 0)
    np.testing.assert_array_equal(am.erfinv(-y).data, -x)
    np.testing.assert_allclose(am.erf(x).data, y, rtol=0, atol=4e-16)


def test_erfinv_ends_nan_signed_zero_and_dtypes_as_torch():
    y = np.array([1.0, -1.0, 1.5, -2.0, np.inf, np.nan, 0.0, -0.0])
    x = am.erfinv(y).data
    assert x[0] == np.inf and x[1] == -np.inf
    assert np.isnan(x[2:6]).all()
    assert x[6] == 0 and not np.signbit(x[6]) and x[7] == 0 and np.signbit(x[7])
    assert am.erfinv(np.array([0, 1])).data.tolist() == [0.0, np.inf]  # (integers give floats, as erf's)
    assert am.erfinv(np.float16(0.5)).data.dtype == np.float16
    assert am.erfinv(np.zeros((2, 0, 3))).shape == (2, 0, 3)
    with pytest.raises(TypeError, match=r"erfinv: expected real numbers, got dtype complex128 of shape \(2,\)"):
        am.erfinv(np.array([0.1j, 0.2]))


def test_erfinv_gradient_is_sqrt_pi_over_2_exp_square_inf_at_the_ends():
    ends = am.tensor(np.array([1.0, -1.0]), requires_grad=True)
    am.erfinv(ends).backward(np.ones(2))  # (a sum would be inf - inf)
    assert ends.grad.data.tolist() == [np.inf, np.inf]  # (as torch's)
    y = am.tensor(np.array([0.0, 0.3, -0.9, 0.999999]), requires_grad=True)
    x = am.erfinv(y)
    (g,) = am.autograd.grad(x.sum(), y, create_graph=True)
    np.testing.assert_allclose(g.data, math.sqrt(math.pi) / 2 * np.exp(x.data ** 2), rtol=1e-15)
    # second derivative: d/dy [c exp(x**2)] = 2 x (c exp(x**2))**2
    (h,) = am.autograd.grad(g.sum(), y)
    np.testing.assert_allclose(h.data, 2 * x.data * g.data ** 2, rtol=1e-14)


@settings(max_examples=8, deadline=None)
@given(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), st.integers(0, 2**31))
def test_erfinv_gradcheck_and_gradgradcheck(shape, seed):
    y = am.tensor(np.random.default_rng(seed).uniform(-0.95, 0.95, shape), requires_grad=True)
    assert am.gradcheck(am.erfinv, (y,))
    assert am.gradgradcheck(am.erfinv, (y,))
    assert am.gradgradcheck(lambda t: t.erfinv() * t, (y,))


def test_erfinv_compiled_replays_eager_bit_for_bit():
    f = lambda y: (am.erfinv(y * 0.9) ** 2).sum()  # noqa: E731
    step = am.compile(f)
    for seed in range(3):
        y = np.random.default_rng(seed).uniform(-1, 1, (4, 5))
        outs = []
        for fn in (f, step):
            t = am.tensor(y, requires_grad=True)
            loss = fn(t)
            loss.backward()
            outs.append((loss.data.copy(), t.grad.data.copy()))
        (la, ga), (lb, gb) = outs
        assert np.array_equal(la, lb) and np.array_equal(ga, gb)
    assert step.recordings == 1



def test_trunc_normal_s_erfinv_is_the_primitive_s_accurate_one_near_1():
    # (its former Halley steps on erf(x) - y were 24 ulps off at y = 0.99 and 0.15 off at 1 - 1e-16)
    from autograd_mini.nn.init import _erfinv

    y = np.array([0.99, 1 - 1e-10, np.nextafter(1.0, 0.0), -np.nextafter(1.0, 0.0)])
    want = np.array([erfinv_oracle(v) for v in y])
    assert _ulps(_erfinv(y), want).max() <= 4


# -- Normal.icdf --------------------------------------------------------------------------


def _normal_quantile(p: float, loc: float, scale: float) -> float:
    """By bisection on the cdf (1 + erf(z / sqrt 2)) / 2, increasing."""
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if (1 + math.erf(mid / math.sqrt(2))) / 2 < p else (lo, mid)
    return loc + scale * (lo + hi) / 2


def test_normal_icdf_values_ends_and_broadcasting():
    loc, scale = np.array([0.0, 1.5, -2.0]), np.array([1.0, 0.5, 3.0])
    d = Normal(loc, scale)
    p = np.array([[0.025], [0.3], [0.5], [0.9], [0.999]])
    got = d.icdf(p).data
    assert got.shape == (5, 3)
    for i in range(5):
        for j in range(3):
            assert got[i, j] == pytest.approx(_normal_quantile(p[i, 0], loc[j], scale[j]), rel=1e-12, abs=1e-12)
    assert d.icdf(0.975).data[0] == pytest.approx(1.959963984540054, rel=1e-15)
    ends = Normal(0.0, 1.0).icdf(np.array([0.0, 1.0])).data
    assert ends.tolist() == [-np.inf, np.inf]
    np.testing.assert_allclose(d.cdf(d.icdf(p)).data, np.broadcast_to(p, (5, 3)), rtol=1e-14)


def test_normal_icdf_gradients_in_value_loc_and_scale():
    p = am.tensor(np.array([[0.1, 0.6], [0.45, 0.97]]), requires_grad=True)
    loc = am.tensor(np.array([0.5, -1.0]), requires_grad=True)
    scale = am.tensor(np.array([2.0, 0.7]), requires_grad=True)
    f = lambda p, loc, scale: Normal(loc, scale).icdf(p)  # noqa: E731
    assert am.gradcheck(f, (p, loc, scale))
    assert am.gradgradcheck(f, (p, loc, scale))
    # d icdf / dp = 1 / density(icdf(p))
    x = f(p, loc, scale)
    (g,) = am.autograd.grad(x.sum(), p)
    density = np.exp(Normal(loc, scale).log_prob(x.detach()).data)
    np.testing.assert_allclose(g.data, 1 / density, rtol=1e-13)


def test_normal_icdf_refuses_a_value_outside_0_1_unless_not_validating():
    d = Normal(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError,
                       match=r"Normal\.icdf: the value \(shape \(2, 3\)\) must be a probability, in \[0, 1\]"):
        d.icdf(np.array([[0.5, 0.2, 1.2], [0.1, 0.1, 0.1]]))
    with pytest.raises(ValueError, match=r"Normal\.icdf: a value of shape \(2,\) does not broadcast"):
        d.icdf(np.array([0.5, 0.5]))
    x = Normal(0.0, 1.0, validate_args=False).icdf(np.array([-0.5, 1.5, np.nan])).data
    assert np.isnan(x).all()  # (as torch's)
